"""Compiled (Numba) inner loops of the UPMSP-SDST iterated greedy.

Profile that led here (2026-12-02, NumPy version, one process): at 250 jobs one iteration took
tens of milliseconds, almost all of it NumPy call overhead and full-matrix temporaries in the
local search (every descent step rebuilt n x (n + m) move and n x n swap matrices); the
iterations per second fell roughly with n^2. Here every candidate is priced in O(1) from its
neighbours and nothing is allocated inside the loops.

Conventions: jobs ``0..n-1`` plus a dummy ``D = n`` with zero processing and setup times, so
every gap of a machine's sequence, including both ends, is a slot ``(prev, next)``; a machine's
completion time is a sum over its sequence (processing plus the setup of each consecutive pair),
so inserting j between ``prev`` and ``next`` on machine k adds exactly
``P[k, j] + S[k, prev, j] + S[k, j, next] - S[k, prev, next]`` and removing it subtracts the
same: a move re-times only the machines it touches, in O(1).

``S[k, i, j]`` is the setup of j after i on machine k and ``T[k, j, i]`` the same value
(transposed copy), both int32 to halve the memory traffic (10 MB per matrix at 250 jobs and 20
machines).

State arrays: ``seq[k, :ln[k]]`` is machine k's sequence, ``c[k]`` its completion time.
``stats`` counts work: ``[iterations, priced candidates]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# lexicographic (makespan, total) score packed into one int64
BIG = 1 << 24
NONE = np.iinfo(np.int64).max


@njit(cache=True)
def seed_rng(seed: int) -> None:
    """Seed the process's Numba random generator (the whole search draws from it)."""
    np.random.seed(seed)


@njit(cache=True)
def machine_cost(P: np.ndarray, S: np.ndarray, seq: np.ndarray, ln: np.ndarray, k: int) -> int:
    length = ln[k]
    if length == 0:
        return 0
    t = P[k, seq[k, 0]]
    for q in range(1, length):
        t += P[k, seq[k, q]] + S[k, seq[k, q - 1], seq[k, q]]
    return int(t)


@njit(cache=True)
def _insert_at(seq: np.ndarray, ln: np.ndarray, k: int, q: int, j: int) -> None:
    for r in range(ln[k], q, -1):
        seq[k, r] = seq[k, r - 1]
    seq[k, q] = j
    ln[k] += 1


@njit(cache=True)
def _remove_at(seq: np.ndarray, ln: np.ndarray, k: int, q: int) -> None:
    for r in range(q, ln[k] - 1):
        seq[k, r] = seq[k, r + 1]
    ln[k] -= 1


@njit(cache=True)
def best_insert(
    P: np.ndarray,
    S: np.ndarray,
    T: np.ndarray,
    seq: np.ndarray,
    ln: np.ndarray,
    c: np.ndarray,
    j: int,
    stats: np.ndarray,
) -> None:
    """Insert j where the makespan grows least; ties go to the smallest added time."""
    d = P.shape[1] - 1
    cm = c.max()
    best, bk, bq, bdelta = NONE, 0, 0, 0
    for k in range(c.shape[0]):
        length = ln[k]
        prev = d
        for q in range(length + 1):
            nxt = seq[k, q] if q < length else d
            delta = P[k, j] + T[k, j, prev] + S[k, j, nxt] - S[k, prev, nxt]
            key = max(c[k] + delta, cm) * BIG + delta
            if key < best:
                best, bk, bq, bdelta = key, k, q, delta
            prev = nxt
    stats[1] += ln.sum() + c.shape[0]
    _insert_at(seq, ln, bk, bq, j)
    c[bk] += bdelta


@njit(cache=True)
def _rank(val: int, src: int, total: int, cmax: int) -> int:
    """Rank of a candidate move; NONE unless it improves.

    Improving: both touched machines end strictly below the makespan, and the move either takes
    a critical machine (at C_max) off that level or lowers the total completion time. So
    (C_max, number of critical machines, total) decreases strictly and the descent ends. Moves
    off critical machines rank first (by the larger resulting completion time), then the largest
    total reductions.
    """
    crit = src == cmax
    if val >= cmax or not (crit or total < 0):
        return NONE
    if crit:
        return (val << 40) + (total + (1 << 19))
    return (1 << 62) + ((total + (1 << 18)) << 20) + val


@njit(cache=True)
def local_search(
    P: np.ndarray,
    S: np.ndarray,
    T: np.ndarray,
    seq: np.ndarray,
    ln: np.ndarray,
    c: np.ndarray,
    stats: np.ndarray,
) -> None:
    """Best-improvement descent over relocations and swaps (see :func:`_rank`).

    Each step first prices only the jobs of the critical machines (their moves rank first, so
    when one improves it is the overall best); only when none does are all jobs priced.
    ``T[k, j, i] = S[k, i, j]``: for a job u on machine t both setups it can meet, into u and
    out of u, are read from rows ``T[t, u]`` and ``S[t, u]`` (two 1-kB rows at 250 jobs, in
    cache) rather than from a column of the n x n matrix.
    """
    m = c.shape[0]
    n = P.shape[1] - 1
    d = n
    km = np.empty(n, dtype=np.int64)
    kp = np.empty(n, dtype=np.int64)
    pv = np.empty(n, dtype=np.int64)
    nx = np.empty(n, dtype=np.int64)
    own = np.empty(n, dtype=np.int64)
    slot = np.empty((m, n + 1), dtype=np.int64)  # setup of each gap: S[t, prev, next]
    maxslot = np.empty(m, dtype=np.int64)
    maxown = np.empty(m, dtype=np.int64)
    dmin = np.empty((m, m), dtype=np.int64)
    while True:
        for k in range(m):
            length = ln[k]
            prev = d
            maxslot[k] = maxown[k] = 0
            for q in range(length):
                j = seq[k, q]
                km[j], kp[j] = k, q
                pv[j] = prev
                nx[j] = seq[k, q + 1] if q + 1 < length else d
                own[j] = P[k, j] + S[k, prev, j] + S[k, j, nx[j]]
                slot[k, q] = S[k, prev, j]
                maxslot[k] = max(maxslot[k], slot[k, q])
                maxown[k] = max(maxown[k], own[j])
                prev = j
            slot[k, length] = 0
        # dmin[k, t] = min over jobs v of t of P[k, v] - own[v]: a swap of u (on k) with any v
        # of t changes the total by at least dmin[k, t] + P[t, u] - own[u]
        dmin[:, :] = NONE
        for v in range(n):
            t = km[v]
            for k in range(m):
                dmin[k, t] = min(dmin[k, t], P[k, v] - own[v])
        cmax = c.max()
        done = False
        for phase in range(2):
            bm, mu, mt, mq = NONE, -1, -1, -1
            bs, su, sv = NONE, -1, -1
            priced = 0
            for u in range(n):
                k = km[u]
                if phase == 0 and c[k] != cmax:
                    continue
                a, b = pv[u], nx[u]
                gain = own[u] - S[k, a, b]
                src = c[k]
                crit_u = src == cmax
                new_src = src - gain
                base_u = src - own[u]
                priced += m
                for t in range(m):
                    length = ln[t]
                    ct = c[t]
                    if t != k:
                        pu = P[t, u]
                        # Bounds (setups are >= 0) skip whole machines that cannot hold an
                        # improving candidate; they only skip candidates _rank would refuse,
                        # so the search is unchanged, but most pairs (u, t) end here.
                        low = pu - maxslot[t]  # inserting u anywhere in t adds at least this
                        # (and no relocation helps while the source stays at C_max or above)
                        if new_src < cmax and low < cmax - ct and (crit_u or low < gain):
                            # relocations of u into machine t
                            sp = d
                            priced += length + 1
                            for q in range(length + 1):
                                sn = seq[t, q] if q < length else d
                                ins = pu + T[t, u, sp] + S[t, u, sn] - slot[t, q]
                                key = _rank(max(new_src, ct + ins), src, ins - gain, cmax)
                                if key < bm:
                                    bm, mu, mt, mq = key, u, t, q
                                sp = sn
                        # swaps of u with each job v of machine t: t without v, plus u, must
                        # end below C_max (z >= ct - own[v] + pu)
                        if ct - maxown[t] + pu >= cmax:
                            continue
                        crit_pair = crit_u or ct == cmax
                        if not crit_pair and dmin[k, t] + pu - own[u] >= 0:
                            continue  # no swap with t lowers the total
                        for q in range(length):
                            v = seq[t, q]
                            y0 = base_u + P[k, v]
                            z0 = ct - own[v] + pu
                            if y0 >= cmax or z0 >= cmax:
                                continue
                            if not crit_pair and y0 + z0 >= src + ct:
                                continue  # the total cannot fall
                            priced += 1
                            av, bv = pv[v], nx[v]
                            y = y0 + S[k, a, v] + T[k, b, v]
                            z = z0 + T[t, u, av] + S[t, u, bv]
                            key = _rank(max(y, z), max(src, ct), y + z - src - ct, cmax)
                            if key < bs:
                                bs, su, sv = key, u, v
                    else:
                        # u moved within its own machine
                        pu = P[t, u]
                        sp = d
                        priced += length + 1
                        for q in range(length + 1):
                            sn = seq[t, q] if q < length else d
                            if sp == u or sn == u:
                                sp = sn
                                continue
                            ins = pu + T[t, u, sp] + S[t, u, sn] - slot[t, q]
                            key = _rank(new_src + ins, src, ins - gain, cmax)
                            if key < bm:
                                bm, mu, mt, mq = key, u, t, q
                            sp = sn
            stats[1] += priced
            if bm < NONE and bm <= bs:
                k, i = km[mu], kp[mu]
                q = mq
                _remove_at(seq, ln, k, i)
                if mt == k and q > i:
                    q -= 1  # slots were numbered before the job left its own sequence
                _insert_at(seq, ln, mt, q, mu)
                c[k] = machine_cost(P, S, seq, ln, k)
                c[mt] = machine_cost(P, S, seq, ln, mt)
                done = True
                break
            if bs < NONE:
                ka, kb = km[su], km[sv]
                seq[ka, kp[su]] = sv
                seq[kb, kp[sv]] = su
                c[ka] = machine_cost(P, S, seq, ln, ka)
                c[kb] = machine_cost(P, S, seq, ln, kb)
                done = True
                break
        if not done:
            return


@njit(cache=True)
def score(c: np.ndarray) -> int:
    """Makespan first, then total completion time (a tie-breaker on makespan plateaus)."""
    return int(c.max() * BIG + c.sum())


@njit(cache=True)
def initial(
    P: np.ndarray,
    S: np.ndarray,
    T: np.ndarray,
    seq: np.ndarray,
    ln: np.ndarray,
    c: np.ndarray,
    stats: np.ndarray,
) -> None:
    """Greedy best insertion, longest jobs (by their best machine) first, then descent."""
    n = P.shape[1] - 1
    pmin = np.empty(n, dtype=np.int64)
    for j in range(n):
        pmin[j] = P[:, j].min()
    order = np.argsort(-pmin, kind="mergesort")
    ln[:] = 0
    c[:] = 0
    for j in order:
        best_insert(P, S, T, seq, ln, c, j, stats)
    local_search(P, S, T, seq, ln, c, stats)


@njit(cache=True)
def iterate(
    P: np.ndarray,
    S: np.ndarray,
    T: np.ndarray,
    cur: np.ndarray,
    cur_ln: np.ndarray,
    best: np.ndarray,
    best_ln: np.ndarray,
    vals: np.ndarray,
    iterations: int,
    destroy: int,
    n_crit: int,
    temp: float,
    stats: np.ndarray,
) -> None:
    """Run ``iterations`` destroy / greedy-reinsert / descent / accept steps.

    ``vals = [current score, best score]`` and the ``cur``/``best`` sequences are updated in
    place, so successive calls continue one trajectory (the random generator is the process's).
    Acceptance is Ruiz & Stützle's constant-temperature rule on the worsening in makespan units
    (the total completion time counts as its per-machine mean).
    """
    m, n = cur_ln.shape[0], P.shape[1] - 1
    seq = np.empty_like(cur)
    ln = np.empty_like(cur_ln)
    c = np.empty(m, dtype=np.int64)
    taken = np.zeros(n, dtype=np.bool_)
    removed = np.empty(n, dtype=np.int64)
    pool = np.empty(n, dtype=np.int64)
    for _it in range(iterations):
        stats[0] += 1
        seq[:] = cur
        ln[:] = cur_ln
        for k in range(m):
            c[k] = machine_cost(P, S, seq, ln, k)
        # destroy: n_crit jobs of the critical machine, the rest anywhere
        kc = np.argmax(c)
        r = 0
        lc = ln[kc]
        for q in range(lc):
            pool[q] = seq[kc, q]
        take = min(lc, n_crit)
        for q in range(take):  # partial Fisher-Yates
            s = q + np.random.randint(0, lc - q)
            pool[q], pool[s] = pool[s], pool[q]
            taken[pool[q]] = True
            removed[r] = pool[q]
            r += 1
        free = 0
        for j in range(n):
            if not taken[j]:
                pool[free] = j
                free += 1
        more = min(free, destroy - r)
        for q in range(more):
            s = q + np.random.randint(0, free - q)
            pool[q], pool[s] = pool[s], pool[q]
            taken[pool[q]] = True
            removed[r] = pool[q]
            r += 1
        for k in range(m):
            w = 0
            for q in range(ln[k]):
                j = seq[k, q]
                if not taken[j]:
                    seq[k, w] = j
                    w += 1
            ln[k] = w
            c[k] = machine_cost(P, S, seq, ln, k)
        for q in range(r - 1, 0, -1):  # reinsert in random order
            s = np.random.randint(0, q + 1)
            removed[q], removed[s] = removed[s], removed[q]
        for q in range(r):
            taken[removed[q]] = False
            best_insert(P, S, T, seq, ln, c, removed[q], stats)
        local_search(P, S, T, seq, ln, c, stats)
        val = score(c)
        cv = vals[0]
        worse = (val // BIG - cv // BIG) + (val % BIG - cv % BIG) / m
        if val < cv or (val > cv and np.random.random() < np.exp(-worse / temp)) or val == cv:
            cur[:] = seq
            cur_ln[:] = ln
            vals[0] = val
        if val < vals[1]:
            best[:] = seq
            best_ln[:] = ln
            vals[1] = val
