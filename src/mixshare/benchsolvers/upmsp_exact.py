"""Exact subset dynamic programming for tiny UPMSP-SDST instances (n <= 12 or so).

Two stages, both vectorised with NumPy over subsets (bitmasks):

1. per machine k, Held-Karp over subsets gives cost_k[T], the least completion time of a machine
   that runs exactly the job set T (processing + best open Hamiltonian path of setups);
2. a min-max partition DP over machines: F_k[S] = min_{T subset of S} max(F_{k-1}[S-T], cost_k[T]).

Work is O(m * n^2 * 2^n + m * 3^n), well under a second for n = 12.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
EXACT_MAX_JOBS = 12
_INF = np.iinfo(np.int64).max // 4


def _popcount(x: IntArray) -> IntArray:
    out = np.zeros_like(x)
    y = x.copy()
    while y.any():
        out += y & 1
        y >>= 1
    return out


def _held_karp(p: IntArray, s: IntArray) -> tuple[IntArray, IntArray]:
    """Return (cost[T], path[T, j]): path cost of a sequence over T ending in j (incl. p)."""
    n = p.shape[0]
    full = 1 << n
    masks = np.arange(full, dtype=np.int64)
    pc = _popcount(masks)
    path = np.full((full, n), _INF, dtype=np.int64)
    for j in range(n):
        path[1 << j, j] = p[j]
    for c in range(1, n):
        layer = masks[pc == c]
        # best[T, j] = min over i in T of path[T, i] + s[i, j]; i outside T has path = inf
        best = (path[layer][:, :, None] + s[None, :, :]).min(axis=1)
        for j in range(n):
            sel = (layer >> j) & 1 == 0
            tgt = layer[sel] | (1 << j)
            path[tgt, j] = best[sel, j] + p[j]
    cost = path.min(axis=1)
    cost[0] = 0
    return cost, path


@lru_cache(maxsize=4)
def _submask_pairs(n: int) -> tuple[IntArray, IntArray]:
    """All pairs (S, T) with T a subset of S, sorted by S."""
    full = 1 << n
    s_list, t_list = [], []
    masks = np.arange(full, dtype=np.int64)
    for t in range(full):
        sup = masks[(masks & t) == t]
        s_list.append(sup)
        t_list.append(np.full(sup.shape, t, dtype=np.int64))
    s_all, t_all = np.concatenate(s_list), np.concatenate(t_list)
    order = np.argsort(s_all, kind="stable")
    return s_all[order], t_all[order]


def _order_jobs(mask: int, path: IntArray, s: IntArray, p: IntArray) -> list[int]:
    """Recover a best job order on one machine for subset ``mask`` from the Held-Karp table."""
    seq: list[int] = []
    if mask == 0:
        return seq
    j = int(np.argmin(path[mask]))
    while True:
        seq.append(j)
        rest = mask & ~(1 << j)
        if rest == 0:
            break
        want = path[mask, j] - p[j]
        cand = [i for i in range(p.shape[0]) if rest >> i & 1 and path[rest, i] + s[i, j] == want]
        mask, j = rest, cand[0]
    return seq[::-1]


def solve_exact(p: IntArray, setup: IntArray) -> tuple[list[list[int]], int]:
    """Optimal assignment and makespan for a tiny instance by subset DP."""
    m, n = p.shape
    if n > EXACT_MAX_JOBS + 2:
        raise ValueError(f"exact DP limited to small n, got n={n}")
    tables = [_held_karp(p[k], setup[k]) for k in range(m)]
    s_idx, t_idx = _submask_pairs(n)
    starts = np.flatnonzero(np.r_[True, s_idx[1:] != s_idx[:-1]])
    f_prev = tables[0][0].copy()
    choice: list[IntArray] = []
    for k in range(1, m):
        vals = np.maximum(f_prev[s_idx & ~t_idx], tables[k][0][t_idx])
        f_new = np.minimum.reduceat(vals, starts)
        # pick, for every S, the first T reaching the minimum
        hit = vals == np.repeat(f_new, np.diff(np.r_[starts, vals.size]))
        first = np.minimum.reduceat(np.where(hit, np.arange(vals.size), vals.size), starts)
        choice.append(t_idx[first])
        f_prev = f_new
    full = (1 << n) - 1
    subsets = [0] * m
    rest = full
    for k in range(m - 1, 0, -1):
        subsets[k] = int(choice[k - 1][rest])
        rest &= ~subsets[k]
    subsets[0] = rest
    assign = [_order_jobs(subsets[k], tables[k][1], setup[k], p[k]) for k in range(m)]
    return assign, int(f_prev[full])
