"""Energy shifting: move lots later into cheaper hours where the plan has slack.

The pass keeps every line sequence and never adds tardiness: lots are visited from the latest
start backwards and each may move right only as far as its line successor's changeover, its
chain successors' minimum lags, its own chain max lag, its due date (or current end when already
late) and the horizon allow. A lot's cost is piecewise linear in its start, so only the shifts
that put its start or end on a tariff boundary (and the window ends) need to be tried.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from mixshare.engine.model import NO_DUE, Decoded, Model, fit


def _boundaries(model: Model) -> list[int]:
    pts = {p.start for p in model.problem.prices} | {p.end for p in model.problem.prices}
    return sorted(pts)


def _latest(model: Model, seqs: list[list[int]], dec: Decoded, ln: int, pos: int) -> int:
    """Latest start of the lot at ``seqs[ln][pos]`` with everything else held fixed."""
    i = seqs[ln][pos]
    d = model.dur[ln][i]
    hi = model.horizon - d
    if pos + 1 < len(seqs[ln]):
        hi = min(hi, dec.co_start[seqs[ln][pos + 1]] - d)
    for s, mn, _mx in model.succs[i]:
        if dec.start[s] >= 0:
            hi = min(hi, dec.start[s] - mn - d)
    for p, _mn, mx in model.preds[i]:
        if dec.start[p] >= 0:
            hi = min(hi, dec.end[p] + mx)
    if model.due[i] < NO_DUE:
        hi = min(hi, max(model.due[i], dec.end[i]) - d)
    return hi


def shift_energy(
    model: Model, seqs: list[list[int]], dec: Decoded, frozen: set[int] | None = None
) -> tuple[Decoded, float]:
    """Return shifted times and the energy saved; ``frozen`` lots (fixed/previous) stay put."""
    bounds = _boundaries(model)
    if not bounds:
        return dec, 0.0
    frozen = frozen or set()
    start, end, cos = list(dec.start), list(dec.end), list(dec.co_start)
    out = Decoded(start, end, cos)
    where = {i: (ln, k) for ln, seq in enumerate(seqs) for k, i in enumerate(seq)}
    saved = 0.0
    for i in sorted(where, key=lambda x: -start[x]):
        if i in frozen or i in model.fixed:
            continue
        ln, pos = where[i]
        saved += _move(model, seqs, out, ln, pos, bounds)
    return out, saved


def _move(
    model: Model, seqs: list[list[int]], dec: Decoded, ln: int, pos: int, bounds: list[int]
) -> float:
    i = seqs[ln][pos]
    d = model.dur[ln][i]
    s0, lead = dec.start[i], dec.start[i] - dec.co_start[i]
    hi = _latest(model, seqs, dec, ln, pos)
    if hi <= s0:
        return 0.0
    cands = {hi}
    for b in bounds[bisect_left(bounds, s0) : bisect_right(bounds, hi + d)]:
        for s in (b, b - d):
            if s0 < s <= hi:
                cands.add(s)
    base = model.energy(ln, i, s0)
    best_s, best_c = s0, base
    for s in sorted(cands):
        c = model.energy(ln, i, s)
        if c < best_c - 1e-9 and fit(model, ln, s - lead, lead + d) == s - lead:
            best_s, best_c = s, c
    if best_s != s0:
        dec.start[i], dec.end[i], dec.co_start[i] = best_s, best_s + d, best_s - lead
    return base - best_c
