"""Compiled inner loops of the decoder: sequences in, start times and cost terms out.

The search decodes and prices a full plan several thousand times per second of search; in plain
Python that was about 70 % of the engine's time. These functions are the same algorithms as the
documented ones in :mod:`mixshare.engine.model` (which calls them), written over flat NumPy
arrays and compiled with Numba (``cache=True``: compiled once per checkout, then loaded from
``__pycache__``; ``scripts/setup`` does it).

The model's arrays travel as one :class:`KernelData`, the first argument of every kernel that
reads the model. Array conventions: a set of line sequences is ``flat`` (all lots, line after
line) with ``ptr[ln]:ptr[ln + 1]`` the slice of line ``ln``; chain predecessors and successors
are in CSR form (``*_ptr``, ``*_lot``, ``*_min``, ``*_max``); unavailable time of line ``ln``
is ``down_s/down_e[down_ptr[ln]:down_ptr[ln + 1]]`` (merged, sorted).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
from numba import njit, types
from numba.experimental import structref

# "no due date" (and "no max lag") in the compiled model: later than any horizon, still
# an int64 (compiled into the kernels as a constant; :mod:`mixshare.engine.model` re-exports it)
NO_DUE = 1 << 40

# error codes of :func:`forward`; :data:`ERRORS` gives their messages
OK, FORBIDDEN_CO, LOCKED_UNREACHABLE, LOCKED_EARLY, PAST_HORIZON, DEADLOCK = range(6)
ERRORS = {
    FORBIDDEN_CO: "forbidden changeover",
    LOCKED_UNREACHABLE: "locked start unreachable",
    LOCKED_EARLY: "locked start before release or chain lag",
    PAST_HORIZON: "ends after horizon",
    DEADLOCK: "chain deadlock between lines",
}


@structref.register
class _KernelDataType(types.StructRef):
    """Numba's type of :class:`KernelData`."""


class KernelData(structref.StructRefProxy):
    """The compiled model as flat arrays (built once per model by ``Model.kernel``): the first
    argument of every kernel that reads the model, which unpacks the fields it needs.

    A Numba structure (a StructRef: one pointer, its fields typed once in :data:`KERNEL_DATA`)
    rather than a named tuple, whose 27 arrays Numba types anew on every call from Python: a
    call with a trivial body took 4-5 us with a named tuple, 2 us with the arrays one by one,
    under 1 us with this structure (2026-12-02, load 6); and Numba cannot cache functions that
    take a jitclass. Built by :func:`kernel_data`; Python code only passes it on (the fields
    below are for the kernels and the type checker, not readable from Python)."""

    dur: np.ndarray  # int64 [m, n] minutes of lot i on line ln, 0: not eligible
    kwh: np.ndarray  # float64 [m, n] energy of lot i on line ln
    key: np.ndarray  # int64 [n] setup key of each lot
    co_min: np.ndarray  # int64 [m, rows, keys] changeover minutes, -1 forbidden; rows padded
    co_clean: np.ndarray  # int64 [m, rows, keys] cleaning batches of a changeover
    co_cost: np.ndarray  # float64 [m, rows, keys] cost of a changeover
    init_key: np.ndarray  # int64 [m] row of each line's initial setup
    down_ptr: np.ndarray  # int64 [m + 1] unavailable intervals of each line (CSR)
    down_s: np.ndarray
    down_e: np.ndarray
    pred_ptr: np.ndarray  # int64 [n + 1] chain predecessors (CSR) with min and max lags
    pred_lot: np.ndarray
    pred_min: np.ndarray
    pred_max: np.ndarray
    succ_ptr: np.ndarray  # int64 [n + 1] chain successors (CSR) with min lags
    succ_lot: np.ndarray
    succ_min: np.ndarray
    fixed_line: np.ndarray  # int64 [n] line and start of a locked lot, -1 when not fixed
    fixed_start: np.ndarray
    prev_line: np.ndarray  # int64 [n] line and start in the previous plan, -1 when none
    prev_start: np.ndarray
    due: np.ndarray  # int64 [n] due minute, NO_DUE when none
    soft_due: np.ndarray  # int64 [n] due, or the order's due minus the downstream stages
    weight: np.ndarray  # float64 [n] tardiness weight per minute
    price_cum: np.ndarray  # float64 [horizon + 1] energy price prefix (``Model.price_cum``)
    peak_s: np.ndarray  # int64 peak periods, sorted
    peak_e: np.ndarray


# Numba's types of the fields: C-contiguous int64 vectors but for these
_NOT_INT_VECTOR = {
    "dur": types.Array(types.int64, 2, "C"),
    "kwh": types.Array(types.float64, 2, "C"),
    "co_min": types.Array(types.int64, 3, "C"),
    "co_clean": types.Array(types.int64, 3, "C"),
    "co_cost": types.Array(types.float64, 3, "C"),
    "weight": types.Array(types.float64, 1, "C"),
    "price_cum": types.Array(types.float64, 1, "C"),
}
KERNEL_DATA = _KernelDataType(  # type: ignore[no-untyped-call]
    [
        (name, _NOT_INT_VECTOR.get(name, types.Array(types.int64, 1, "C")))
        for name in KernelData.__annotations__
    ]
)
structref.define_boxing(_KernelDataType, KernelData)  # type: ignore[no-untyped-call]


@njit(cache=True)
def kernel_data(
    dur: Any,
    kwh: Any,
    key: Any,
    co_min: Any,
    co_clean: Any,
    co_cost: Any,
    init_key: Any,
    down_ptr: Any,
    down_s: Any,
    down_e: Any,
    pred_ptr: Any,
    pred_lot: Any,
    pred_min: Any,
    pred_max: Any,
    succ_ptr: Any,
    succ_lot: Any,
    succ_min: Any,
    fixed_line: Any,
    fixed_start: Any,
    prev_line: Any,
    prev_start: Any,
    due: Any,
    soft_due: Any,
    weight: Any,
    price_cum: Any,
    peak_s: Any,
    peak_e: Any,
) -> KernelData:
    """A :class:`KernelData` of the arrays (C-contiguous, of the types of
    :data:`KERNEL_DATA`); compiled and cached, as a Python-side constructor would be compiled
    anew in every process (seconds)."""
    kd: KernelData = structref.new(KERNEL_DATA)  # type: ignore[call-arg]  # a Numba intrinsic
    kd.dur, kd.kwh, kd.key, kd.init_key = dur, kwh, key, init_key
    kd.co_min, kd.co_clean, kd.co_cost = co_min, co_clean, co_cost
    kd.down_ptr, kd.down_s, kd.down_e = down_ptr, down_s, down_e
    kd.pred_ptr, kd.pred_lot, kd.pred_min, kd.pred_max = pred_ptr, pred_lot, pred_min, pred_max
    kd.succ_ptr, kd.succ_lot, kd.succ_min = succ_ptr, succ_lot, succ_min
    kd.fixed_line, kd.fixed_start = fixed_line, fixed_start
    kd.prev_line, kd.prev_start = prev_line, prev_start
    kd.due, kd.soft_due, kd.weight, kd.price_cum = due, soft_due, weight, price_cum
    kd.peak_s, kd.peak_e = peak_s, peak_e
    return kd


def csr(rows: list[list[tuple[int, int, int]]]) -> tuple[np.ndarray, ...]:
    """(ptr, lot, min_lag, max_lag) arrays of per-lot chain lists."""
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    flat = [x for r in rows for x in r]
    cols = np.array(flat, dtype=np.int64).reshape(-1, 3)
    return ptr, cols[:, 0].copy(), cols[:, 1].copy(), cols[:, 2].copy()


def pack(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """``flat`` and ``ptr`` of a set of line sequences."""
    ptr = np.zeros(len(seqs) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(s) for s in seqs])
    flat = np.fromiter(chain.from_iterable(seqs), dtype=np.int64, count=int(ptr[-1]))
    return flat, ptr


@njit(cache=True)
def fit(down_s: Any, down_e: Any, a: int, b: int, t: int, length: int) -> int:
    """Earliest ``x >= t`` with ``[x, x + length)`` clear of the intervals ``a:b``."""
    lo, hi = a, b
    while lo < hi:  # first interval starting after t
        mid = (lo + hi) // 2
        if down_s[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    k = lo - 1
    if k >= a and down_e[k] > t:
        t = down_e[k]
    k += 1
    while k < b and down_s[k] < t + length:
        if down_e[k] > t:
            t = down_e[k]
        k += 1
    return t


@njit(cache=True)
def _peak_before(peak_s: Any, t: int) -> int:
    lo, hi = 0, len(peak_s)
    while lo < hi:
        mid = (lo + hi) // 2
        if peak_s[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@njit(cache=True)
def forward(
    kd: KernelData,
    flat: Any,
    ptr: Any,
    lower: Any,
    stay: Any,
    use_stay: bool,
    cap: Any,
    base: Any,
    use_cap: bool,
    horizon: int,
) -> tuple[Any, Any, Any, int, int]:
    """Earliest start of every lot, the lines in parallel, each lot waiting for its chain
    predecessors; with ``use_stay`` a lot on its previous line starts no earlier than
    ``stay``; with ``use_cap`` a lot may wait past the peak period it would run into, by at
    most ``cap`` minutes after its earliest start ``base`` (see ``model.decode``)."""
    n = kd.dur.shape[1]
    start = np.full(n, -1, dtype=np.int64)
    end = np.full(n, -1, dtype=np.int64)
    cos = np.full(n, -1, dtype=np.int64)
    present = np.zeros(n, dtype=np.bool_)
    for k in range(len(flat)):
        present[flat[k]] = True
    err, culprit = _sweep(
        kd,
        flat,
        ptr,
        ptr[:-1].copy(),
        kd.init_key.copy(),
        np.zeros(len(ptr) - 1, dtype=np.int64),
        start,
        end,
        cos,
        present,
        lower,
        stay,
        use_stay,
        cap,
        base,
        use_cap,
        horizon,
    )
    return start, end, cos, err, culprit


@njit(cache=True)
def _sweep(
    kd: KernelData,
    flat: Any,
    ptr: Any,
    pos: Any,
    prev_key: Any,
    prev_end: Any,
    start: Any,
    end: Any,
    cos: Any,
    present: Any,
    lower: Any,
    stay: Any,
    use_stay: bool,
    cap: Any,
    base: Any,
    use_cap: bool,
    horizon: int,
) -> tuple[int, int]:
    """Time the lots of every line from its position ``pos[ln]`` on (the lots before it are
    timed already; ``end`` -1 marks a lot not timed yet), the line's state being the key and
    end of the lot before; returns (error code, culprit)."""
    dur, kwh, key, co_min = kd.dur, kd.kwh, kd.key, kd.co_min
    down_ptr, down_s, down_e = kd.down_ptr, kd.down_s, kd.down_e
    pred_ptr, pred_lot, pred_min, pred_max = kd.pred_ptr, kd.pred_lot, kd.pred_min, kd.pred_max
    fixed_line, fixed_start, prev_line = kd.fixed_line, kd.fixed_start, kd.prev_line
    peak_s, peak_e = kd.peak_s, kd.peak_e
    m = len(ptr) - 1
    remaining = 0
    for ln in range(m):
        remaining += ptr[ln + 1] - pos[ln]
    while remaining > 0:
        progressed = False
        for ln in range(m):
            while pos[ln] < ptr[ln + 1]:
                i = flat[pos[ln]]
                lo = lower[i]
                blocked = False
                latest = np.int64(NO_DUE)
                for q in range(pred_ptr[i], pred_ptr[i + 1]):
                    p = pred_lot[q]
                    if not present[p]:
                        continue
                    if end[p] < 0:
                        blocked = True
                        break
                    lo = max(lo, end[p] + pred_min[q])
                    latest = min(latest, end[p] + pred_max[q])
                if blocked:
                    break
                if use_stay and stay[i] >= 0 and prev_line[i] == ln:
                    lo = max(lo, stay[i])
                co = co_min[ln, prev_key[ln], key[i]]
                if co < 0:
                    return FORBIDDEN_CO, i
                d = dur[ln, i]
                a, b = down_ptr[ln], down_ptr[ln + 1]
                if fixed_line[i] >= 0:
                    blk = fixed_start[i] - co
                    if blk < prev_end[ln] or fit(down_s, down_e, a, b, blk, co + d) != blk:
                        return LOCKED_UNREACHABLE, i
                    s = fixed_start[i]
                else:
                    blk = fit(down_s, down_e, a, b, max(prev_end[ln], lo - co), co + d)
                    s = blk + co
                    if use_cap:
                        k = _peak_before(peak_s, s + d - 1)
                        if k >= 0 and peak_e[k] > s and kwh[ln, i] > 0:
                            b2 = fit(
                                down_s, down_e, a, b, max(prev_end[ln], peak_e[k] - co), co + d
                            )
                            s2 = b2 + co
                            if s2 <= base[i] + cap[i] and s2 <= latest and s2 + d <= horizon:
                                blk, s = b2, s2
                if s < lo:
                    return LOCKED_EARLY, i
                e = s + d
                if e > horizon:
                    return PAST_HORIZON, i
                start[i], end[i], cos[i] = s, e, blk
                prev_key[ln], prev_end[ln] = key[i], e
                pos[ln] += 1
                remaining -= 1
                progressed = True
        if not progressed:
            for ln in range(m):
                if pos[ln] < ptr[ln + 1]:
                    return DEADLOCK, flat[pos[ln]]
    return OK, -1


@njit(cache=True)
def insert_forward(
    kd: KernelData,
    flat: Any,
    ptr: Any,
    line_of: Any,
    pos_of: Any,
    start0: Any,
    end0: Any,
    cos0: Any,
    ln: int,
    p: int,
    lot: int,
    lower: Any,
    stay: Any,
    use_stay: bool,
    horizon: int,
) -> tuple[Any, Any, Any, Any, Any, int, int]:
    """:func:`forward` (earliest starts, no TOU caps) of the sequences ``flat``/``ptr`` with
    ``lot`` inserted at position ``p`` of line ``ln``, re-timing only what can change.

    ``start0``/``end0``/``cos0`` are the times :func:`forward` gives ``flat``/``ptr`` (without
    error); ``line_of``/``pos_of`` each placed lot's line and position in it (-1: absent).
    A lot's time depends only on the lots before it on its line and on its chain
    predecessors, so the lots to re-time are, on each line, those from a first position on:
    line ``ln`` from ``p``, and every line from the first lot whose chain predecessor is
    re-timed (closed over the chains). Returns the new (flat, ptr, start, end, cos, error,
    culprit); the times equal a full :func:`forward` of the new sequences, and an error is
    reported whenever the full pass would report one."""
    key, succ_ptr, succ_lot = kd.key, kd.succ_ptr, kd.succ_lot
    m = len(ptr) - 1
    new_flat = np.empty(len(flat) + 1, dtype=np.int64)
    at = ptr[ln] + p
    new_flat[:at] = flat[:at]
    new_flat[at] = lot
    new_flat[at + 1 :] = flat[at:]
    new_ptr = ptr.copy()
    new_ptr[ln + 1 :] += 1
    # first position to re-time on each line (new positions), closed over chain successors
    first = new_ptr[1:] - new_ptr[:-1]
    first[ln] = p
    done = first.copy()  # lines are scanned for successors from ``first`` up to ``done``
    done[ln] = new_ptr[ln + 1] - new_ptr[ln]
    changed = True
    while changed:
        changed = False
        for line in range(m):
            while done[line] > first[line]:
                done[line] -= 1
                j = new_flat[new_ptr[line] + done[line]]
                for q in range(succ_ptr[j], succ_ptr[j + 1]):
                    _touch(succ_lot[q], line_of, pos_of, ln, p, first)
                changed = True
    start, end, cos = start0.copy(), end0.copy(), cos0.copy()
    present = pos_of >= 0
    present[lot] = True
    pos = new_ptr[:-1] + first
    prev_key = kd.init_key.copy()
    prev_end = np.zeros(m, dtype=np.int64)
    for line in range(m):
        for k in range(pos[line], new_ptr[line + 1]):
            j = new_flat[k]
            start[j], end[j], cos[j] = -1, -1, -1
        if first[line] > 0:
            j = new_flat[pos[line] - 1]
            prev_key[line], prev_end[line] = key[j], end[j]
    no_cap = np.zeros(0, dtype=np.int64)
    err, culprit = _sweep(
        kd,
        new_flat,
        new_ptr,
        pos,
        prev_key,
        prev_end,
        start,
        end,
        cos,
        present,
        lower,
        stay,
        use_stay,
        no_cap,
        no_cap,
        False,
        horizon,
    )
    return new_flat, new_ptr, start, end, cos, err, culprit


@njit(cache=True)
def _touch(j: int, line_of: Any, pos_of: Any, ln: int, p: int, first: Any) -> None:
    """Lower line ``line_of[j]``'s first position to re-time to lot ``j``'s (when placed)."""
    if pos_of[j] < 0:
        return
    line = line_of[j]
    k = pos_of[j] + (1 if line == ln and pos_of[j] >= p else 0)  # behind the inserted lot
    if k < first[line]:
        first[line] = k


@njit(cache=True)
def lag_repairs(kd: KernelData, start: Any, end: Any, lower: Any, repair: bool) -> tuple[bool, int]:
    """Find successors that start more than the max lag after their predecessor ends.

    With ``repair``, raise ``lower`` of every such predecessor (so it ends later) and return
    (anything raised, the first successor concerned); without, only return (False, the first
    such successor), -1 meaning every rest window holds."""
    pred_ptr, pred_lot, pred_max = kd.pred_ptr, kd.pred_lot, kd.pred_max
    bumped, first = False, -1
    for i in range(len(start)):
        if start[i] < 0:
            continue
        for q in range(pred_ptr[i], pred_ptr[i + 1]):
            p = pred_lot[q]
            if start[p] >= 0 and start[i] - end[p] > pred_max[q]:
                if not repair:
                    return False, i
                need = start[i] - pred_max[q] - (end[p] - start[p])
                if need > lower[p]:
                    lower[p] = need
                    bumped = True
                    if first < 0:
                        first = i
    return bumped, first


@njit(cache=True)
def delay_caps(
    kd: KernelData,
    flat: Any,
    ptr: Any,
    start: Any,
    end: Any,
    cos: Any,
    margin: int,
    horizon: int,
) -> Any:
    """Largest delay of each lot (from its earliest start) that keeps it and every later lot of
    its line ``margin`` minutes before their soft due dates (idle gaps absorb the push).

    A lot's own limit is its due, or (chain predecessor) its order's soft due at first; then,
    with every line's caps known, what its successors can absorb (their idle lag plus their own
    cap). Each sweep only uses limits that are safe, so every sweep is safe."""
    soft_due, due, fixed_line = kd.soft_due, kd.due, kd.fixed_line
    succ_ptr, succ_lot, succ_min = kd.succ_ptr, kd.succ_lot, kd.succ_min
    n = len(start)
    own = np.empty(n, dtype=np.int64)
    for i in range(n):
        own[i] = min(soft_due[i], horizon) - end[i] - margin
    cap = np.zeros(n, dtype=np.int64)
    for sweep in range(3):
        if sweep:
            for i in range(n):
                if start[i] < 0 or due[i] < NO_DUE:
                    continue
                lim = np.int64(-1)
                have = False
                for q in range(succ_ptr[i], succ_ptr[i + 1]):
                    sc = succ_lot[q]
                    if start[sc] >= 0:
                        v = start[sc] - succ_min[q] - end[i] + cap[sc]
                        if not have or v < lim:
                            lim, have = v, True
                if have:
                    if sweep > 1:
                        own[i] = min(lim, horizon - end[i])
                    else:
                        own[i] = min(own[i], lim)
        for ln in range(len(ptr) - 1):
            nxt = 0
            for k in range(ptr[ln + 1] - 1, ptr[ln] - 1, -1):
                i = flat[k]
                e = end[i]
                last = k == ptr[ln + 1] - 1
                room = horizon - e if last else cos[flat[k + 1]] - e + nxt
                c = 0 if fixed_line[i] >= 0 else max(0, min(room, own[i]))
                cap[i] = c
                nxt = c
    return cap


@njit(cache=True)
def cost_terms(
    kd: KernelData, flat: Any, ptr: Any, start: Any, end: Any, energy: bool
) -> tuple[float, int, int, int, float, float, int]:
    """(weighted tardiness, late lots, changeover minutes, cleaning batches, changeover cost,
    energy cost, moved lots) of a decoded plan (see ``model.evaluate``)."""
    dur, kwh, key, init_key = kd.dur, kd.kwh, kd.key, kd.init_key
    co_min, co_clean, co_cost = kd.co_min, kd.co_clean, kd.co_cost
    due, weight, price_cum = kd.due, kd.weight, kd.price_cum
    prev_line, prev_start = kd.prev_line, kd.prev_start
    tard, co_cost_sum, energy_cost = 0.0, 0.0, 0.0
    late, co_minutes, cleaning, moved = 0, 0, 0, 0
    for ln in range(len(ptr) - 1):
        pk = init_key[ln]
        for q in range(ptr[ln], ptr[ln + 1]):
            i = flat[q]
            k = key[i]
            co_minutes += co_min[ln, pk, k]
            cleaning += co_clean[ln, pk, k]
            co_cost_sum += co_cost[ln, pk, k]
            pk = k
            over = end[i] - due[i]
            if over > 0:
                tard += weight[i] * over
                late += 1
            if energy:
                d = dur[ln, i]
                energy_cost += kwh[ln, i] / d * (price_cum[start[i] + d] - price_cum[start[i]])
            if prev_line[i] >= 0 and (prev_line[i] != ln or prev_start[i] != start[i]):
                moved += 1
    for i in range(len(start)):
        if start[i] < 0 and prev_line[i] >= 0:
            moved += 1
    return tard, late, co_minutes, cleaning, co_cost_sum, energy_cost, moved


@njit(cache=True)
def _push_at(
    p: int, s0: int, gap_cum: Any, end: Any, due: Any, weight: Any, moved: float, width: int
) -> float:
    """Extra weighted tardiness (plus ``moved`` per pushed lot) when the lot at position ``p``
    of a line is pushed right by ``s0``: the push travels down the line, shrinking by each
    idle gap (``gap_cum`` is their running sum), over at most ``width`` lots."""
    out = 0.0
    for q in range(p, min(len(end), p + width)):
        sh = s0 - (gap_cum[q] - gap_cum[p])
        if sh <= 0:  # gaps only add up: the push is absorbed for good
            break
        new = end[q] + sh - due[q]
        old = end[q] - due[q]
        out += weight[q] * (max(0, new) - max(0, old)) + moved
    return out


@njit(cache=True)
def add_push_costs(
    own: Any,
    keep: int,
    wt: float,
    shift0: Any,
    gap_cum: Any,
    end: Any,
    due: Any,
    weight: Any,
    moved: float,
    width: int,
) -> Any:
    """Screened cost of inserting a lot at each position of a line: ``own`` (everything but
    the push, inf where infeasible) plus ``wt`` times the push cost (:func:`_push_at`; the
    last position pushes nothing), the push computed only where it can matter.

    The push cost is never negative, so positions are taken in the order of ``own`` and the
    push is computed until ``own`` exceeds the ``keep``-th smallest total so far; a position
    left out keeps ``own``, which is already above that, so the ``keep`` cheapest positions
    (ties by position) and their totals are those of computing every push."""
    n = len(shift0)
    out = own.copy()
    order = np.argsort(own, kind="mergesort")
    keep = max(keep, 1)
    done = np.empty(len(own))  # the totals of the positions taken so far
    threshold = np.inf
    for k, p in enumerate(order):
        if own[p] > threshold:
            break
        if p < n and own[p] < np.inf:
            out[p] = own[p] + wt * _push_at(p, shift0[p], gap_cum, end, due, weight, moved, width)
        done[k] = out[p]
        if (k + 1) % keep == 0:  # now and then: a stale threshold only computes more
            threshold = np.partition(done[: k + 1], keep - 1)[keep - 1]
    return out
