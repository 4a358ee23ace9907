"""Constructive list scheduling (Giffler-Thompson style) and the repair that makes it valid.

The simulation repeatedly takes the line that frees up first, restricts the chain-ready lots to
those that could start before the earliest candidate completes (active-schedule rule), and lets
a priority rule pick one. Lots whose rest window (max lag) is about to expire jump the queue,
active or not (a successor left out of the active set by a long changeover used to run days after
its masterbatch, and repairing that rest window shifted whole lines off the horizon). With a
starvation ``window`` a lot close to its soft due competes on readiness even behind a long
changeover. :func:`finalize` re-times the sequences with the decoder and, when a rest window is
missed, first moves the successor forward in its line; only then drops the culprit's whole order,
so callers always get a feasible plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mixshare.engine.model import (
    EARLIEST,
    NO_DUE,
    Decoded,
    Decoding,
    Model,
    decode,
    earliest,
    fit,
    stage_rank,
)

# rule(model, line, time, current key, candidate indices, est) -> scores (lowest wins)
Rule = Callable[[Model, int, int, int, np.ndarray, np.ndarray], np.ndarray]


def order_due(model: Model) -> np.ndarray:
    """Each lot's order due date (earliest due among its order's lots)."""
    od = [min((model.due[i] for i in lots), default=NO_DUE) for lots in model.order_lots]
    return np.array([od[model.order[i]] for i in range(model.n)], dtype=np.float64)


def edd_rule(model: Model) -> Rule:
    due = order_due(model)
    # among equal due dates the later stage of a started order goes first, so an order's
    # final batch does not queue behind the masterbatches of every other order due that day
    tie = -np.array(stage_rank(model), dtype=np.float64) * 1e5

    def rule(m: Model, ln: int, t: int, key: int, cands: np.ndarray, est: np.ndarray) -> np.ndarray:
        out: np.ndarray = due[cands] * 1e6 + tie[cands] + cands
        return out

    return rule


def atcs_rule(model: Model, k1: float, k2: float, campaign: float = 0.0) -> Rule:
    """Apparent tardiness cost with setups (Lee, Bhaskaran & Pinedo 1997) on order due dates."""
    due = order_due(model)
    w = np.array(model.weight, dtype=np.float64) + 0.05
    # MB lots carry no due themselves: give them their order's due minus the downstream work
    tail = np.zeros(model.n)
    for i in range(model.n):
        j, acc = i, 0.0
        while model.succs[j]:
            s, mn, _ = model.succs[j][0]
            acc += mn + min(model.dur[ln][s] for ln in model.eligible(s))
            j = s
        tail[i] = acc
    ddue = due - tail
    co = [np.array(model.co_min[ln], dtype=np.float64) for ln in range(model.m)]
    durs = [np.array(model.dur[ln], dtype=np.float64) for ln in range(model.m)]
    keys = np.array(model.key)
    pbar = float(np.mean([d[d > 0].mean() for d in durs]))
    sbar = max(1.0, float(np.mean([c[c > 0].mean() if (c > 0).any() else 1.0 for c in co])))

    def rule(m: Model, ln: int, t: int, key: int, cands: np.ndarray, est: np.ndarray) -> np.ndarray:
        p = durs[ln][cands]
        s = np.maximum(co[ln][key][keys[cands]], 0.0)
        slack = np.maximum(ddue[cands] - p - np.maximum(est, t), 0.0)
        idx = w[cands] / p * np.exp(-slack / (k1 * pbar)) * np.exp(-s / (k2 * sbar))
        if campaign:
            idx = idx * np.where(keys[cands] == key, 1.0 + campaign, 1.0)
        out: np.ndarray = -idx * 1e6 + cands * 1e-9
        return out

    return rule


@dataclass
class _State:
    t: list[int]
    key: list[int]
    end: list[int]
    ready: list[int]
    deadline: list[int]
    cands: set[int]
    blocked: list[bool]


def _release_succs(model: Model, st: _State, i: int, e: int, skip: set[int]) -> None:
    for s, _mn, _mx in model.succs[i]:
        if s in model.fixed or model.order[s] in skip:
            continue
        if all(st.end[p] >= 0 for p, _a, _b in model.preds[s]):
            st.ready[s] = max([model.release[s]] + [st.end[p] + mn for p, mn, _ in model.preds[s]])
            st.deadline[s] = min([NO_DUE] + [st.end[p] + mx for p, _, mx in model.preds[s]])
            st.cands.add(s)
            st.blocked = [False] * model.m


def _lookahead(model: Model, ln: int) -> int:
    """Minutes before a rest window closes at which a waiting successor becomes urgent: a few
    of the longest lots plus changeovers, so that several urgent lots in a row still fit."""
    longest = max(model.dur[ln], default=0)
    worst_co = max((max(r, default=0) for r in model.co_min[ln]), default=0)
    return max(240, 3 * (longest + max(0, worst_co)))


def _pick(
    model: Model,
    st: _State,
    ln: int,
    rule: Rule,
    dur: np.ndarray,
    co: np.ndarray,
    lookahead: int = 240,
    window: int | None = None,
    sdue: list[int] | None = None,
) -> tuple[int, int, int]:
    """Choose a lot for line ``ln``; returns (lot, block start, lot start) or (-1, ...)."""
    cl = np.fromiter((c for c in st.cands if dur[c] > 0), dtype=np.int64)
    if cl.size == 0:
        return -1, -1, -1
    k = np.array([model.key[c] for c in cl], dtype=np.int64)
    setup = co[st.key[ln]][k]
    ok = setup >= 0
    cl, setup = cl[ok], setup[ok]
    if cl.size == 0:
        return -1, -1, -1
    ready = np.array([st.ready[c] for c in cl], dtype=np.int64)
    est = np.maximum(ready, st.t[ln] + setup)
    ect = est + dur[cl]
    active = est < ect.min()
    if window is not None and sdue is not None:
        # a lot behind a long changeover is never in the active set while a same-key lot
        # waits, and starves for days in a backlog: once its soft due is within ``window``
        # minutes it competes on readiness alone (the rule weighs the setup itself)
        near = np.array([sdue[c] for c in cl], dtype=np.int64) <= st.t[ln] + window
        active |= near & (np.maximum(ready, st.t[ln]) < ect.min())
    dl = np.array([st.deadline[c] for c in cl], dtype=np.int64)
    # a lot whose rest window (max lag) is about to close jumps the queue even when it is not
    # in the active set (a long changeover in front of it would otherwise keep it out forever,
    # and the decoder would later have to delay its predecessor, and with it the whole line)
    urgent = est + lookahead >= dl
    if urgent.any():
        cu, eu, du = cl[urgent], est[urgent], dl[urgent]
        slack = du - eu
        i = int(cu[np.lexsort((cu, slack))[0]])
    else:
        cands, est_p = cl[active], est[active]
        scores = rule(model, ln, st.t[ln], st.key[ln], cands, est_p)
        i = int(cands[int(np.argmin(scores))])
    lo = st.ready[i]
    c = int(co[st.key[ln]][model.key[i]])
    b = fit(model, ln, max(st.t[ln], lo - c), c + model.dur[ln][i])
    return i, b, b + c


def construct(
    model: Model, rule: Rule, skip: set[int] | None = None, window: int | None = None
) -> tuple[list[list[int]], set[int]]:
    """Per-line sequences built by list scheduling; returns also orders that failed.

    ``window`` (minutes) lets a lot whose soft due is that close compete for the line even when
    a long changeover keeps it out of the active set (None: the plain active set)."""
    skip = set(skip or ())
    n, m = model.n, model.m
    st = _State([0] * m, list(model.init_key), [-1] * n, [0] * n, [NO_DUE] * n, set(), [False] * m)
    fixed_q = [sorted((s, i) for i, (fl, s) in model.fixed.items() if fl == ln) for ln in range(m)]
    for i in range(n):
        if i not in model.fixed and model.order[i] not in skip and not model.preds[i]:
            st.ready[i] = model.release[i]
            st.cands.add(i)
    seqs: list[list[int]] = [[] for _ in range(m)]
    dur = [np.array(model.dur[ln], dtype=np.int64) for ln in range(m)]
    co = [np.array(model.co_min[ln], dtype=np.int64) for ln in range(m)]
    failed: set[int] = set()
    look = [_lookahead(model, ln) for ln in range(m)]
    while st.cands or any(fixed_q):
        live = [ln for ln in range(m) if not st.blocked[ln] or fixed_q[ln]]
        if not live:
            failed |= {model.order[c] for c in st.cands}
            break
        ln = min(live, key=lambda x: (st.t[x], x))
        i, _b, s = _pick(model, st, ln, rule, dur[ln], co[ln], look[ln], window, model.soft_due)
        if fixed_q[ln] and (i < 0 or _collides(model, ln, i, s, fixed_q[ln][0])):
            _place_fixed(model, st, ln, fixed_q[ln].pop(0), seqs, skip)
            continue
        if i < 0:
            st.blocked[ln] = True  # until a new lot becomes chain-ready
            continue
        st.cands.discard(i)
        e = s + model.dur[ln][i]
        if e > model.horizon:  # a missed max lag is repaired in finalize (delaying the pred)
            failed.add(model.order[i])
            continue
        seqs[ln].append(i)
        st.t[ln], st.key[ln], st.end[i] = e, model.key[i], e
        _release_succs(model, st, i, e, skip | failed)
    return seqs, failed


def _collides(model: Model, ln: int, i: int, s: int, fx: tuple[int, int]) -> bool:
    fs, f = fx
    c = model.co_min[ln][model.key[i]][model.key[f]]
    return c < 0 or s + model.dur[ln][i] + c > fs


def _place_fixed(
    model: Model, st: _State, ln: int, fx: tuple[int, int], seqs: list[list[int]], skip: set[int]
) -> None:
    fs, f = fx
    seqs[ln].append(f)
    e = fs + model.dur[ln][f]
    st.t[ln], st.key[ln], st.end[f] = e, model.key[f], e
    st.blocked[ln] = False
    _release_succs(model, st, f, e, skip)


def finalize(
    model: Model,
    seqs: list[list[int]],
    excluded: set[int],
    min_start: list[int] | None = None,
    options: Decoding = EARLIEST,
) -> tuple[list[list[int]], Decoded, set[int]]:
    """Drop whole orders until the sequences decoded with ``options`` are valid; fixed lots
    are never dropped."""
    from mixshare.engine.problem import InfeasibleProblem

    placed = {i for s in seqs for i in s}
    excluded = set(excluded) | {model.order[i] for i in range(model.n) if i not in placed}
    seqs = [list(s) for s in seqs]
    moves: dict[int, int] = {}
    while True:
        cur = [[i for i in s if model.order[i] not in excluded] for s in seqs]
        dec = decode(model, cur, min_start, options=options)
        if dec.error is None:
            return cur, dec, excluded
        c = dec.culprit
        if dec.error.startswith("max lag") and c not in model.fixed and moves.get(c, 0) < 3:
            # first try moving the successor forward in its line to meet its rest window
            moves[c] = moves.get(c, 0) + 1
            if _advance(model, seqs, cur, c, min_start, options):
                continue
        o = model.order[dec.culprit]
        if o in excluded or any(i in model.fixed for i in model.order_lots[o]):
            lid = model.lot_ids[dec.culprit]
            raise InfeasibleProblem(f"lot {lid}: {dec.error} (locked/frozen lots conflict)", (lid,))
        excluded.add(o)


def _advance(
    model: Model,
    seqs: list[list[int]],
    cur: list[list[int]],
    i: int,
    min_start: list[int] | None,
    options: Decoding,
) -> bool:
    """Move lot ``i`` earlier in its line so it starts within its predecessors' rest windows
    (timed without the max-lag repair); False when it is already as early as that allows."""
    lower = (
        list(model.release)
        if min_start is None
        else [max(r, s) for r, s in zip(model.release, min_start, strict=True)]
    )
    dec = earliest(model, cur, lower, options)
    if dec.start[i] < 0 or not model.preds[i]:
        return False
    ready = max(
        [lower[i]] + [dec.end[p] + mn for p, mn, _mx in model.preds[i] if dec.start[p] >= 0]
    )
    ln = next(k for k, s in enumerate(seqs) if i in s)
    seq = seqs[ln]
    k0 = seq.index(i)
    # the first lot of the line starting at or after the moment the lot is ready
    k = next(
        (k for k, j in enumerate(seq) if k < k0 and dec.start[j] >= 0 and dec.start[j] >= ready),
        k0,
    )
    while k < k0 and seq[k] in model.fixed:
        k += 1
    if k >= k0:
        return False
    del seq[k0]
    seq.insert(k, i)
    return True


def unplanned_lots(model: Model, seqs: list[list[int]]) -> list[int]:
    placed = {i for s in seqs for i in s}
    return [i for i in range(model.n) if i not in placed]
