"""Unrelated parallel machines with sequence-dependent setups, makespan (R | S_ijk | C_max).

This is the engine's "makespan mode" for the public Vallada & Ruiz (2011) benchmark:

* :func:`read_instance` parses the benchmark text format (whitespace-separated tokens);
* :func:`makespan` is an evaluator written independently of the solver, used by tests and
  benchmarks to judge every solution;
* :func:`lower_bound` is a cheap valid lower bound;
* :func:`solve` runs an exact subset DP for tiny instances and otherwise an iterated greedy
  (:mod:`mixshare.benchsolvers.upmsp_search`, compiled loops) on one or more processes.

Files may be plain text or gzipped (``.txt.gz``, as the xlarge set is shipped).

Convention (README of the benchmark): C_k is the sum of p[k][j] over the jobs on machine k plus
S_k[i][j] for every consecutive pair (i then j); no setup before the first job.
"""

from __future__ import annotations

import gzip
import multiprocessing as mp
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mixshare.benchsolvers.upmsp_exact import EXACT_MAX_JOBS, solve_exact
from mixshare.benchsolvers.upmsp_search import SearchResult, iterated_greedy
from mixshare.engine.pool import worker_seed

IntArray = npt.NDArray[np.int64]
Assignment = list[list[int]]


@dataclass(frozen=True)
class Instance:
    """A problem instance: ``p[k, j]`` processing times, ``setup[k, i, j]`` setups."""

    name: str
    p: IntArray
    setup: IntArray

    @property
    def n(self) -> int:
        return int(self.p.shape[1])

    @property
    def m(self) -> int:
        return int(self.p.shape[0])


@dataclass
class SolveResult:
    """Best assignment found, its makespan and a valid lower bound."""

    assignment: Assignment
    makespan: int
    lower_bound: int
    seconds: float
    optimal: bool
    method: str
    iterations: int = 0
    cpu_seconds: float = 0.0  # CPU time of all search processes
    # candidate moves priced by all workers (see SearchResult.evaluations)
    evaluations: int = 0
    # best makespan known at each requested checkpoint (seconds -> makespan)
    checkpoints: dict[float, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def _ints(path: Path, tokens: list[str], start: int, count: int, what: str) -> list[int]:
    """Return ``count`` integers from ``tokens[start:]`` or raise a ValueError naming the file."""
    chunk = tokens[start : start + count]
    if len(chunk) < count:
        raise ValueError(f"{path}: truncated file, expected {count} values for {what}")
    try:
        return [int(tok) for tok in chunk]
    except ValueError as exc:
        raise ValueError(f"{path}: non-integer value in {what}: {exc}") from None


def parse_instance(text: str, path: Path | str = "<string>") -> Instance:
    """Parse the benchmark format from ``text`` (see the README of the benchmark)."""
    path = Path(path)
    tok = text.split()
    n, m, _one = _ints(path, tok, 0, 3, "header 'n m 1'")
    if n <= 0 or m <= 0:
        raise ValueError(f"{path}: header gives n={n}, m={m}; both must be positive")
    (m2,) = _ints(path, tok, 3, 1, "the machine count line")
    if m2 != m:
        raise ValueError(f"{path}: header says m={m} but the second line says {m2}")
    pos = 4
    p = np.zeros((m, n), dtype=np.int64)
    for j in range(n):
        row = _ints(path, tok, pos, 2 * m, f"processing times of job {j}")
        pos += 2 * m
        if row[0::2] != list(range(m)):
            raise ValueError(f"{path}: job {j}: machine indices {row[0::2]} are not 0..{m - 1}")
        p[:, j] = row[1::2]
    if pos >= len(tok) or tok[pos] != "SSD":
        raise ValueError(f"{path}: expected 'SSD' after {n} processing-time lines")
    pos += 1
    setup = np.zeros((m, n, n), dtype=np.int64)
    for k in range(m):
        if pos >= len(tok) or tok[pos] != f"M{k}":
            found = tok[pos] if pos < len(tok) else "end of file"
            raise ValueError(f"{path}: expected setup header 'M{k}', found {found!r}")
        vals = _ints(path, tok, pos + 1, n * n, f"setup matrix M{k}")
        setup[k] = np.array(vals, dtype=np.int64).reshape(n, n)
        pos += 1 + n * n
    if pos != len(tok):
        raise ValueError(f"{path}: {len(tok) - pos} unexpected trailing tokens")
    if (p < 0).any() or (setup < 0).any():
        raise ValueError(f"{path}: negative processing or setup time")
    return Instance(name=instance_name(path), p=p, setup=setup)


def instance_name(path: Path | str) -> str:
    """``I_150_10_S_1-49_1`` for ``.../I_150_10_S_1-49_1.txt`` and for ``....txt.gz``."""
    name = Path(path).name
    for suffix in (".gz", ".txt"):
        name = name.removesuffix(suffix)
    return name


def read_instance(path: Path | str) -> Instance:
    """Read one instance file, plain or gzipped (``.gz``); ValueError naming the file if bad."""
    path = Path(path)
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rt") as fh:
                text = fh.read()
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not a readable gzip text file: {exc}") from None
    else:
        text = path.read_text()
    return parse_instance(text, path)


# --------------------------------------------------------------------------- evaluation


def check_assignment(instance: Instance, assignment: Sequence[Sequence[int]]) -> None:
    """Raise ValueError unless every job appears exactly once on one of the m machines."""
    if len(assignment) != instance.m:
        raise ValueError(f"{len(assignment)} machine sequences for {instance.m} machines")
    seen = sorted(j for seq in assignment for j in seq)
    if seen != list(range(instance.n)):
        raise ValueError(f"assignment is not a partition of jobs 0..{instance.n - 1}")


def machine_completions(instance: Instance, assignment: Sequence[Sequence[int]]) -> list[int]:
    """C_k per machine, computed with plain Python loops (independent of the solver)."""
    check_assignment(instance, assignment)
    out = []
    for k, seq in enumerate(assignment):
        total = 0
        prev: int | None = None
        for j in seq:
            total += int(instance.p[k, j])
            if prev is not None:  # no setup before the first job of a machine
                total += int(instance.setup[k, prev, j])
            prev = j
        out.append(total)
    return out


def makespan(instance: Instance, assignment: Sequence[Sequence[int]]) -> int:
    """C_max of a complete assignment (one job sequence per machine)."""
    return max(machine_completions(instance, assignment))


def lower_bound(instance: Instance) -> int:
    """A cheap valid lower bound on C_max.

    Every job costs at least a_j = min_k p[k, j]; all but at most m jobs (the first on each
    machine) also pay a setup, so they cost at least b_j = min_k (p[k, j] + min_i S_k[i][j]).
    The total work is spread over m machines, and no machine can finish before its longest job.
    """
    n, m = instance.n, instance.m
    a = instance.p.min(axis=0)
    if n == 1:
        return int(a[0])
    s = instance.setup.copy()
    idx = np.arange(n)
    s[:, idx, idx] = np.iinfo(np.int64).max // 4  # a job never precedes itself
    b = (instance.p + s.min(axis=1)).min(axis=0)
    extra = np.sort(b - a)[: max(n - m, 0)].sum()
    total = int(a.sum() + extra)
    return max(-(-total // m), int(a.max()))


# --------------------------------------------------------------------------- solving


def _worker(
    args: tuple[Instance, float, int, int | None, tuple[float, ...], float, bool],
) -> SearchResult:
    inst, limit, seed, max_iter, checkpoints, start, cpu_clock = args
    return iterated_greedy(
        inst.p,
        inst.setup,
        time_limit=limit,
        seed=seed,
        max_iterations=max_iter,
        checkpoints=checkpoints,
        start=start,
        cpu_clock=cpu_clock,
    )


def solve(
    instance: Instance,
    time_limit: float = 10.0,
    *,
    seed: int = 0,
    workers: int = 2,
    max_iterations: int | None = None,
    checkpoints: Sequence[float] = (),
    exact: bool = True,
    cpu_clock: bool = False,
) -> SolveResult:
    """Minimise the makespan within ``time_limit`` seconds (wall clock).

    Tiny instances (n <= EXACT_MAX_JOBS) are solved exactly by subset DP. Otherwise ``workers``
    processes run the iterated greedy, the first with ``seed``, the others with seeds hashed
    from it (:func:`~mixshare.engine.pool.worker_seed`), and the best is kept.
    With ``workers=1`` the search runs in-process and, for a fixed seed and ``max_iterations``,
    is fully deterministic (a time limit only cuts the same trajectory earlier or later).
    ``cpu_clock``: each worker's limit and checkpoints count its own CPU seconds (a shared,
    loaded machine then measures what the search does with a core of its own).
    """
    start = time.perf_counter()
    lb = lower_bound(instance)
    if exact and instance.n <= EXACT_MAX_JOBS:
        assign, value = solve_exact(instance.p, instance.setup)
        cps = dict.fromkeys(checkpoints, value)
        return SolveResult(
            assign, value, value, time.perf_counter() - start, True, "exact-dp", checkpoints=cps
        )
    # leave a little slack for process start-up and result transfer
    limit = max(0.05, time_limit - 0.15 - 0.1 * (workers > 1))
    cps_t = tuple(sorted(checkpoints))
    if cpu_clock:
        limit = time_limit
    # the first worker keeps ``seed`` (a one-worker run is unchanged); the others hash it
    seeds = [seed] + [worker_seed(seed, w) for w in range(1, workers)]
    jobs = [(instance, limit, s, max_iterations, cps_t, start, cpu_clock) for s in seeds]
    if workers <= 1:
        results = [_worker(jobs[0])]
    else:
        # fork keeps start-up cheap; perf_counter is CLOCK_MONOTONIC, shared by children
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.map(_worker, jobs)
    best = min(results, key=lambda r: (r.makespan, results.index(r)))
    merged = {t: min(r.checkpoints[t] for r in results) for t in cps_t}
    value = makespan(instance, best.assignment)  # re-evaluate independently of bookkeeping
    if value != best.makespan:
        raise RuntimeError(f"solver bookkeeping {best.makespan} != evaluator {value}")
    return SolveResult(
        assignment=best.assignment,
        makespan=value,
        lower_bound=lb,
        seconds=time.perf_counter() - start,
        optimal=value == lb,
        method=f"iterated-greedy x{max(workers, 1)}",
        iterations=sum(r.iterations for r in results),
        cpu_seconds=sum(r.cpu_seconds for r in results),
        evaluations=sum(r.evaluations for r in results),
        checkpoints=merged,
    )


# --------------------------------------------------------------------------- solution files


def format_solution(assignment: Sequence[Sequence[int]]) -> str:
    """One line per machine, in machine order, job indices separated by spaces."""
    return "".join(" ".join(str(j) for j in seq) + "\n" for seq in assignment)


def parse_solution(text: str, m: int) -> Assignment:
    """Inverse of :func:`format_solution` (empty machines are empty lines)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != m:
        raise ValueError(f"solution has {len(lines)} lines, expected {m}")
    return [[int(tok) for tok in line.split()] for line in lines]
