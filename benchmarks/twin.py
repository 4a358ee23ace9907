"""The twin's speed: one replication of the demo center, both arms, for 1 and 4 weeks.

A temporary SQLite database is migrated and the demo center (seed 7, from 2031-03-03) loaded;
``mixshare.twin.source.center_input`` turns its weeks into the twin's plain input (as
``mixshare twin`` does). Printed per weeks and arm, the median of ``--runs`` runs: wall time
and CPU time of the process, the engine's share (re-plans of the shared arm; wall and CPU),
re-plans (and how many published the fresh plan), simulation events and events per second of
the simulation alone (engine time excluded), and the load average (1 min) before and after
the runs: the machine may be shared, so compare CPU times.

    python benchmarks/twin.py [--weeks 1 4] [--runs 3] [--iterations 10] [--rules 3]
                              [--replan-hours 24] [--warm-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mixshare.engine.problem import Problem
from mixshare.engine.solution import Schedule
from mixshare.twin import assumptions
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.common import draw
from mixshare.twin.data import Settings, TwinInput
from mixshare.twin.run import engine_planner
from mixshare.twin.shared import SharedArm
from mixshare.twin.standalone import run_standalone


def demo_inputs(weeks: list[int]) -> dict[int, TwinInput]:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from mixshare import migrate
    from mixshare.demo.generator import load_demo_center
    from mixshare.twin.source import center_input

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='mixshare-twin-')) / 'demo.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        load_demo_center(session, seed=7, weeks=max(weeks), start=date(2031, 3, 3))
        session.commit()
        inputs = {w: center_input(session, weeks=w) for w in weeks}
    engine.dispose()
    return inputs


@dataclass
class Run:
    wall: float
    cpu: float
    engine_wall: float = 0.0
    engine_cpu: float = 0.0
    replans: int = 0
    fresh: int = 0
    sim: float = 0.0
    events: int = 0


def shared_run(inp: TwinInput, settings: Settings, a: Assumptions) -> Run:
    base = engine_planner(settings)
    engine_cpu = 0.0

    def planner(problem: Problem, seed: int) -> Schedule:
        nonlocal engine_cpu
        began = time.process_time()
        schedule = base(problem, seed)
        engine_cpu += time.process_time() - began
        return schedule

    draws = draw(inp, settings, 0)
    wall, cpu = time.perf_counter(), time.process_time()
    arm = SharedArm(inp, settings, a, 0, draws, planner)
    result = arm.run()
    return Run(
        time.perf_counter() - wall,
        time.process_time() - cpu,
        result.engine_seconds,
        engine_cpu,
        arm.plans,
        arm.fresh_plans,
        result.sim_seconds,
        result.events,
    )


def standalone_run(inp: TwinInput, settings: Settings, a: Assumptions) -> Run:
    draws = draw(inp, settings, 0)
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_standalone(inp, settings, a, 0, draws)
    return Run(
        time.perf_counter() - wall,
        time.process_time() - cpu,
        sim=result.sim_seconds,
        events=result.events,
    )


def median(runs: list[Run], field: str) -> float:
    return statistics.median(float(getattr(r, field)) for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--weeks", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    ap.add_argument("--iterations", type=int, default=10, help="engine iterations per plan")
    ap.add_argument("--rules", type=int, default=3, help="construction rules (0: all)")
    ap.add_argument("--replan-hours", type=float, default=24.0)
    ap.add_argument("--warm-only", action="store_true", help="no fresh alternative plan")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    inputs = demo_inputs(args.weeks)
    a = assumptions.load()
    settings = Settings(
        replications=1,
        seed=args.seed,
        engine_iterations=args.iterations,
        engine_rules=args.rules,
        replan_hours=args.replan_hours,
        replan_fresh=not args.warm_only,
    )
    table = Table(
        title=f"twin: 1 replication of the demo center, median of {args.runs} runs; engine "
        f"{args.iterations} iterations, {args.rules or 'all'} construction rules, re-plan "
        f"every {args.replan_hours:g} h{' (warm start only)' if args.warm_only else ''}"
    )
    columns = (
        "weeks", "lots", "arm", "wall s", "cpu s", "engine wall s", "engine cpu s",
        "re-plans (fresh)", "sim s", "events", "events/s", "load 1 min",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for weeks, inp in inputs.items():
        for name, fn in (("shared", shared_run), ("standalone", standalone_run)):
            load = os.getloadavg()[0]
            runs = [fn(inp, settings, a) for _ in range(args.runs)]
            load_after = os.getloadavg()[0]
            sim = max(median(runs, "sim"), 1e-9)
            table.add_row(
                str(weeks),
                f"{len(inp.lots):,}",
                name,
                f"{median(runs, 'wall'):.1f}",
                f"{median(runs, 'cpu'):.2f}",
                f"{median(runs, 'engine_wall'):.1f}" if name == "shared" else "–",
                f"{median(runs, 'engine_cpu'):.1f}" if name == "shared" else "–",
                f"{runs[0].replans} ({runs[0].fresh})" if name == "shared" else "–",
                f"{sim:.2f}",
                f"{runs[0].events:,}",
                f"{median(runs, 'events') / sim:,.0f}",
                f"{load:.1f} → {load_after:.1f}",
            )
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
