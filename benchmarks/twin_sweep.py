"""The twin's scenario sweeps on Dask distributed: wall time on 1, 2 and 4 worker processes.

The demo center (seed 7, from 2031-03-03, as ``benchmarks/twin.py``) gives one week of
demand; the sweep is a sizing grid, demand levels from 40 to 160 kt/yr x 1-4 lines (100
scenarios = 25 levels x 4 lines by default), each replication one week of the shared arm
(the engine re-planning daily, ``--iterations`` per re-plan) and, with ``--arms both``, the
standalone arm. Each worker count runs on a fresh ``distributed.LocalCluster`` of that many
single-threaded worker processes (``--backend pool``: a local process pool instead); cluster
start-up is timed apart from the sweep. Every worker count must give identical outcomes
(checked). Printed: median wall time of ``--runs`` runs, tasks/s, speed-up over 1 worker and
the load average before and after.

    python benchmarks/twin_sweep.py [--scenarios 100] [--replications 5] [--workers 1,2,4]
                                    [--grid sizing|sensitivity] [--arms shared|both]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table

from mixshare.twin import assumptions
from mixshare.twin.data import Settings
from mixshare.twin.results import kpis
from mixshare.twin.size import scenarios as size_scenarios
from mixshare.twin.sweep import Outcome, Scenario, executor, sweep
from twin import demo_inputs


@contextmanager
def backend(kind: str, workers: int) -> Iterator[Executor]:
    if kind == "pool":
        with executor(None, workers) as pool:
            yield pool
        return
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor(pure=False)


def sensitivity(count: int, a: assumptions.Assumptions) -> list[Scenario]:
    """``count`` scenarios of a one-at-a-time sensitivity sweep on the stored center: every
    assumption with a range at its low and at its high end, then demand scaled by 0.8-1.2
    (the stored lines) until ``count`` is reached."""
    ends = [
        Scenario(f"{key}={end:g}", values=((key, end),))
        for key, x in sorted(a.values.items())
        if x.low != x.high
        for end in (x.low, x.high)
    ]
    scales = [0.8 + 0.4 * k / max(1, count - len(ends) - 1) for k in range(count - len(ends))]
    return (ends + [Scenario(f"demand x{s:.3f}", demand_scale=s) for s in scales])[:count]


def grid(count: int) -> tuple[list[float], list[int]]:
    """``count`` scenarios: demand levels evenly from 40 to 160 kt/yr x 1..4 lines."""
    lines = [1, 2, 3, 4] if count >= 4 else [2]
    levels = max(1, count // len(lines))
    step = 120.0 / (levels - 1) if levels > 1 else 0.0
    return [round(40.0 + k * step, 3) for k in range(levels)], lines


def fingerprint(outcomes: list[Outcome]) -> list[tuple[int, int, str, float, float]]:
    a = assumptions.load()
    out = []
    for o in outcomes:
        for arm, result in sorted(o.arms.items()):
            k = kpis(result, a)
            out.append((o.scenario, o.replication, arm, k["on_time_rate"], k["cost_per_t"]))
    return out


def tick(done: int, total: int) -> None:
    print(f"  {done}/{total} tasks, load {load()}", flush=True)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=100)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--weeks", type=int, default=1)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--runs", type=int, default=1, help="runs per worker count (median)")
    ap.add_argument("--iterations", type=int, default=1, help="engine iterations per re-plan")
    ap.add_argument("--drain-days", type=float, default=2.0)
    ap.add_argument("--arms", choices=("shared", "both"), default="shared")
    ap.add_argument("--backend", choices=("dask", "pool"), default="dask")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--grid",
        choices=("sizing", "sensitivity"),
        default="sizing",
        help="sizing: 40-160 kt/yr x 1-4 lines; sensitivity: each assumption's low and high "
        "end, then demand x0.8-1.2, on the stored center",
    )
    args = ap.parse_args()
    console = Console(highlight=False)
    inp = demo_inputs([args.weeks])[args.weeks]
    a = assumptions.load()
    if args.grid == "sizing":
        levels, lines = grid(args.scenarios)
        plan = size_scenarios(inp, levels, lines)
        what = f"{len(levels)} demand levels {levels[0]:g}-{levels[-1]:g} kt/yr x lines {lines}"
    else:
        plan = sensitivity(args.scenarios, a)
        what = "one assumption at its low or high end, or demand x0.8-1.2, stored lines"
    settings = Settings(
        replications=args.replications,
        seed=args.seed,
        engine_iterations=args.iterations,
        drain_days=args.drain_days,
    )
    arms = ("shared",) if args.arms == "shared" else ("shared", "standalone")
    tasks = len(plan) * args.replications
    console.print(
        f"sweep: {len(plan)} scenarios ({what}) x {args.replications} replications of "
        f"{args.weeks} week(s) = {tasks} tasks, arms {arms}, engine {args.iterations} "
        f"iteration(s) per re-plan, {args.drain_days:g} drain days, backend {args.backend}, "
        f"{os.cpu_count()} CPUs"
    )
    rows = []
    reference = None
    for workers in [int(w) for w in args.workers.split(",")]:
        walls, starts, before = [], [], load()
        for _ in range(args.runs):
            began = time.perf_counter()
            with backend(args.backend, workers) as pool:
                ready = time.perf_counter()
                outcomes = sweep(pool, inp, plan, settings, a, arms=arms, done=tick)
                walls.append(time.perf_counter() - ready)
            starts.append(ready - began)
            marks = fingerprint(outcomes)
            assert reference is None or marks == reference, "outcomes differ by worker count"
            reference = marks
        rows.append((workers, statistics.median(walls), statistics.median(starts), before, load()))
        console.print(f"{workers} worker(s): {walls} s (load {load()})")
    base = rows[0][1]
    table = Table(title=f"{len(plan)} scenarios x {args.replications} replications = {tasks} tasks")
    for column in ("workers", "wall s", "start s", "tasks/s", "speed-up", "load before", "after"):
        table.add_column(column, justify="right")
    for workers, wall, start, before, after in rows:
        table.add_row(
            str(workers),
            f"{wall:.1f}",
            f"{start:.1f}",
            f"{tasks / wall:.3f}",
            f"{base / wall:.2f}",
            before,
            after,
        )
    console.print(table)
    console.print("identical outcomes on every worker count: yes")


if __name__ == "__main__":
    main()
