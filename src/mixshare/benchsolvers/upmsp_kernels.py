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


# per-job layout rows (``jobs[row, j]``) kept by the descent for the current sequences
KM, KP, PV, NX, OWN = 0, 1, 2, 3, 4  # machine, position, predecessor, successor, own time
# per-machine rows (``mach[row, k]``): largest gap setup, largest own time of its jobs
MAXSLOT, MAXOWN = 0, 1
# fields of a cached pair result (``pair[k, t, field]``): best relocation of a job of k into t
# (rank, resulting larger completion time, job, gap) and best swap of a job of k with one of t
R_KEY, R_VAL, R_U, R_Q, S_KEY, S_VAL, S_U, S_V = 0, 1, 2, 3, 4, 5, 6, 7


@njit(cache=True)
def _layout(
    P: np.ndarray,
    S: np.ndarray,
    seq: np.ndarray,
    ln: np.ndarray,
    k: int,
    jobs: np.ndarray,
    slot: np.ndarray,
    mach: np.ndarray,
    dmin: np.ndarray,
) -> None:
    """Re-derive machine k's rows after its sequence changed (O(len * m))."""
    m = ln.shape[0]
    d = P.shape[1] - 1
    length = ln[k]
    prev = d
    mach[MAXSLOT, k] = mach[MAXOWN, k] = 0
    # dmin[x, k] = min over jobs v of k of P[x, v] - own[v]: a swap of a job u of x with any v
    # of k changes the total by at least dmin[x, k] + P[k, u] - own[u]
    dmin[:, k] = NONE
    for q in range(length):
        j = seq[k, q]
        nxt = seq[k, q + 1] if q + 1 < length else d
        own = P[k, j] + S[k, prev, j] + S[k, j, nxt]
        jobs[KM, j], jobs[KP, j], jobs[PV, j], jobs[NX, j], jobs[OWN, j] = k, q, prev, nxt, own
        slot[k, q] = S[k, prev, j]
        mach[MAXSLOT, k] = max(mach[MAXSLOT, k], slot[k, q])
        mach[MAXOWN, k] = max(mach[MAXOWN, k], own)
        for x in range(m):
            dmin[x, k] = min(dmin[x, k], P[x, j] - own)
        prev = j
    slot[k, length] = 0


@njit(cache=True)
def _price_pair(
    P: np.ndarray,
    S: np.ndarray,
    T: np.ndarray,
    seq: np.ndarray,
    ln: np.ndarray,
    c: np.ndarray,
    cmax: int,
    k: int,
    t: int,
    jobs: np.ndarray,
    slot: np.ndarray,
    mach: np.ndarray,
    dmin: np.ndarray,
    out: np.ndarray,
) -> int:
    """Best relocation and best swap (by :func:`_rank`) of the jobs of k into / with machine t.

    Written to ``out`` (fields ``R_*``, ``S_*``); returns the number of candidates priced.
    Bounds (setups are >= 0) skip whole (job, machine) pairs that cannot hold an improving
    candidate; they only skip candidates _rank would refuse.
    """
    d = P.shape[1] - 1
    bm, bm_val, mu, mq = NONE, 0, -1, -1
    bs, bs_val, su, sv = NONE, 0, -1, -1
    priced = 0
    src = c[k]
    ct = c[t]
    crit_u = src == cmax
    length = ln[t]
    for i in range(ln[k]):
        u = seq[k, i]
        a, b = jobs[PV, u], jobs[NX, u]
        gain = jobs[OWN, u] - S[k, a, b]
        new_src = src - gain
        pu = P[t, u]
        if t == k:
            # u moved within its own machine
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
                    bm, bm_val, mu, mq = key, new_src + ins, u, q
                sp = sn
            continue
        priced += 1
        low = pu - mach[MAXSLOT, t]  # inserting u anywhere in t adds at least this
        # (and no relocation helps while the source stays at C_max or above)
        if new_src < cmax and low < cmax - ct and (crit_u or low < gain):
            sp = d
            priced += length + 1
            for q in range(length + 1):
                sn = seq[t, q] if q < length else d
                ins = pu + T[t, u, sp] + S[t, u, sn] - slot[t, q]
                val = max(new_src, ct + ins)
                key = _rank(val, src, ins - gain, cmax)
                if key < bm:
                    bm, bm_val, mu, mq = key, val, u, q
                sp = sn
        # swaps of u with each job v of t: t without v, plus u, must end below C_max
        if ct - mach[MAXOWN, t] + pu >= cmax:
            continue
        crit_pair = crit_u or ct == cmax
        if not crit_pair and dmin[k, t] + pu - jobs[OWN, u] >= 0:
            continue  # no swap with t lowers the total
        base_u = src - jobs[OWN, u]
        for q in range(length):
            v = seq[t, q]
            y0 = base_u + P[k, v]
            z0 = ct - jobs[OWN, v] + pu
            if y0 >= cmax or z0 >= cmax:
                continue
            if not crit_pair and y0 + z0 >= src + ct:
                continue  # the total cannot fall
            priced += 1
            av, bv = jobs[PV, v], jobs[NX, v]
            y = y0 + S[k, a, v] + T[k, b, v]
            z = z0 + T[t, u, av] + S[t, u, bv]
            key = _rank(max(y, z), max(src, ct), y + z - src - ct, cmax)
            if key < bs:
                bs, bs_val, su, sv = key, max(y, z), u, v
    out[R_KEY], out[R_VAL], out[R_U], out[R_Q] = bm, bm_val, mu, mq
    out[S_KEY], out[S_VAL], out[S_U], out[S_V] = bs, bs_val, su, sv
    return priced


@njit(cache=True)
def _forget(valid: np.ndarray, k: int) -> None:
    valid[k, :] = False
    valid[:, k] = False


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

    Candidates are grouped by machine pair (k, t): the jobs of k moved into, or swapped with,
    machine t. A pair's best candidate depends only on the two sequences and on C_max, so it
    is cached and re-priced only when one of its machines changed, when a machine reached or
    left the C_max level, or when the cached candidate no longer ends below C_max (C_max only
    falls during the descent, which only removes candidates). Profile at 250 jobs: a descent
    takes ~10 steps of which a third lower the total rather than C_max, and each of those used
    to re-price every pair; now a step re-prices the ~4m pairs of the two machines it touched.

    Each step first looks at the pairs whose source machine is critical (their moves rank
    first, so when one improves it is the overall best); only when none does are all pairs
    looked at. ``T[k, j, i] = S[k, i, j]``: for a job u on machine t both setups it can meet
    are read from rows ``T[t, u]`` and ``S[t, u]`` (two 1-kB rows at 250 jobs, in cache).
    """
    m = c.shape[0]
    n = P.shape[1] - 1
    jobs = np.empty((5, n), dtype=np.int64)
    slot = np.empty((m, n + 1), dtype=np.int64)  # setup of each gap: S[t, prev, next]
    mach = np.empty((2, m), dtype=np.int64)
    dmin = np.empty((m, m), dtype=np.int64)
    pair = np.empty((m, m, 8), dtype=np.int64)
    valid = np.zeros((m, m), dtype=np.bool_)
    was_crit = np.zeros(m, dtype=np.bool_)
    for k in range(m):
        _layout(P, S, seq, ln, k, jobs, slot, mach, dmin)
    while True:
        cmax = c.max()
        for k in range(m):
            if (c[k] == cmax) != was_crit[k]:
                was_crit[k] = c[k] == cmax
                _forget(valid, k)
        bm, bmk, bmt, bs, bsk, bst = NONE, -1, -1, NONE, -1, -1
        for phase in range(2):
            for k in range(m):
                if (phase == 0) != was_crit[k]:
                    continue
                for t in range(m):
                    cell = pair[k, t]
                    if valid[k, t] and (
                        (cell[R_KEY] < NONE and cell[R_VAL] >= cmax)
                        or (cell[S_KEY] < NONE and cell[S_VAL] >= cmax)
                    ):
                        valid[k, t] = False
                    if not valid[k, t]:
                        stats[1] += _price_pair(
                            P, S, T, seq, ln, c, cmax, k, t, jobs, slot, mach, dmin, cell
                        )
                        valid[k, t] = True
                    if cell[R_KEY] < bm:
                        bm, bmk, bmt = cell[R_KEY], k, t
                    if cell[S_KEY] < bs:
                        bs, bsk, bst = cell[S_KEY], k, t
            if bm < NONE or bs < NONE:
                break
        if bm < NONE and bm <= bs:
            u, q = pair[bmk, bmt, R_U], pair[bmk, bmt, R_Q]
            k, t, i = bmk, bmt, jobs[KP, u]
            _remove_at(seq, ln, k, i)
            if t == k and q > i:
                q -= 1  # slots were numbered before the job left its own sequence
            _insert_at(seq, ln, t, q, u)
        elif bs < NONE:
            u, v = pair[bsk, bst, S_U], pair[bsk, bst, S_V]
            k, t = bsk, bst
            seq[k, jobs[KP, u]] = v
            seq[t, jobs[KP, v]] = u
        else:
            return
        for x in (k, t):
            c[x] = machine_cost(P, S, seq, ln, x)
            _layout(P, S, seq, ln, x, jobs, slot, mach, dmin)
            _forget(valid, x)


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
