"""The twin's speed: one replication of the demo center's 4 weeks, both arms.

A temporary SQLite database is migrated and the demo center (seed 7, from 2031-03-03) loaded;
``mixshare.twin.source.center_input`` turns its weeks into the twin's plain input (as
``mixshare twin`` does). Printed per arm: wall time, the engine's share (re-plans of the
shared arm), simulation events and events per second of the simulation alone (engine time
excluded).

    python benchmarks/twin.py [--weeks 4] [--iterations 10] [--replan-hours 24]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mixshare.twin import assumptions
from mixshare.twin.common import draw
from mixshare.twin.data import Settings, TwinInput
from mixshare.twin.run import engine_planner
from mixshare.twin.shared import SharedArm
from mixshare.twin.standalone import run_standalone


def demo_input(weeks: int) -> TwinInput:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from mixshare import migrate
    from mixshare.demo.generator import load_demo_center
    from mixshare.twin.source import center_input

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='mixshare-twin-')) / 'demo.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        load_demo_center(session, seed=7, weeks=4, start=date(2031, 3, 3))
        session.commit()
        inp = center_input(session, weeks=weeks)
    engine.dispose()
    return inp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=10, help="engine iterations per re-plan")
    ap.add_argument("--replan-hours", type=float, default=24.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    inp = demo_input(args.weeks)
    a = assumptions.load()
    settings = Settings(
        replications=1,
        seed=args.seed,
        engine_iterations=args.iterations,
        replan_hours=args.replan_hours,
    )
    draws = draw(inp, settings, 0)
    began = time.perf_counter()
    arm = SharedArm(inp, settings, a, 0, draws, engine_planner(settings))
    shared = arm.run()
    shared_wall = time.perf_counter() - began
    began = time.perf_counter()
    alone = run_standalone(inp, settings, a, 0, draws)
    alone_wall = time.perf_counter() - began
    table = Table(
        title=f"twin: 1 replication, {args.weeks} weeks of the demo center, "
        f"{len(inp.lots)} lots, engine {args.iterations} iterations per re-plan "
        f"every {args.replan_hours:g} h"
    )
    for column in ("arm", "wall s", "engine s", "re-plans", "sim s", "events", "events/s"):
        table.add_column(column, justify="right")
    for name, result, wall, plans in (
        ("shared", shared, shared_wall, arm.plans),
        ("standalone", alone, alone_wall, 0),
    ):
        sim = max(result.sim_seconds, 1e-9)
        table.add_row(
            name,
            f"{wall:.1f}",
            f"{result.engine_seconds:.1f}",
            str(plans),
            f"{sim:.2f}",
            f"{result.events:,}",
            f"{result.events / sim:,.0f}",
        )
    table.add_row("both", f"{shared_wall + alone_wall:.1f}", "", "", "", "", "")
    Console().print(table)


if __name__ == "__main__":
    main()
