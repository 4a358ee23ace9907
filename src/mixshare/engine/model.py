"""Compiled, index-based form of a :class:`Problem` and the sequence decoder.

The optimizer works on per-line sequences of lot indices. :func:`decode` turns sequences into
start times (earliest feasible, honouring releases, changeovers, calendars, chain lags and locked
starts); :func:`evaluate` prices them. Plain Python lists are used in the hot loops because
element access on NumPy arrays is slower than on lists for scalar work.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from mixshare.engine import kernels

# NO_DUE is defined beside the kernels, which compile it in; the engine imports it from here
from mixshare.engine.kernels import NO_DUE as NO_DUE
from mixshare.engine.kernels import KernelData, csr
from mixshare.engine.problem import InfeasibleProblem, Placement, Problem, Weights
from mixshare.engine.solution import Schedule, ScheduledChangeover, ScheduledLot

FORBIDDEN = -1


@dataclass
class Model:
    problem: Problem
    lot_ids: list[str]
    line_ids: list[str]
    dur: list[list[int]]  # dur[line][lot], 0 = ineligible
    kwh: list[list[float]]
    release: list[int]
    due: list[int]  # NO_DUE when none
    weight: list[float]
    key: list[int]
    keys: list[str]
    order: list[int]
    order_ids: list[str]
    order_lots: list[list[int]]
    co_min: list[list[list[int]]]  # [line][from_key (K = clean)][to_key], FORBIDDEN = -1
    co_clean: list[list[list[int]]]
    co_cost: list[list[list[float]]]
    init_key: list[int]
    down: list[list[tuple[int, int]]]  # merged unavailable intervals per line
    down_starts: list[list[int]]
    preds: list[list[tuple[int, int, int]]]  # (pred, min_lag, max_lag or NO_DUE)
    succs: list[list[tuple[int, int, int]]]
    price_cum: np.ndarray  # cumulative price per minute, length horizon + 1
    fixed: dict[int, tuple[int, int]] = field(default_factory=dict)  # locked + frozen
    previous: dict[int, tuple[int, int]] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)
    # TOU-aware decoding (:class:`Decoding`): the most expensive tariff periods and each lot's
    # soft deadline (its due, or its order's due minus the downstream stages)
    peak: list[tuple[int, int]] = field(default_factory=list)
    peak_starts: list[int] = field(default_factory=list)
    soft_due: list[int] = field(default_factory=list)
    # the weights of the problem's objective (:meth:`Problem.objective_weights`: money in
    # yuan, or the lexicographic weights), which the reported objective always uses
    weights: Weights = field(default_factory=Weights)
    # weights the search optimises (re-planning raises the moved-lot weight); None: ``weights``
    search_weights: Weights | None = None
    _kernel: KernelData | None = None

    def kernel(self) -> KernelData:
        """The model as flat arrays for :mod:`mixshare.engine.kernels` (built on first use,
        after :func:`compile_problem` has set every field)."""
        if self._kernel is None:
            self._kernel = _kernel_data(self)
        return self._kernel

    @property
    def w(self) -> Weights:
        return self.search_weights or self.weights

    @property
    def n(self) -> int:
        return len(self.lot_ids)

    @property
    def m(self) -> int:
        return len(self.line_ids)

    @property
    def horizon(self) -> int:
        return self.problem.horizon

    def eligible(self, i: int) -> list[int]:
        return [ln for ln in range(self.m) if self.dur[ln][i] > 0]

    def energy(self, ln: int, i: int, start: int) -> float:
        """Energy cost of lot ``i`` on line ``ln`` starting at ``start`` (kWh spread evenly)."""
        d = self.dur[ln][i]
        pc = self.price_cum
        return float(self.kwh[ln][i] / d * (pc[start + d] - pc[start]))


def _changeover_tables(
    problem: Problem, keys: list[str]
) -> tuple[list[list[list[int]]], list[list[list[int]]], list[list[list[float]]], list[int]]:
    kidx = {k: i for i, k in enumerate(keys)}
    n_k = len(keys)
    mins, cleans, costs, init = [], [], [], []
    for line in problem.lines:
        mn = [[FORBIDDEN] * n_k for _ in range(n_k + 1)]
        cl = [[0] * n_k for _ in range(n_k + 1)]
        cs = [[0.0] * n_k for _ in range(n_k + 1)]
        for a in range(n_k + 1):
            for b in range(n_k):
                co = line.changeover(None if a == n_k else keys[a], keys[b])
                if co is not None:
                    mn[a][b], cl[a][b], cs[a][b] = co.minutes, co.cleaning_batches, co.cost
        mins.append(mn)
        cleans.append(cl)
        costs.append(cs)
        # a line whose initial key no lot uses behaves like a row of its own: add it lazily
        if line.initial_key is None:
            init.append(n_k)
        elif line.initial_key in kidx:
            init.append(kidx[line.initial_key])
        else:
            init.append(-2 - len(init))  # resolved below
    return mins, cleans, costs, init


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def minute_prices(problem: Problem) -> np.ndarray:
    """Price of every minute of the horizon: later periods win, minutes without a period
    cost 0."""
    per_min = np.zeros(problem.horizon, dtype=np.float64)
    for p in problem.prices:
        s, e = max(0, p.start), min(problem.horizon, p.end)
        if e > s:
            per_min[s:e] = p.price
    return per_min


def price_prefix(problem: Problem) -> np.ndarray:
    """Cumulative price per minute (length horizon + 1): running ``[a, b)`` costs
    ``prefix[b] - prefix[a]`` per kW-minute. The one price prefix of the engine
    (:attr:`Model.price_cum`)."""
    cum = np.zeros(problem.horizon + 1, dtype=np.float64)
    np.cumsum(minute_prices(problem), out=cum[1:])
    return cum


def _kernel_data(model: Model) -> KernelData:
    m, n = model.m, model.n
    rows = max(len(t) for t in model.co_min) if m else 1
    n_keys = len(model.keys)

    def padded(
        tables: list[list[list[int]]] | list[list[list[float]]], fill: float, dtype: type
    ) -> np.ndarray:
        out: np.ndarray = np.full((m, rows, n_keys), fill, dtype=dtype)
        for ln in range(m):
            table: np.ndarray = np.array(tables[ln], dtype=dtype)
            if table.size:
                out[ln, : table.shape[0], :] = table
        return out

    down = [iv for d in model.down for iv in d]
    down_ptr = np.zeros(m + 1, dtype=np.int64)
    down_ptr[1:] = np.cumsum([len(d) for d in model.down])
    fixed_line = np.full(n, -1, dtype=np.int64)
    fixed_start = np.full(n, -1, dtype=np.int64)
    for i, (ln, st) in model.fixed.items():
        fixed_line[i], fixed_start[i] = ln, st
    prev_line = np.full(n, -1, dtype=np.int64)
    prev_start = np.full(n, -1, dtype=np.int64)
    for i, (ln, st) in model.previous.items():
        prev_line[i], prev_start[i] = ln, st
    pred_ptr, pred_lot, pred_min, pred_max = csr(model.preds)
    succ_ptr, succ_lot, succ_min, _ = csr(model.succs)
    return kernels.kernel_data(
        dur=np.array(model.dur, dtype=np.int64).reshape(m, n),
        kwh=np.array(model.kwh, dtype=np.float64).reshape(m, n),
        key=np.array(model.key, dtype=np.int64),
        co_min=padded(model.co_min, FORBIDDEN, np.int64),
        co_clean=padded(model.co_clean, 0, np.int64),
        co_cost=padded(model.co_cost, 0.0, np.float64),
        init_key=np.array(model.init_key, dtype=np.int64),
        down_ptr=down_ptr,
        down_s=np.array([a for a, _ in down], dtype=np.int64),
        down_e=np.array([b for _, b in down], dtype=np.int64),
        pred_ptr=pred_ptr,
        pred_lot=pred_lot,
        pred_min=pred_min,
        pred_max=pred_max,
        succ_ptr=succ_ptr,
        succ_lot=succ_lot,
        succ_min=succ_min,
        fixed_line=fixed_line,
        fixed_start=fixed_start,
        prev_line=prev_line,
        prev_start=prev_start,
        due=np.array(model.due, dtype=np.int64),
        soft_due=np.array(model.soft_due, dtype=np.int64),
        weight=np.array(model.weight, dtype=np.float64),
        price_cum=model.price_cum,
        peak_s=np.array([a for a, _ in model.peak], dtype=np.int64),
        peak_e=np.array([b for _, b in model.peak], dtype=np.int64),
    )


def compile_problem(problem: Problem) -> Model:
    """Index the problem; extra initial keys get their own matrix rows."""
    keys = sorted({lot.setup_key for lot in problem.lots})
    kidx = {k: j for j, k in enumerate(keys)}
    mins, cleans, costs, init = _changeover_tables(problem, keys)
    for li, line in enumerate(problem.lines):
        if init[li] < -1:  # initial key used by no lot: append a dedicated "from" row
            row = [line.changeover(line.initial_key, k) for k in keys]
            mins[li].append([FORBIDDEN if c is None else c.minutes for c in row])
            cleans[li].append([0 if c is None else c.cleaning_batches for c in row])
            costs[li].append([0.0 if c is None else c.cost for c in row])
            init[li] = len(mins[li]) - 1
    line_idx = {ln.id: i for i, ln in enumerate(problem.lines)}
    lot_idx = {lot.id: i for i, lot in enumerate(problem.lots)}
    order_ids = sorted({lot.order for lot in problem.lots})
    oidx = {o: i for i, o in enumerate(order_ids)}
    n, m = len(problem.lots), len(problem.lines)
    dur = [[0] * n for _ in range(m)]
    kwh = [[0.0] * n for _ in range(m)]
    for i, lot in enumerate(problem.lots):
        for opt in lot.options:
            dur[line_idx[opt.line]][i] = opt.minutes
            kwh[line_idx[opt.line]][i] = opt.kwh
    preds: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    succs: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    for ch in problem.chains:
        p, s = lot_idx[ch.pred], lot_idx[ch.succ]
        mx = NO_DUE if ch.max_lag is None else ch.max_lag
        preds[s].append((p, ch.min_lag, mx))
        succs[p].append((s, ch.min_lag, mx))
    order_lots: list[list[int]] = [[] for _ in order_ids]
    for i, lot in enumerate(problem.lots):
        order_lots[oidx[lot.order]].append(i)
    down = [_merge([(iv.start, iv.end) for iv in ln.unavailable]) for ln in problem.lines]
    model = Model(
        problem=problem,
        lot_ids=[lot.id for lot in problem.lots],
        line_ids=[ln.id for ln in problem.lines],
        dur=dur,
        kwh=kwh,
        release=[lot.release for lot in problem.lots],
        due=[NO_DUE if lot.due is None else lot.due for lot in problem.lots],
        weight=[problem.tardiness_weight(lot) for lot in problem.lots],
        key=[kidx[lot.setup_key] for lot in problem.lots],
        keys=keys,
        order=[oidx[lot.order] for lot in problem.lots],
        order_ids=order_ids,
        order_lots=order_lots,
        co_min=mins,
        co_clean=cleans,
        co_cost=costs,
        init_key=init,
        down=down,
        down_starts=[[s for s, _ in d] for d in down],
        preds=preds,
        succs=succs,
        price_cum=price_prefix(problem),
        index=lot_idx,
        weights=problem.objective_weights(),
    )
    model.fixed = _fixed_placements(problem, lot_idx, line_idx)
    model.peak = _peak_periods(problem)
    model.peak_starts = [a for a, _ in model.peak]
    model.soft_due = _soft_due(model)
    model.previous = {
        lot_idx[p.lot]: (line_idx[p.line], p.start)
        for p in problem.previous
        if p.lot in lot_idx and p.line in line_idx
    }
    return model


def _peak_periods(problem: Problem) -> list[tuple[int, int]]:
    """Merged periods at the horizon's highest price (empty when the price is flat)."""
    if not problem.prices:
        return []
    top = max(p.price for p in problem.prices)
    low = min(p.price for p in problem.prices)
    if top <= low + 1e-12:
        return []
    return _merge([(p.start, p.end) for p in problem.prices if p.price >= top - 1e-12])


def _soft_due(model: Model) -> list[int]:
    """Latest end of each lot that keeps its order on time (ignoring other lots)."""
    sd = list(model.due)
    for i in reversed(topological_order(model)):
        for s, mn, _mx in model.succs[i]:
            if sd[s] < NO_DUE:
                d = min(model.dur[ln][s] for ln in model.eligible(s))
                sd[i] = min(sd[i], sd[s] - d - mn)
    return sd


def _fixed_placements(
    problem: Problem, lot_idx: dict[str, int], line_idx: dict[str, int]
) -> dict[int, tuple[int, int]]:
    """Locked lots plus previous-plan lots that start inside the frozen window."""
    frozen: list[Placement] = [
        p
        for p in problem.previous
        if p.start < problem.frozen_until and p.lot in lot_idx and p.line in line_idx
    ]
    out: dict[int, tuple[int, int]] = {}
    for p in (*frozen, *problem.locked):
        out[lot_idx[p.lot]] = (line_idx[p.line], p.start)
    return out


def fit(model: Model, ln: int, t: int, length: int) -> int:
    """Earliest ``b >= t`` such that ``[b, b + length)`` avoids the line's unavailable time."""
    down, starts = model.down[ln], model.down_starts[ln]
    k = bisect_right(starts, t) - 1
    if k >= 0 and down[k][1] > t:
        t = down[k][1]
    k += 1
    while k < len(down) and down[k][0] < t + length:
        t = max(t, down[k][1])
        k += 1
    return t


@dataclass
class Decoded:
    """Times of a decoded sequence set; ``error`` names the first violated constraint."""

    start: list[int]
    end: list[int]
    co_start: list[int]  # changeover block start (== start when no changeover)
    error: str | None = None
    culprit: int = -1


@dataclass(frozen=True, eq=False)
class Decoding:
    """Decode options beyond the earliest start, passed to every :func:`decode` (never set on
    the shared model: the portfolio's helpers compile their own model, so the options travel
    with their task and their costs are those of the main process).

    ``stay`` (re-planning): each lot's previous start, -1 for none (:func:`stay_starts`); a
    lot left on its previous line starts no earlier than before. None: no stay rule.
    ``tou_margin`` (TOU-aware decoding): the slack margin in minutes every lot of a line must
    keep before its soft due when a lot waits past a peak period. None: TOU-blind.
    """

    stay: np.ndarray | None = None
    tou_margin: int | None = None


EARLIEST = Decoding()


def stay_starts(model: Model) -> np.ndarray:
    """Previous start of every lot (-1: none), for :attr:`Decoding.stay`."""
    out = np.full(model.n, -1, dtype=np.int64)
    for i, (_ln, st) in model.previous.items():
        out[i] = st
    return out


def decode(
    model: Model,
    seqs: list[list[int]],
    min_start: list[int] | None = None,
    repairs: int = 6,
    options: Decoding = EARLIEST,
) -> Decoded:
    """Earliest start times for the given sequences; max lags repaired by delaying preds.

    The lines are decoded in parallel, each lot starting as early as its line (previous lot
    and the changeover from it, unavailable time), its release, ``min_start`` and its chain
    predecessors (min lag) allow; locked lots keep their start. A successor that would start
    more than the max lag after a predecessor ends delays that predecessor (up to ``repairs``
    rounds).

    With ``options.stay`` a lot left on its previous line starts no earlier than before. With
    ``options.tou_margin`` set, the earliest-start plan is then re-timed in one forward pass
    that lets a lot wait past the peak period it would run into, when that delay (and the
    push it gives the lots after it on the line, minus the idle gaps that absorb it) keeps every
    lot of the line at least ``tou_margin`` minutes before its soft due; when the TOU pass breaks
    a constraint the earliest-start plan is returned.
    """
    kd = model.kernel()
    rel = np.asarray(model.release, dtype=np.int64)
    lower = rel.copy() if min_start is None else np.maximum(rel, np.asarray(min_start))
    flat, ptr = kernels.pack(seqs)
    dec = _decode_earliest(model, kd, flat, ptr, lower, repairs, options.stay)
    if options.tou_margin is None or not model.peak or dec.error is not None:
        return _decoded(dec)
    start, end, cos = dec.start, dec.end, dec.co_start
    cap = kernels.delay_caps(kd, flat, ptr, start, end, cos, options.tou_margin, model.horizon)
    tdec = _forward(model, kd, flat, ptr, lower, options.stay, cap, start)
    if tdec.error is not None or _lag_violation(kd, tdec) >= 0:
        return _decoded(dec)
    return _decoded(tdec)


def _decoded(dec: Decoded) -> Decoded:
    """Plain-list times (callers index them one lot at a time, faster on lists)."""
    return Decoded(
        np.asarray(dec.start).tolist(),
        np.asarray(dec.end).tolist(),
        np.asarray(dec.co_start).tolist(),
        dec.error,
        dec.culprit,
    )


def _decode_earliest(
    model: Model,
    kd: KernelData,
    flat: np.ndarray,
    ptr: np.ndarray,
    lower: np.ndarray,
    repairs: int,
    stay: np.ndarray | None,
) -> Decoded:
    dec = _forward(model, kd, flat, ptr, lower, stay)
    first = -1  # the first successor whose rest window forced a repair
    for _ in range(repairs):
        if dec.error is not None:
            return _blame(dec, first)
        bumped, f = kernels.lag_repairs(kd, dec.start, dec.end, lower, True)
        if not bumped:
            return dec
        if first < 0:
            first = f
        dec = _forward(model, kd, flat, ptr, lower, stay)
    if dec.error is None:
        v = _lag_violation(kd, dec)
        if v >= 0:
            dec.error, dec.culprit = "max lag", v
    return _blame(dec, first)


def _lag_violation(kd: KernelData, dec: Decoded) -> int:
    """The first successor whose rest window (max lag) is broken, or -1."""
    return int(kernels.lag_repairs(kd, dec.start, dec.end, _NO_ARRAY, False)[1])


def _blame(dec: Decoded, first: int) -> Decoded:
    """A failure after delaying predecessors is caused by the rest window that asked for the
    delay (the lot that then falls off the horizon is usually an innocent one further down the
    line): name that successor, so callers move or drop *its* order."""
    if dec.error is not None and first >= 0:
        dec.error, dec.culprit = f"max lag (repair failed: {dec.error})", first
    return dec


def earliest(
    model: Model, seqs: list[list[int]], lower: list[int], options: Decoding = EARLIEST
) -> Decoded:
    """Earliest start times of the sequences without the max-lag repair of :func:`decode`
    (and without its TOU pass; ``options.stay`` holds)."""
    flat, ptr = kernels.pack(seqs)
    return _decoded(
        _forward(model, model.kernel(), flat, ptr, np.asarray(lower, dtype=np.int64), options.stay)
    )


_NO_ARRAY = np.zeros(0, dtype=np.int64)


def _forward(
    model: Model,
    kd: KernelData,
    flat: np.ndarray,
    ptr: np.ndarray,
    lower: np.ndarray,
    stay: np.ndarray | None,
    cap: np.ndarray | None = None,
    base: list[int] | np.ndarray | None = None,
) -> Decoded:
    """One pass over the lines in parallel (:func:`mixshare.engine.kernels.forward`); times
    stay NumPy arrays until :func:`_decoded`."""
    use_cap = cap is not None and base is not None
    start, end, cos, err, culprit = kernels.forward(
        kd,
        flat,
        ptr,
        lower,
        _NO_ARRAY if stay is None else stay,
        stay is not None,
        cap if cap is not None else _NO_ARRAY,
        np.asarray(base, dtype=np.int64) if base is not None else _NO_ARRAY,
        use_cap,
        model.horizon,
    )
    return Decoded(start, end, cos, kernels.ERRORS.get(err), int(culprit))


@dataclass
class Cost:
    tardiness: float = 0.0
    late: int = 0
    co_minutes: int = 0
    cleaning: int = 0
    co_cost: float = 0.0
    energy: float = 0.0
    moved: int = 0
    unplanned_orders: int = 0

    def total(self, model: Model, weights: Weights | None = None) -> float:
        """Weighted objective under ``weights`` (default: the problem's objective)."""
        w = weights or model.weights
        return (
            w.tardiness * self.tardiness
            + w.changeover_minute * self.co_minutes
            + w.cleaning_batch * self.cleaning
            + w.changeover_cost * self.co_cost
            + w.energy_cost * self.energy
            + w.moved_lot * self.moved
            + w.unplanned_order * self.unplanned_orders
        )


def evaluate(
    model: Model, seqs: list[list[int]], dec: Decoded, unplanned_orders: int, energy: bool = True
) -> Cost:
    """Cost terms of decoded sequences; a lot of the previous plan that is not planned, or not
    at its previous line and start, counts as moved."""
    flat, ptr = kernels.pack(seqs)
    return evaluate_flat(
        model,
        flat,
        ptr,
        np.asarray(dec.start, dtype=np.int64),
        np.asarray(dec.end, dtype=np.int64),
        unplanned_orders,
        energy,
    )


def evaluate_flat(
    model: Model,
    flat: np.ndarray,
    ptr: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    unplanned_orders: int,
    energy: bool = True,
) -> Cost:
    """:func:`evaluate` of sequences already packed (:func:`mixshare.engine.kernels.pack`)
    with their times as arrays."""
    kd = model.kernel()
    tard, late, co_minutes, cleaning, co_cost, energy_cost, moved = kernels.cost_terms(
        kd, flat, ptr, start, end, energy
    )
    return Cost(
        tardiness=tard,
        late=late,
        co_minutes=co_minutes,
        cleaning=cleaning,
        co_cost=co_cost,
        energy=energy_cost,
        moved=moved,
        unplanned_orders=unplanned_orders,
    )


def to_schedule(
    model: Model,
    seqs: list[list[int]],
    dec: Decoded,
    unplanned: list[int],
    objective: float | None = None,
    lower_bound: float | None = None,
    stats: dict[str, float | int | str] | None = None,
) -> Schedule:
    lots: list[ScheduledLot] = []
    cos: list[ScheduledChangeover] = []
    for ln, seq in enumerate(seqs):
        line = model.line_ids[ln]
        pk, prev_lot = model.init_key[ln], None
        for i in seq:
            k = model.key[i]
            mins = model.co_min[ln][pk][k]
            clean = model.co_clean[ln][pk][k]
            if mins > 0 or clean > 0:
                cos.append(
                    ScheduledChangeover(
                        line,
                        prev_lot,
                        model.lot_ids[i],
                        dec.co_start[i],
                        dec.co_start[i] + mins,
                        clean,
                        model.co_cost[ln][pk][k],
                    )
                )
            lots.append(ScheduledLot(model.lot_ids[i], line, dec.start[i], dec.end[i]))
            pk, prev_lot = k, model.lot_ids[i]
    return Schedule(
        lots=tuple(lots),
        changeovers=tuple(cos),
        unplanned=tuple(model.lot_ids[i] for i in sorted(unplanned)),
        objective=objective,
        lower_bound=lower_bound,
        stats=dict(stats or {}),
    )


def check_structure(model: Model, strict: bool = True) -> set[int]:
    """Orders that can never be planned (a lot fitting on no line, an unmeetable chain).

    With ``strict`` the first such culprit raises :class:`InfeasibleProblem`; otherwise the
    returned orders go to ``unplanned`` whole.
    """
    bad: set[int] = set()
    ef = _earliest_ends(model)
    alone = _earliest_ends(model, chains=False)
    for i in range(model.n):
        msg = None
        if alone[i] < 0:
            msg = f"lot {model.lot_ids[i]}: no eligible line can run it before the horizon"
        elif ef[i] < 0:
            p, mn, _mx = model.preds[i][0]
            msg = (
                f"chain {model.lot_ids[p]}->{model.lot_ids[i]}: min lag {mn} cannot be met"
                " within the horizon"
            )
        if msg is not None:
            if strict or i in model.fixed:
                raise InfeasibleProblem(msg, (model.lot_ids[i],))
            bad.add(model.order[i])
    _check_fixed_pairs(model)
    return bad


def topological_order(model: Model) -> list[int]:
    """The lots with every chain predecessor before its successors (raises on a cycle)."""
    indeg = [len(p) for p in model.preds]
    stack = [i for i in range(model.n) if indeg[i] == 0]
    out: list[int] = []
    while stack:
        i = stack.pop()
        out.append(i)
        for s, _mn, _mx in model.succs[i]:
            indeg[s] -= 1
            if indeg[s] == 0:
                stack.append(s)
    if len(out) < model.n:
        cyc = [model.lot_ids[i] for i in range(model.n) if indeg[i] > 0]
        raise InfeasibleProblem(f"chains form a cycle through lots {cyc[:5]}", tuple(cyc))
    return out


def stage_rank(model: Model) -> list[int]:
    """Position of each lot in its stage chain: 0 for a lot without predecessor (a
    masterbatch), else one more than its highest-ranked predecessor (RM 1, FB 2)."""
    rank = [0] * model.n
    for i in topological_order(model):
        for s, _mn, _mx in model.succs[i]:
            rank[s] = max(rank[s], rank[i] + 1)
    return rank


def _earliest_ends(model: Model, chains: bool = True) -> list[int]:
    """Earliest end of each lot ignoring other lots (-1: cannot fit before the horizon)."""
    ef = [-1] * model.n
    for i in topological_order(model):
        lo = model.release[i]
        ok = True
        for p, mn, _mx in model.preds[i] if chains else ():
            if ef[p] < 0:
                ok = False
            lo = max(lo, ef[p] + mn)
        if not ok:
            continue
        best = -1
        for ln in model.eligible(i):
            fx = model.fixed.get(i)
            if fx is not None:
                if fx[0] == ln:
                    best = fx[1] + model.dur[ln][i]
                continue
            e = fit(model, ln, lo, model.dur[ln][i]) + model.dur[ln][i]
            if e <= model.horizon and (best < 0 or e < best):
                best = e
        ef[i] = best
    return ef


def _check_fixed_pairs(model: Model) -> None:
    """Locked lots must be eligible, inside the calendar and consistent with their chains."""
    for i, (ln, s) in model.fixed.items():
        lid = model.lot_ids[i]
        d = model.dur[ln][i]
        if d == 0:
            raise InfeasibleProblem(f"lot {lid}: locked on ineligible line", (lid,))
        if fit(model, ln, s, d) != s or s + d > model.horizon:
            raise InfeasibleProblem(f"lot {lid}: locked over unavailable time/horizon", (lid,))
        for p, mn, mx in model.preds[i]:
            if p in model.fixed:
                pl, ps = model.fixed[p]
                lag = s - (ps + model.dur[pl][p])
                if lag < mn or lag > mx:
                    pid = model.lot_ids[p]
                    raise InfeasibleProblem(
                        f"chain {pid}->{lid}: locked lots give lag {lag} outside [{mn}, {mx}]",
                        (pid, lid),
                    )
