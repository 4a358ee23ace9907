"""Optimal timing of fixed line sequences: where the idle time sits.

The search decides *what* runs on each line and in which order, and the decoder starts every lot
as early as possible. That leaves the idle time wherever it falls. :func:`retime` keeps the
sequences and chooses the start of every lot (minute resolution) to minimise

    tardiness weight * weighted tardiness + energy cost + moved-lot weight * [start != previous]

subject to the sequence, the sequence-dependent changeover in front of each lot, the line
calendar (changeover and lot avoid unavailable time), releases, locked/frozen starts, the horizon
and the chain lags. With ``keep_tardiness`` no lot may end later than ``max(due, its current
end)``, so the re-timed plan is never later than the one it starts from, lot by lot.

Per line this is an exact dynamic programme over start times: ``f_k(t) = c_k(t) +
min_{t' <= t - co_k - d_{k-1}} f_{k-1}(t')`` evaluated with NumPy prefix minima over each lot's
window ``[earliest, latest]``. The lines are coupled only through chains (MB on one line, FB on
the other); they are handled block-coordinate-wise: one line is optimised while the chain
partners on the other lines stay put (their times become bounds), and the sweep is repeated.
Chain partners on the *same* line get a split of their current slack (each may use its half),
so every intermediate plan stays valid and the cost never increases.
"""

from __future__ import annotations

import numpy as np

from mixshare.engine.model import NO_DUE, Decoded, Model

BIG = 1e30


def _downtime_cum(model: Model, ln: int) -> np.ndarray:
    """Cumulative unavailable minutes of line ``ln`` (length horizon + 1)."""
    h = model.horizon
    per = np.zeros(h, dtype=np.int32)
    for s, e in model.down[ln]:
        per[max(0, s) : min(h, e)] = 1
    cum = np.zeros(h + 1, dtype=np.int64)
    np.cumsum(per, out=cum[1:])
    return cum


class Timer:
    """Reusable per-model data for :func:`retime`."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.down = [_downtime_cum(model, ln) for ln in range(model.m)]
        self.price = model.price_cum


def _bounds(
    model: Model,
    seqs: list[list[int]],
    dec: Decoded,
    ln: int,
    line_of: dict[int, int],
    keep_tardiness: bool,
    alpha: float,
) -> tuple[list[int], list[int]]:
    """Start window of every lot of line ``ln`` with everything on the other lines fixed."""
    lo_out, hi_out = [], []
    st, en = dec.start, dec.end
    seq = seqs[ln]
    before = {seq[k]: seq[k - 1] for k in range(1, len(seq))}
    after = {seq[k - 1]: seq[k] for k in range(1, len(seq))}
    for i in seq:
        d = model.dur[ln][i]
        s0 = st[i]
        if i in model.fixed:
            lo_out.append(s0)
            hi_out.append(s0)
            continue
        lo = model.release[i]
        hi = model.horizon - d
        if keep_tardiness and model.due[i] < NO_DUE:
            hi = min(hi, max(model.due[i], en[i]) - d)
        for p, mn, mx in model.preds[i]:
            if st[p] < 0:
                continue
            if line_of.get(p) != ln:
                lo = max(lo, en[p] + mn)
                if mx < NO_DUE:
                    hi = min(hi, en[p] + mx)
            else:  # same line: this lot may use its share of the current slack
                slack = s0 - (en[p] + mn)
                if before.get(i) != p:  # adjacent pairs: the DP transition keeps the lag
                    lo = max(lo, en[p] + mn + int(slack * alpha))
                if mx < NO_DUE:
                    spare = mx - (s0 - en[p])
                    hi = min(hi, s0 + spare // 2)
        for s, mn, mx in model.succs[i]:
            if st[s] < 0:
                continue
            if line_of.get(s) != ln:
                hi = min(hi, st[s] - mn - d)
                if mx < NO_DUE:
                    lo = max(lo, st[s] - mx - d)
            else:
                slack = st[s] - (en[i] + mn)
                if after.get(i) != s:
                    hi = min(hi, st[s] - mn - d - (slack - int(slack * alpha)))
                if mx < NO_DUE:
                    spare = mx - (st[s] - en[i])
                    lo = max(lo, s0 - spare // 2)
        lo_out.append(min(lo, s0))  # the current start is always feasible (safety)
        hi_out.append(max(hi, s0))
    return lo_out, hi_out


def _line_dp(
    timer: Timer,
    seqs: list[list[int]],
    dec: Decoded,
    ln: int,
    lo: list[int],
    hi: list[int],
    energy: bool,
    stability: bool,
) -> list[int] | None:
    """Optimal starts of line ``ln``'s sequence within the windows, or None (keep current)."""
    model = timer.model
    seq = seqs[ln]
    if not seq:
        return None
    w = model.w
    down = timer.down[ln]
    pc = timer.price
    h = model.horizon
    prev_key = model.init_key[ln]
    prev_d = 0
    f_prev: np.ndarray | None = None
    lo_prev = 0
    ptrs: list[np.ndarray] = []
    # forward tightening of the windows by the sequence (a relaxation; the DP is exact)
    lo = list(lo)
    hi = list(hi)
    cos = []
    for k, i in enumerate(seq):
        c = max(0, model.co_min[ln][prev_key][model.key[i]])
        if k:  # an adjacent chain predecessor: the gap is at least its minimum lag
            c = max([c] + [mn for p, mn, _mx in model.preds[i] if p == seq[k - 1]])
        cos.append(c)
        if k:
            lo[k] = max(lo[k], lo[k - 1] + prev_d + cos[k])
        lo[k] = max(lo[k], cos[k])
        prev_key, prev_d = model.key[i], model.dur[ln][i]
    for k in range(len(seq) - 2, -1, -1):
        hi[k] = min(hi[k], hi[k + 1] - cos[k + 1] - model.dur[ln][seq[k]])
    for k, i in enumerate(seq):
        if lo[k] > hi[k] or dec.start[i] < lo[k] or dec.start[i] > hi[k]:
            return None  # inconsistent windows: keep the current (valid) times
    prev_d = 0
    prev_key = model.init_key[ln]
    for k, i in enumerate(seq):
        d = model.dur[ln][i]
        co = cos[k]  # gap to the previous lot's end
        blk = max(0, model.co_min[ln][prev_key][model.key[i]])  # changeover block in front
        prev_key = model.key[i]
        t = np.arange(lo[k], hi[k] + 1, dtype=np.int64)
        cost = np.zeros(t.size)
        if energy and model.kwh[ln][i] > 0:
            cost += model.kwh[ln][i] / d * (pc[t + d] - pc[t])
        if model.due[i] < NO_DUE:
            cost += w.tardiness * model.weight[i] * np.maximum(0, t + d - model.due[i])
        if stability:
            prev = model.previous.get(i)
            if prev is not None and prev[0] == ln:
                cost += w.moved_lot * (t != prev[1])
        blocked = (down[np.minimum(t + d, h)] - down[t - blk]) > 0
        cost[blocked] = BIG
        if f_prev is None:
            total = cost
            ptrs.append(np.zeros(0, dtype=np.int32))
        else:
            # best predecessor start t' <= t - co - prev_d, as a prefix minimum with argmin
            run = np.minimum.accumulate(f_prev)
            newmin = np.empty(f_prev.size, dtype=bool)
            newmin[0] = True
            newmin[1:] = f_prev[1:] < run[:-1]
            arg = np.maximum.accumulate(np.where(newmin, np.arange(f_prev.size), 0))
            idx = t - co - prev_d - lo_prev
            ok = idx >= 0
            idx = np.clip(idx, 0, f_prev.size - 1)
            total = np.where(ok, cost + run[idx], BIG)
            ptrs.append(arg[idx].astype(np.int32))
        f_prev, lo_prev, prev_d = total, lo[k], d
    assert f_prev is not None
    if float(f_prev.min()) >= BIG:
        return None
    out = [0] * len(seq)
    j = int(np.argmin(f_prev))
    for k in range(len(seq) - 1, -1, -1):
        out[k] = lo[k] + j
        if k:
            j = int(ptrs[k][j])
    return out


def _line_cost(
    model: Model, ln: int, seq: list[int], starts: list[int], energy: bool, stability: bool
) -> float:
    w = model.w
    c = 0.0
    for i, s in zip(seq, starts, strict=True):
        d = model.dur[ln][i]
        if energy:
            c += model.energy(ln, i, s)
        if model.due[i] < NO_DUE:
            c += w.tardiness * model.weight[i] * max(0, s + d - model.due[i])
        prev = model.previous.get(i)
        if stability and prev is not None and prev[0] == ln and prev[1] != s:
            c += w.moved_lot
    return c


def retime(
    model: Model,
    seqs: list[list[int]],
    dec: Decoded,
    *,
    energy: bool = True,
    stability: bool = True,
    keep_tardiness: bool = True,
    sweeps: int = 3,
    timer: Timer | None = None,
) -> Decoded:
    """Re-time valid ``dec`` of ``seqs``; returns a valid plan that costs no more."""
    timer = timer or Timer(model)
    line_of = {i: ln for ln, seq in enumerate(seqs) for i in seq}
    cur = Decoded(list(dec.start), list(dec.end), list(dec.co_start))
    alphas = (0.5, 0.0, 1.0, 0.5)
    for sweep in range(sweeps):
        changed = False
        for ln in range(model.m):
            alpha = alphas[sweep % len(alphas)]
            lo, hi = _bounds(model, seqs, cur, ln, line_of, keep_tardiness, alpha)
            new = _line_dp(timer, seqs, cur, ln, lo, hi, energy, stability)
            if new is None:
                continue
            seq = seqs[ln]
            old = [cur.start[i] for i in seq]
            if new == old:
                continue
            if (
                _line_cost(model, ln, seq, new, energy, stability)
                > _line_cost(model, ln, seq, old, energy, stability) + 1e-6
            ):
                continue
            pk = model.init_key[ln]
            for i, s in zip(seq, new, strict=True):
                co = max(0, model.co_min[ln][pk][model.key[i]])
                cur.start[i], cur.end[i], cur.co_start[i] = s, s + model.dur[ln][i], s - co
                pk = model.key[i]
            changed = True
        if not changed and sweep >= 1:
            break
    return cur
