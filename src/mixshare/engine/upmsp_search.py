"""Iterated greedy / LNS for R | S_ijk | C_max (pure Python + NumPy).

One iteration: remove ~a dozen jobs, re-insert each at its best position over all machines and
positions (insertion deltas vectorised with NumPy), then a local search on the critical machine
(moves and swaps to other machines, re-sequencing within the machine). A simulated-annealing-like
acceptance (constant temperature, Ruiz & Stützle style) lets the search leave local optima.

Setup matrices are padded with a dummy job ``D = n`` whose setups are 0, so every gap between two
neighbours, including the two ends of a machine's sequence, is a slot (prev, next): inserting j
costs p[k, j] + S[k, prev, j] + S[k, j, next] - S[k, prev, next] there.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
# lexicographic (makespan, delta) keys packed into one int64; |delta| is far below BIG / 2
BIG = 1 << 24


_NONE = np.iinfo(np.int64).max


def _pack(first: IntArray, second: IntArray, third: IntArray) -> IntArray:
    """Lexicographic key of three small integer arrays (each well inside +-2^19)."""
    return (first << 40) + (second << 20) + (third + (1 << 19))


def _rank(val: IntArray, src: IntArray, total: IntArray, cmax: int, valid: IntArray) -> IntArray:
    """Rank candidate moves; _NONE marks the non-improving ones.

    A move is improving when both machines it touches end strictly below the makespan and it
    either empties a critical machine of its critical status (source at C_max) or lowers the
    total completion time. So (C_max, number of critical machines, total) decreases strictly
    and the descent ends; the second kind packs work onto fast machines with short setups,
    which is what the makespan needs later. Moves off critical machines rank first (by the
    resulting larger completion time), then the largest total reductions.
    """
    crit = src == cmax
    ok = valid & (val < cmax) & (crit | (total < 0))
    key = _pack(~crit, np.where(crit, val, total + (1 << 18)), np.where(crit, total, val))
    return np.where(ok, key, _NONE)


@dataclass
class SearchResult:
    assignment: list[list[int]]
    makespan: int
    iterations: int
    checkpoints: dict[float, int] = field(default_factory=dict)


class _State:
    """Machine sequences plus their completion times, with the move operators."""

    def __init__(self, p: IntArray, setup: IntArray) -> None:
        m, n = p.shape
        self.n, self.m, self.dummy = n, m, n
        self.p = np.zeros((m, n + 1), dtype=np.int64)
        self.p[:, :n] = p
        self.sx = np.zeros((m, n + 1, n + 1), dtype=np.int64)
        self.sx[:, :n, :n] = setup
        self.pl: list[list[int]] = self.p.tolist()
        self.sl: list[list[list[int]]] = self.sx.tolist()
        self.seqs: list[list[int]] = [[] for _ in range(m)]
        self.pmin: list[int] = p.min(axis=0).tolist()
        self.lpt = False
        self.c = np.zeros(m, dtype=np.int64)
        w = n + 1
        # row-gather views: sx2[k * w + i] = S_k[i, :], sxt2[k * w + i] = S_k[:, i]
        self.sx2: IntArray = self.sx.reshape(m * w, w)
        self.sxt2: IntArray = np.ascontiguousarray(self.sx.transpose(0, 2, 1)).reshape(m * w, w)

    # ---------------------------------------------------------------- bookkeeping
    def cost(self, k: int) -> int:
        seq, pk, sk = self.seqs[k], self.pl[k], self.sl[k]
        total = sum(pk[j] for j in seq)
        total += sum(sk[a][b] for a, b in itertools.pairwise(seq))
        return total

    def set_seqs(self, seqs: Sequence[Sequence[int]]) -> None:
        self.seqs = [list(s) for s in seqs]
        self.c = np.array([self.cost(k) for k in range(self.m)], dtype=np.int64)

    def cmax(self) -> int:
        return int(self.c.max())

    def slots(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """(machine, prev, next, position) of every insertion gap, built with NumPy."""
        d = self.dummy
        flat: list[int] = []
        for seq in self.seqs:
            flat.append(d)
            flat.extend(seq)
        flat.append(d)
        arr = np.array(flat)
        lens = np.array([len(q) + 1 for q in self.seqs])  # gaps per machine
        mach = np.repeat(np.arange(self.m), lens)
        # machines share their boundary dummies, so gap g of the whole list is arr[g], arr[g+1]
        pos = np.arange(mach.size) - (np.cumsum(lens) - lens)[mach]
        return mach, arr[:-1], arr[1:], pos

    def remove(self, k: int, i: int) -> int:
        j = self.seqs[k].pop(i)
        self.c[k] = self.cost(k)
        return j

    def insert(self, k: int, i: int, j: int) -> None:
        self.seqs[k].insert(i, j)
        self.c[k] = self.cost(k)

    # ---------------------------------------------------------------- construction
    def best_insert(self, j: int) -> None:
        """Insert j where the makespan grows least; ties go to the smallest added time."""
        mach, prev, nxt, pos = self.slots()
        sx = self.sx
        delta = self.p[mach, j] + sx[mach, prev, j] + sx[mach, j, nxt] - sx[mach, prev, nxt]
        new_c = self.c[mach] + delta
        key = np.maximum(new_c, self.c.max()) * BIG + delta
        s = int(np.argmin(key))
        self.seqs[int(mach[s])].insert(int(pos[s]), j)
        self.c[mach[s]] = new_c[s]

    # ---------------------------------------------------------------- local search
    def layout(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Per job: machine, position, predecessor and successor (dummy at the ends)."""
        n, d = self.n, self.dummy
        km, pos, prev, nxt = [0] * n, [0] * n, [d] * n, [d] * n
        for k, seq in enumerate(self.seqs):
            last = len(seq) - 1
            for i, j in enumerate(seq):
                km[j], pos[j] = k, i
                if i > 0:
                    prev[j] = seq[i - 1]
                if i < last:
                    nxt[j] = seq[i + 1]
        return np.array(km), np.array(pos), np.array(prev), np.array(nxt)

    def _place(
        self, mach: IntArray, prev: IntArray, nxt: IntArray, jobs: IntArray | None
    ) -> IntArray:
        """t[g, c] = p[mach_g, c] + S[mach_g, prev_g, c] + S[mach_g, c, next_g].

        The time job c takes in gap g (before the gap's own setup is removed). For all jobs
        whole rows are gathered, which NumPy does much faster than element-wise indexing;
        a few columns are gathered element-wise.
        """
        n, w = self.n, self.n + 1
        if jobs is None:
            return self.p[mach, :n] + self.sx2[mach * w + prev, :n] + self.sxt2[mach * w + nxt, :n]
        mc, pc, nc, jr = mach[:, None], prev[:, None], nxt[:, None], jobs[None, :]
        return self.p[mc, jr] + self.sx[mc, pc, jr] + self.sx[mc, jr, nc]

    def _improving_move(
        self, lay: tuple[IntArray, ...], cmax: int, jobs: IntArray | None
    ) -> tuple[int, int, int]:
        """Best relocation of one of ``jobs`` (None: all) to another machine or within its own.

        Returns (key, job, slot); key ranks moves by the source machine's load (most loaded
        first: that is the critical machine whenever it can be improved), then by the larger of
        the two resulting completion times, then by the total time added.
        """
        sel = np.arange(self.n) if jobs is None else jobs
        km, prev, nxt = lay[0][sel], lay[2][sel], lay[3][sel]
        mach, sp, sn, _ = self.slots()
        gain = self.p[km, sel] + self.sx[km, prev, sel] + self.sx[km, sel, nxt]
        gain -= self.sx[km, prev, nxt]
        ins = self._place(mach, sp, sn, jobs) - self.sx[mach, sp, sn][:, None]
        src = self.c[km][None, :]
        new_src = src - gain[None, :]
        same = mach[:, None] == km[None, :]
        # within its own machine the job is removed and re-inserted: one completion time
        val = np.where(same, new_src + ins, np.maximum(new_src, self.c[mach][:, None] + ins))
        adjacent = (sp[:, None] == sel[None, :]) | (sn[:, None] == sel[None, :])
        key = _rank(val, src, ins - gain[None, :], cmax, ~adjacent)
        flat = int(np.argmin(key))
        s, c = divmod(flat, sel.size)
        return int(key[s, c]), int(sel[c]), s

    def _improving_swap(
        self, lay: tuple[IntArray, ...], cmax: int, jobs: IntArray | None
    ) -> tuple[int, int, int]:
        """Best in-place exchange of one of ``jobs`` with a job on another machine."""
        km, _, prev, nxt = lay
        sel = np.arange(self.n) if jobs is None else jobs
        own = self.p[km, np.arange(self.n)] + self.sx[km, prev, np.arange(self.n)]
        own += self.sx[km, np.arange(self.n), nxt]
        base = self.c[km] - own  # each job's machine with the job taken out of its place
        # y[a, b]: a's machine with b in a's place; z[a, b]: b's machine with a in b's place
        y = self._place(km[sel], prev[sel], nxt[sel], None) + base[sel][:, None]
        z = self._place(km, prev, nxt, jobs).T + base[None, :]
        val = np.maximum(y, z)
        ck = self.c[km]
        src = np.maximum(ck[sel][:, None], ck[None, :])
        total = y + z - ck[sel][:, None] - ck[None, :]
        key = _rank(val, src, total, cmax, km[sel][:, None] != km[None, :])
        flat = int(np.argmin(key))
        r, b = divmod(flat, self.n)
        return int(key[r, b]), int(sel[r]), b

    def _best_step(self, lay: tuple[IntArray, ...]) -> tuple[int, int, int, bool]:
        """Best improving move or swap; jobs of the critical machines are tried alone first.

        The ranking puts moves out of the most loaded machines first, so when one of those
        improves it is the overall best and the full (n x n) matrices need not be built.
        """
        cmax = int(self.c.max())
        crit = np.flatnonzero(self.c[lay[0]] == cmax)
        for jobs in (crit, None):
            mkey, j, s = self._improving_move(lay, cmax, jobs)
            skey, a, b = self._improving_swap(lay, cmax, jobs)
            if mkey < _NONE and mkey <= skey:
                return mkey, j, s, True
            if skey < _NONE:
                return skey, a, b, False
        return _NONE, 0, 0, False

    def local_search(self) -> None:
        """Apply the best improving relocation or swap until none is left.

        Every accepted move lowers the larger completion time of the machines it touches below
        the source machine's old one, so the sorted vector of completion times decreases
        lexicographically and the descent ends. Moves out of the critical machine rank first;
        once it is stuck the next machines still improve, which thins the ties at the top.
        """
        while True:
            lay = self.layout()
            key, u, v, is_move = self._best_step(lay)
            if key >= _NONE:
                return
            if is_move:
                mach, _, _, pos = self.slots()
                k, i, t, q = int(lay[0][u]), int(lay[1][u]), int(mach[v]), int(pos[v])
                self.seqs[k].pop(i)
                if t == k and q > i:
                    q -= 1  # slots were numbered before the job left its own sequence
                self.seqs[t].insert(q, u)
                self.c[k], self.c[t] = self.cost(k), self.cost(t)
            else:
                ka, kb = int(lay[0][u]), int(lay[0][v])
                self.seqs[ka][int(lay[1][u])], self.seqs[kb][int(lay[1][v])] = v, u
                self.c[ka], self.c[kb] = self.cost(ka), self.cost(kb)

    def score(self) -> int:
        """Makespan first, then total completion time (a tie-breaker on makespan plateaus)."""
        return int(self.c.max()) * BIG + int(self.c.sum())


def _initial(state: _State, rng: random.Random) -> None:
    """Greedy best insertion, longest jobs (by their best machine) first."""
    order = np.argsort(-state.p[:, : state.n].min(axis=0), kind="stable")
    for j in order:
        state.best_insert(int(j))
    state.local_search()


def _destroy(state: _State, rng: random.Random, d: int, crit_share: float) -> list[int]:
    """Remove d jobs, a ``crit_share`` of them from the critical machine (it sets C_max)."""
    k = int(np.argmax(state.c))
    crit = list(state.seqs[k])
    take = set(rng.sample(crit, min(len(crit), round(d * crit_share))))
    others = [j for j in range(state.n) if j not in take]
    take.update(rng.sample(others, min(len(others), d - len(take))))
    for seq in state.seqs:
        seq[:] = [j for j in seq if j not in take]
    state.c = np.array([state.cost(kk) for kk in range(state.m)], dtype=np.int64)
    removed = sorted(take)
    rng.shuffle(removed)
    if state.lpt:  # longest (on its best machine) first, as in LPT for makespan
        removed.sort(key=lambda j: -state.pmin[j])
    return removed


def iterated_greedy(
    p: IntArray,
    setup: IntArray,
    *,
    time_limit: float,
    seed: int = 0,
    max_iterations: int | None = None,
    checkpoints: Sequence[float] = (),
    start: float | None = None,
    destroy: int = 12,
    temperature: float = 0.5,
    crit_share: float = 0.5,
    lpt: bool = False,
) -> SearchResult:
    """Run the iterated greedy until ``time_limit`` seconds after ``start`` (or the iteration cap).

    ``checkpoints`` are times (seconds after ``start``) at which the best makespan so far is
    recorded, so one run also reports what a shorter time limit would have returned.
    """
    t0 = time.perf_counter() if start is None else start
    rng = random.Random(seed)
    state = _State(p, setup)
    state.lpt = lpt
    _initial(state, rng)
    cur = [list(s) for s in state.seqs]
    cur_val = best_val = state.score()
    best = cur
    d = min(destroy, max(1, state.n // 2))  # small n: a third is too few to escape
    # Ruiz & Stützle constant temperature, scaled by the mean processing time
    temp = temperature * float(p.mean()) / 10.0
    pending = sorted(checkpoints)
    recorded: dict[float, int] = {}
    it = 0
    while max_iterations is None or it < max_iterations:
        elapsed = time.perf_counter() - t0
        while pending and elapsed >= pending[0]:
            recorded[pending.pop(0)] = best_val // BIG
        if elapsed >= time_limit:
            break
        it += 1
        state.set_seqs(cur)
        for j in _destroy(state, rng, d, crit_share):
            state.best_insert(j)
        state.local_search()
        val = state.score()
        # worsening in makespan units; the total completion time counts as its per-machine mean
        worse = (val // BIG - cur_val // BIG) + (val % BIG - cur_val % BIG) / state.m
        if val < cur_val or (val > cur_val and rng.random() < math.exp(-worse / temp)):
            cur, cur_val = [list(s) for s in state.seqs], val
        elif val == cur_val:  # equal moves keep the walk moving on plateaus
            cur = [list(s) for s in state.seqs]
        if val < best_val:
            best, best_val = [list(s) for s in state.seqs], val
    for t in pending:
        recorded[t] = best_val // BIG
    return SearchResult(best, best_val // BIG, it, recorded)
