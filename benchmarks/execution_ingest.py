"""Batch ingest throughput (with and without golden-curve scoring) and storage per batch.

    python benchmarks/execution_ingest.py [--batches 2000] [--runs 3] [--seconds 200]
        [--url sqlite] [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--golden both|no|yes] [--baseline /path/to/other/checkout]

Each run: a fresh, migrated database with a small center (one line, one compound, raw lots),
then ``--batches`` masterbatch documents with full ``--seconds`` × 5-signal 1 Hz curves
(:mod:`mixshare.execution.samples`) go through the one ingest service in one process, in
chunks of 200 documents per committed transaction (as ``mixshare ingest batches`` does).
Documents are generated before the clock starts. ``--url sqlite`` is a temporary SQLite file;
a PostgreSQL URL names the server on which a temporary database is created (and dropped).

``--golden``: "no" ingests with no golden curve (nothing to score by); "yes" first stores a
golden curve of the compound, stage and line (built from 30 documents' curves by
:mod:`mixshare.quality.golden`), so every new batch is scored as it is ingested; the table
counts the scores written by the ingest ("scored").

The machine may be shared: besides documents per second of wall-clock time (including the
commits), the table gives the CPU milliseconds per document of this process
(``time.process_time``), which a loaded machine changes much less; and the load average
before each row. ``--baseline DIR`` runs every measurement once with the code of ``DIR/src``
and once with this checkout's, alternately (each run in a fresh interpreter, the
baseline's via ``PYTHONPATH``), so both see the same load. Figures are medians of the runs.

Bytes per batch: on SQLite the growth of the database file after ``VACUUM`` divided by the
batches; on PostgreSQL ``pg_total_relation_size`` (heap, TOAST, indexes) of the execution
tables and the score table divided by the batches. The curve blob alone is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from scratch_db import DEFAULT_SERVER, scratch_postgres, scratch_sqlite
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from mixshare import migrate
from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule, CompoundVersion
from mixshare.db import get_engine, session_factory
from mixshare.execution import service
from mixshare.execution.models import BatchCurve
from mixshare.execution.samples import BatchFactory, IngredientSpec
from mixshare.lines.models import Line, LineStage
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.quality import golden
from mixshare.quality.models import CurveScore, GoldenCurve

CHUNK = 200
TABLES = ("batch", "batch_ingredient", "batch_consumption", "batch_curve", "curve_score")
YEAR = 330_000  # batches of two lines in a year (issue 8)
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


def store_golden(url: str, seconds: int) -> None:
    """A golden curve of M01.BELT.v1 / MB / L1 from 30 documents' curves (other seeds than
    the measured documents), as a release would have built it."""
    factory = BatchFactory(
        line="L1",
        compound="M01.BELT.v1",
        stage="MB",
        seconds=seconds,
        ingredients=[IngredientSpec(c, kg, f"R-{c}") for c, _p, kg in RECIPE],
        seed=99,
    )
    aligned = [golden.align(factory.next()["curve"]) for _ in range(30)]
    reference = golden.build_reference(aligned)
    with session_factory(url)() as session:
        version = session.scalars(select(CompoundVersion)).one()
        line = session.scalars(select(Line)).one()
        session.add(
            GoldenCurve(
                compound_version_id=version.id,
                stage="MB",
                line_id=line.id,
                built_at=datetime(2026, 12, 1, 8, 0),
                batches=reference.batches,
                reference=reference.to_json(),
            )
        )
        session.commit()


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


def stored(url: str) -> tuple[float, int]:
    """The mean curve blob's bytes and the number of scores written."""
    with session_factory(url)() as session:
        blob = float(session.scalar(select(func.avg(func.length(BatchCurve.data)))) or 0)
        return blob, int(session.scalar(select(func.count()).select_from(CurveScore)) or 0)


def prepare(url: str, docs: list[dict[str, Any]], with_golden: bool) -> None:
    """The center on a migrated, empty database, with the golden curve when asked."""
    seed(url)
    if with_golden:
        store_golden(url, len(docs[0]["curve"]["power_kw"]))


def measure(url: str, docs: list[dict[str, Any]]) -> dict[str, float]:
    """One timed ingest of ``docs`` into the prepared database at ``url``."""
    load = os.getloadavg()[0]
    seconds, cpu = ingest_all(url, docs)
    blob, scored = stored(url)
    return {
        "docs_per_s": len(docs) / seconds,
        "cpu_ms": cpu / len(docs) * 1000,
        "blob": blob,
        "scored": scored,
        "load": load,
    }


def sqlite_run(docs: list[dict[str, Any]], with_golden: bool) -> dict[str, float]:
    with scratch_sqlite("bench.db") as url:
        path = Path(str(make_url(url).database))
        migrate.upgrade(url)
        prepare(url, docs, with_golden)
        with get_engine(url).connect() as conn:
            conn.exec_driver_sql("VACUUM")
        before = path.stat().st_size
        result = measure(url, docs)
        with get_engine(url).connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
        result["bytes"] = (path.stat().st_size - before) / len(docs)
        return result


def postgres_run(server: str, docs: list[dict[str, Any]], with_golden: bool) -> dict[str, float]:
    with scratch_postgres(server, "mixshare_ingest") as url:
        migrate.upgrade(url)
        prepare(url, docs, with_golden)
        with get_engine(url).connect() as conn:
            before = sum(
                conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar_one()
                for t in TABLES
            )
        result = measure(url, docs)
        with get_engine(url).connect() as conn:
            size = -before + sum(
                conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar_one()
                for t in TABLES
            )
        result["bytes"] = size / len(docs)
        return result


def one_run(url: str, docs: list[dict[str, Any]], with_golden: bool) -> dict[str, float]:
    return (
        sqlite_run(docs, with_golden) if url == "sqlite" else postgres_run(url, docs, with_golden)
    )


def in_subprocess(args: argparse.Namespace, url: str, golden_: bool, src: str | None) -> Any:
    """One run in a fresh interpreter, with the code of ``src`` (None: this checkout's)."""
    command = [
        sys.executable,
        __file__,
        "--one",
        "--url",
        url,
        "--golden",
        "yes" if golden_ else "no",
    ]
    command += ["--batches", str(args.batches), "--seconds", str(args.seconds)]
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def label(url: str) -> str:
    return "sqlite" if url == "sqlite" else make_url(url).get_backend_name()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=200)
    parser.add_argument("--url", action="append", help="sqlite, or a PostgreSQL server URL")
    parser.add_argument("--golden", choices=("both", "no", "yes"), default="both")
    parser.add_argument("--baseline", help="another checkout whose src/ is the old code")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    urls = args.url or ["sqlite", DEFAULT_SERVER]
    variants = {"both": [False, True], "no": [False], "yes": [True]}[args.golden]
    if args.one:  # a run for --baseline: one measurement as JSON
        docs = documents(args.batches, args.seconds)
        print(json.dumps(one_run(urls[0], docs, variants[0])))
        return
    codes: list[tuple[str, str | None]] = [("this", None)]
    if args.baseline:
        codes = [("baseline", str(Path(args.baseline) / "src")), *codes]
    docs = [] if args.baseline else documents(args.batches, args.seconds)
    print(
        f"{args.batches} batch documents, {args.seconds} s x 5 signals at 1 Hz, {args.runs} "
        f"run(s) each; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start"
    )
    results: dict[tuple[str, str, bool], list[dict[str, float]]] = {}
    for run in range(args.runs):
        for code, src in codes if run % 2 == 0 else codes[::-1]:  # alternate who goes first
            for url in urls:
                for with_golden in variants:
                    found = (
                        in_subprocess(args, url, with_golden, src)
                        if args.baseline
                        else one_run(url, docs, with_golden)
                    )
                    results.setdefault((code, label(url), with_golden), []).append(found)
    print_table(results, args.baseline)


def print_table(
    results: dict[tuple[str, str, bool], list[dict[str, float]]], baseline: str | None
) -> None:
    print(
        f"{'code':<9} {'database':<11} {'golden':<7} {'docs/s':>7} {'CPU ms/doc':>11} "
        f"{'runs docs/s (load)':>30} {'bytes/batch':>12} {'curve blob':>11} {'scored':>7} "
        f"{'year GB':>8}"
    )
    for (code, database, with_golden), runs in results.items():

        def median(name: str, found: list[dict[str, float]] = runs) -> float:
            return statistics.median(r[name] for r in found)

        shown = ", ".join(f"{r['docs_per_s']:.0f} ({r['load']:.1f})" for r in runs)
        print(
            f"{code:<9} {database:<11} {'yes' if with_golden else 'no':<7} "
            f"{median('docs_per_s'):>7.0f} {median('cpu_ms'):>11.2f} {shown:>30} "
            f"{median('bytes'):>12.0f} {median('blob'):>11.0f} {median('scored'):>7.0f} "
            f"{YEAR * median('bytes') / 1e9:>8.2f}",
            flush=True,
        )
    if baseline:
        print(f"baseline: {baseline}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}; year GB: {YEAR:,} batches")


if __name__ == "__main__":
    main()
