"""Iterated greedy for R | S_ijk | C_max (Ruiz & Stützle style), driven from Python.

One iteration: remove ``destroy`` jobs (a share of them from the critical machine, which sets
C_max), re-insert each at its best position over all machines and positions, then a
best-improvement descent over relocations and swaps; a constant-temperature acceptance lets the
search leave local optima. The loops are compiled (:mod:`.upmsp_kernels`); this module only
keeps the clock: it runs the kernel in chunks of iterations sized to about 50 ms, so a time
limit and the checkpoints are honoured without the kernel reading a clock. The trajectory does
not depend on the chunking, so for a fixed seed and ``max_iterations`` the result is the same.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mixshare.benchsolvers import upmsp_kernels as kern

IntArray = npt.NDArray[np.int64]
BIG = kern.BIG
CHUNK_SECONDS = 0.05


@dataclass
class SearchResult:
    assignment: list[list[int]]
    makespan: int
    iterations: int
    checkpoints: dict[float, int] = field(default_factory=dict)
    # candidate moves, swaps and insertions priced (each O(1)); evaluations / second = this / s
    evaluations: int = 0
    seconds: float = 0.0  # on the clock the search ran by
    cpu_seconds: float = 0.0  # CPU time of the process during the search


@dataclass(frozen=True)
class Params:
    """Search knobs; the values are the ones measured on the large and xlarge sets."""

    # jobs removed per iteration; 12 measured best on the 72 large instances (50-100 jobs)
    destroy: int = 12
    # share of the removed jobs taken from the critical machine
    crit_share: float = 0.5
    # Ruiz & Stützle temperature factor: T = temperature * mean(p) / 10, for up to
    # ``cool_from_jobs`` jobs (0.5 measured best on the 72 large instances, 50-100 jobs)
    temperature: float = 0.5
    # above this many jobs T shrinks as cool_from_jobs / n. Why: a run has fewer iterations
    # per job, and a walk at a fixed T drifts further above its best as n grows (more ways to be
    # a little worse): at 250 jobs and T factor 0.5 the current solution sat 13-18 above a best
    # of 368 that it never left (I_250_10_S_1-49_1); factor 0.2 (= 0.5 * 100 / 250) took the
    # four 250-job instances from 10.9 % to 6.4 % mean RPD at 10 CPU-s, one process
    cool_from_jobs: int = 100

    def temperature_for(self, n: int, mean_p: float) -> float:
        """The acceptance temperature for n jobs with mean processing time ``mean_p``."""
        return self.temperature * mean_p / 10.0 * min(1.0, self.cool_from_jobs / n)


def padded(
    p: IntArray, setup: IntArray
) -> tuple[IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """``P[m, n+1]``, ``S[m, n+1, n+1]`` and ``T = S`` transposed, with a zero-cost dummy ``n``."""
    m, n = p.shape
    if setup.max(initial=0) >= 1 << 20 or p.max(initial=0) >= 1 << 20:
        raise ValueError("processing and setup times must be below 2^20")
    pp = np.zeros((m, n + 1), dtype=np.int64)
    pp[:, :n] = p
    ss = np.zeros((m, n + 1, n + 1), dtype=np.int32)
    ss[:, :n, :n] = setup
    tt = np.ascontiguousarray(ss.transpose(0, 2, 1))
    return pp, ss, tt


def _seqs(seq: IntArray, ln: IntArray) -> list[list[int]]:
    return [seq[k, : ln[k]].tolist() for k in range(ln.shape[0])]


def iterated_greedy(
    p: IntArray,
    setup: IntArray,
    *,
    time_limit: float,
    seed: int = 0,
    max_iterations: int | None = None,
    checkpoints: Sequence[float] = (),
    start: float | None = None,
    params: Params = Params(),
    cpu_clock: bool = False,
) -> SearchResult:
    """Run the iterated greedy until ``time_limit`` seconds after ``start`` (or the iteration cap).

    ``checkpoints`` are times (seconds after ``start``) at which the best makespan so far is
    recorded, so one run also reports what a shorter time limit would have returned.
    With ``cpu_clock`` the limit and the checkpoints count this process's CPU seconds from the
    call (``start`` is ignored): on a machine shared with other work a run then does what it
    would do in that many seconds with a core of its own.
    """
    clock = time.process_time if cpu_clock else time.perf_counter
    t0 = clock() if start is None or cpu_clock else start
    cpu0 = time.process_time()
    P, S, T = padded(np.asarray(p, dtype=np.int64), np.asarray(setup, dtype=np.int64))
    m, n = p.shape
    stats = np.zeros(2, dtype=np.int64)
    kern.seed_rng(seed)
    cur = np.zeros((m, n), dtype=np.int64)
    cur_ln = np.zeros(m, dtype=np.int64)
    c = np.zeros(m, dtype=np.int64)
    kern.initial(P, S, T, cur, cur_ln, c, stats)
    best, best_ln = cur.copy(), cur_ln.copy()
    vals = np.array([kern.score(c)] * 2, dtype=np.int64)
    destroy = min(params.destroy, max(1, n // 2))  # small n: a dozen is too many
    n_crit = round(destroy * params.crit_share)
    temp = params.temperature_for(n, float(p.mean()))
    pending = sorted(checkpoints)
    recorded: dict[float, int] = {}
    chunk = 1
    while max_iterations is None or stats[0] < max_iterations:
        elapsed = clock() - t0
        while pending and elapsed >= pending[0]:
            recorded[pending.pop(0)] = int(vals[1]) // BIG
        if elapsed >= time_limit:
            break
        todo = chunk if max_iterations is None else min(chunk, max_iterations - int(stats[0]))
        t1 = clock()
        kern.iterate(P, S, T, cur, cur_ln, best, best_ln, vals, todo, destroy, n_crit, temp, stats)
        took = clock() - t1
        # next chunk: about CHUNK_SECONDS, never past the next checkpoint or the limit
        per = max(took / todo, 1e-6)
        left = min([time_limit, *pending]) - (clock() - t0)
        chunk = max(1, min(int(CHUNK_SECONDS / per), int(left / per) + 1, 2 * todo + 1))
    for t in pending:
        recorded[t] = int(vals[1]) // BIG
    return SearchResult(
        _seqs(best, best_ln),
        int(vals[1]) // BIG,
        int(stats[0]),
        recorded,
        int(stats[1]),
        clock() - t0,
        time.process_time() - cpu0,
    )


def warm_up() -> None:
    """Compile the kernels (Numba cache) on a tiny instance, as ``scripts/setup`` does."""
    rng = np.random.default_rng(0)
    p = rng.integers(1, 10, size=(2, 6))
    s = rng.integers(1, 5, size=(2, 6, 6))
    iterated_greedy(p, s, time_limit=1e9, max_iterations=2)  # no clock cut while compiling
