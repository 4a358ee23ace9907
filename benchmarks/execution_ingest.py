"""Batch ingest throughput and storage per batch, on SQLite and PostgreSQL.

    python benchmarks/execution_ingest.py [--batches 2000] [--runs 3] [--seconds 200]
        [--databases sqlite,postgresql] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each run: a fresh, migrated database with a small center (one line, one compound, raw lots),
then ``--batches`` masterbatch documents with full ``--seconds`` × 5-signal 1 Hz curves
(:mod:`mixshare.execution.samples`) go through the one ingest service in one process, in
chunks of 200 documents per committed transaction (as ``mixshare ingest batches`` does).
Documents are generated before the clock starts. Throughput is documents per second of
wall-clock time including the commits; the table shows the median of the runs.

Bytes per batch: on SQLite the growth of the database file after ``VACUUM`` divided by the
batches; on PostgreSQL ``pg_total_relation_size`` (heap, TOAST, indexes) of the execution
tables divided by the batches. The curve blob alone is reported beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from mixshare import migrate
from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule
from mixshare.db import get_engine, session_factory
from mixshare.execution import service
from mixshare.execution.models import BatchCurve
from mixshare.execution.samples import BatchFactory, IngredientSpec
from mixshare.lines.models import Line, LineStage
from mixshare.materials.models import Material
from mixshare.members.models import Member

CHUNK = 200
TABLES = ("batch", "batch_ingredient", "batch_consumption", "batch_curve")
RECIPE = [
    ("NR", 60, 100.0),
    ("SBR", 40, 60.0),
    ("N330", 50, 90.0),
    ("OIL", 8, 15.0),
    ("ZNO", 3, 5.4),
    ("STEARIC", 2, 3.6),
    ("6PPD", 2, 3.6),
]


def seed(url: str) -> None:
    with session_factory(url)() as session:
        session.add(Member(code="M01", name="M01"))
        for code, _phr, _kg in RECIPE:
            category = {"NR": "polymer", "SBR": "polymer", "N330": "filler", "OIL": "oil"}
            session.add(Material(code=code, name=code, category=category.get(code, "chemical")))
        line = Line(code="L1", name="Line 1", net_volume_l=420, rated_power_kw=1500)
        line.stage_settings = [
            LineStage(stage="MB", fill_factor=0.72, cycle_minutes=3.0, kwh_per_kg=0.2)
        ]
        session.add(line)
        session.add(ChangeoverRule(priority=100, name="anything goes", minutes=10))
        session.flush()
        compounds.create_compound(
            session,
            {
                "member": "M01",
                "code": "BELT",
                "name": "belt",
                "polymer_family": "NR",
                "colour_class": "black",
                "has_final": False,
                "density": 1.15,
                "ingredients": [{"stage": "MB", "material": c, "phr": p} for c, p, _ in RECIPE],
            },
        )
        for code, _phr, _kg in RECIPE:
            service.receive_raw_lot(
                session,
                {
                    "code": f"R-{code}",
                    "material": code,
                    "quantity_kg": 1e6,
                    "received_at": datetime(2026, 12, 1, 8, 0),
                },
            )
        session.commit()


def documents(count: int, seconds: int) -> list[dict[str, Any]]:
    factory = BatchFactory(
        line="L1",
        compound="M01.BELT.v1",
        stage="MB",
        seconds=seconds,
        ingredients=[IngredientSpec(c, kg, f"R-{c}") for c, _p, kg in RECIPE],
        seed=7,
    )
    return [factory.next() for _ in range(count)]


def ingest_all(url: str, docs: list[dict[str, Any]]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of this process (the machine is shared: CPU time says what
    the work costs when a core is free for it)."""
    factory = session_factory(url)
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(docs), CHUNK):
        with factory() as session:
            report = service.ingest_and_commit(session, docs[start : start + CHUNK], source="cli")
            assert report.count("accepted") == len(docs[start : start + CHUNK]), report.summary()
    return time.perf_counter() - started, time.process_time() - cpu


def curve_bytes(url: str) -> float:
    with session_factory(url)() as session:
        return float(session.scalar(select(func.avg(func.length(BatchCurve.data)))) or 0)


def sqlite_run(docs: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        seed(url)
        with get_engine(url).connect() as conn:
            conn.exec_driver_sql("VACUUM")
        before = path.stat().st_size
        seconds, cpu = ingest_all(url, docs)
        with get_engine(url).connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
        size = (path.stat().st_size - before) / len(docs)
        blob = curve_bytes(url)
        get_engine(url).dispose()
        return len(docs) / seconds, len(docs) / cpu, size, blob


def postgres_run(server: str, docs: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    name = f"mixshare_ingest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        seed(url)
        seconds, cpu = ingest_all(url, docs)
        with get_engine(url).connect() as conn:
            size = sum(
                conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar_one()
                for t in TABLES
            )
        blob = curve_bytes(url)
        get_engine(url).dispose()
        return len(docs) / seconds, len(docs) / cpu, size / len(docs), blob
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "MIXSHARE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    docs = documents(args.batches, args.seconds)
    print(
        f"{args.batches} batch documents, {args.seconds} s x 5 signals at 1 Hz, {args.runs} "
        f"run(s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'database':<11} {'docs/s wall':>12} {'docs/CPU-s':>11} {'runs (wall)':>20} "
        f"{'bytes/batch':>12} {'curve blob':>11}"
    )
    per_batch = 0.0
    for database in args.databases.split(","):
        runs = [
            sqlite_run(docs) if database == "sqlite" else postgres_run(args.pg_url, docs)
            for _ in range(args.runs)
        ]
        shown = ", ".join(f"{r[0]:.0f}" for r in runs)
        per_batch = statistics.median(r[2] for r in runs)
        print(
            f"{database:<11} {statistics.median(r[0] for r in runs):>12.0f} "
            f"{statistics.median(r[1] for r in runs):>11.0f} {shown:>20} {per_batch:>12.0f} "
            f"{statistics.median(r[3] for r in runs):>11.0f}",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    year = 330_000 * per_batch
    print(f"a year of two lines (330,000 batches) at the last database's size: {year / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
