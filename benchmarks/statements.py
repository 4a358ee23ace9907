"""A month's statements for ten members from ~28,000 batch records, on SQLite and PostgreSQL.

    python benchmarks/statements.py [--batches 28000] [--members 10] [--runs 3]
        [--databases sqlite,postgresql]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each database gets a fresh, migrated schema filled by :func:`mixshare.demo.billing_month.
generate_month` (November 2026): ten members with three compounds each (two product classes,
black and light, a changeover rule asking a cleaning batch from black to light), two lines
running around the clock in campaigns of 10 masterbatches and 10 final batches that consume
them, every batch with a 1 Hz power curve, lab results on every fifth batch, the lines' meters
read at the month's start and end, the shipped tariffs, a cost model and a contract. The clock
measures all ten statements: :func:`mixshare.billing.compute.compute_month` (energy ledger
pricing by the minute, meter reconciliation, tolling, cleaning batches from each line's
sequence, lab tests, storage tonne-days, the cost game with Shapley, nucleolus and
proportional shares) and each member's document. Median of ``--runs``; the load average is
printed with every row (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from scratch_db import DEFAULT_SERVER, scratch_database
from sqlalchemy import text

from mixshare import migrate
from mixshare.billing import service
from mixshare.billing.compute import compute_month
from mixshare.db import get_engine, session_factory
from mixshare.demo.billing_month import generate_month

MONTH = "2026-11"


def time_statements(url: str, members: list[str]) -> tuple[float, float, int]:
    with session_factory(url)() as session:
        started, cpu = time.perf_counter(), time.process_time()
        billing = compute_month(session, MONTH)
        documents = [service.document_of(billing, member) for member in members]
        wall, used = time.perf_counter() - started, time.process_time() - cpu
    assert round(sum(d["total"] for d in documents) * 100) == billing.total_cents
    return wall, used, billing.total_cents


def run(url: str, batches: int, members: int, runs: int) -> str:
    migrate.upgrade(url)
    began = time.perf_counter()
    with session_factory(url)() as session:
        made = generate_month(session, month=MONTH, members=members, batches=batches)
        if url.startswith("postgresql"):
            session.execute(text("ANALYZE"))
            session.commit()
    generated = time.perf_counter() - began
    timings = [time_statements(url, made.members) for _ in range(runs)]
    get_engine(url).dispose()
    wall = statistics.median(t[0] for t in timings)
    cpu = statistics.median(t[1] for t in timings)
    shown = ", ".join(f"{t[0]:.2f}" for t in timings)
    return (
        f"{made.batches:>8,} {len(made.members):>7} {timings[-1][2] / 100:>15,.2f} "
        f"{wall:>7.2f} {cpu:>7.2f} {shown:>20} {os.getloadavg()[0]:>6.1f}   "
        f"(generated in {generated:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--batches", type=int, default=28_000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--url",
        default=DEFAULT_SERVER,
        help="PostgreSQL server (a scratch database is created and dropped on it)",
    )
    args = parser.parse_args()
    print(
        f"all statements of {MONTH} ({args.members} members) from {args.batches:,} batch records,"
        f" {args.runs} run(s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    header = (
        f"{'database':<11} {'batches':>8} {'members':>7} {'month yuan':>15} {'wall s':>7} "
        f"{'CPU s':>7} {'runs (wall s)':>20} {'load':>6}"
    )
    lines = [header]
    for database in args.databases.split(","):
        with scratch_database(database, args.url, "statements") as url:
            row = run(url, args.batches, args.members, args.runs)
        lines.append(f"{database:<11} {row}")
        print(lines[-1], flush=True)
    print("\n".join(lines))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
