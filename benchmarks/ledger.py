"""A month's energy ledger from ~28,000 batch records, on SQLite and PostgreSQL.

    python benchmarks/ledger.py [--batches 28000] [--runs 3] [--databases sqlite,postgresql]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each database gets a fresh, migrated schema with ten members (one compound each), two lines,
the shipped Zhejiang tariffs and energy factors, and a month (December 2026) of batch records
bulk-inserted (not through the ingest service, which ``execution_ingest.py`` measures): both
lines back to back around the clock, 60 % masterbatches and 40 % final batches each consuming
the member's previous masterbatch, every batch with its compressed 1 Hz curve (one of 50
realistic curves of ``mixshare.execution.samples``), and daily meter readings per line
(batch energy + 8 % idle). The clock measures ``ledger.service.energy_ledger`` for the month
(whole center, then one member): the query, pass masses, pricing every batch by the minute
(curves decoded for each batch crossing a 15-minute boundary, for the split by TOU period and
the peak demand), the roll-ups and the meter reconciliation. Median of ``--runs``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import time
from datetime import datetime, timedelta
from typing import Any

from scratch_db import DEFAULT_SERVER, scratch_database
from sqlalchemy import insert, select, text

from mixshare import migrate
from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule, Compound, CompoundVersion
from mixshare.db import get_engine, session_factory
from mixshare.execution import curves
from mixshare.execution.models import Batch, BatchConsumption, BatchCurve
from mixshare.execution.samples import curve
from mixshare.ledger import service
from mixshare.ledger.models import MeterReading
from mixshare.ledger.service import load_seed_factors
from mixshare.lines.models import Line, LineStage
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.tariffs.service import load_seed_tariffs

MONTH = "2026-12"
START = datetime(2026, 12, 1)
MEMBERS = [f"M{n:02d}" for n in range(1, 11)]
CAMPAIGN = 30  # batches of one member in a row on a line
CHUNK = 2000


def seed_center(url: str) -> dict[str, Any]:
    with session_factory(url)() as session:
        for code, category in (("NR", "polymer"), ("N330", "filler"), ("S", "curative")):
            session.add(Material(code=code, name=code, category=category))
        for code in MEMBERS:
            session.add(Member(code=code, name=code))
        lines = []
        for code in ("L1", "L2"):
            line = Line(code=code, name=code, net_volume_l=420, rated_power_kw=1500)
            line.stage_settings = [
                LineStage(stage=s, fill_factor=0.72, cycle_minutes=3.0, kwh_per_kg=0.2)
                for s in ("MB", "FB")
            ]
            session.add(line)
            lines.append(line)
        session.add(ChangeoverRule(priority=100, name="anything goes", minutes=10))
        session.flush()
        for code in MEMBERS:
            recipe = {
                "member": code, "code": "BELT", "name": "belt", "polymer_family": "NR",
                "colour_class": "black", "density": 1.15,
                "ingredients": [
                    {"stage": "MB", "material": "NR", "phr": 100},
                    {"stage": "MB", "material": "N330", "phr": 50},
                    {"stage": "FB", "material": "S", "phr": 2},
                ],
            }  # fmt: skip
            compounds.create_compound(session, recipe)
        load_seed_tariffs(session)
        load_seed_factors(session)
        session.commit()
        members = {code: id_ for code, id_ in session.execute(select(Member.code, Member.id))}
        query = (
            select(Member.code, CompoundVersion.id)
            .join(Compound, Compound.id == CompoundVersion.compound_id)
            .join(Member, Member.id == Compound.member_id)
        )
        versions = {member: version_id for member, version_id in session.execute(query)}
        return {
            "members": members,
            "versions": versions,
            "lines": {line.code: line.id for line in lines},
        }


def _blobs(count: int) -> list[tuple[bytes, float, str]]:
    rng = random.Random(11)
    made = []
    for n in range(count):
        stage = "MB" if n % 5 < 3 else "FB"
        signals = curve(stage, 170 if stage == "MB" else 150, rng)
        kwh = round(sum(signals["power_kw"]) / 3600, 2)
        made.append((curves.encode(signals), kwh, stage))
    return made


def generate(url: str, ids: dict[str, Any], total: int) -> int:
    """``total`` batches over December on both lines; returns how many were inserted."""
    blobs = _blobs(50)
    mb = [b for b in blobs if b[2] == "MB"]
    fb = [b for b in blobs if b[2] == "FB"]
    per_line = total // 2
    slot = (31 * 86400) / per_line
    batches, curves_rows, consumed, readings = [], [], [], []
    batch_id = 0
    now = datetime(2027, 1, 1)
    for line_code, line_id in ids["lines"].items():
        last_mb: dict[str, int] = {}
        meter = 1_000_000.0
        day_kwh = 0.0
        day = START
        readings.append((line_id, START, meter))
        for n in range(per_line):
            member = MEMBERS[(n // CAMPAIGN + (line_code == "L2") * 5) % len(MEMBERS)]
            stage = "FB" if n % 5 >= 3 and member in last_mb else "MB"
            pool = fb if stage == "FB" else mb
            blob, kwh, _s = pool[n % len(pool)]
            started = START + timedelta(seconds=n * slot)
            seconds = 150 if stage == "FB" else 170
            while started >= day + timedelta(days=1):
                meter += day_kwh * 1.08
                day += timedelta(days=1)
                readings.append((line_id, day, meter))
                day_kwh = 0.0
            day_kwh += kwh
            batch_id += 1
            kg = 6.0 if stage == "FB" else 330.0
            batches.append({
                "id": batch_id, "line_id": line_id, "code": f"{line_code}-{n:06d}",
                "lot_code": None, "order_id": None,
                "compound_version_id": ids["versions"][member],
                "member_id": ids["members"][member], "stage": stage,
                "started_at": started, "ended_at": started + timedelta(seconds=seconds),
                "operator": "bench", "dump_temperature_c": 150.0 if stage == "MB" else 105.0,
                "energy_kwh": kwh, "energy_from_curve": False, "target_kg": kg, "actual_kg": kg,
                "state": "mixed", "has_deviation": False, "deviations": [],
                "content_hash": hashlib.sha256(f"{line_code}{n}".encode()).hexdigest(),
                "source": "simulator", "received_at": now, "received_by": None,
            })  # fmt: skip
            curves_rows.append(
                {"batch_id": batch_id, "hz": 1.0, "samples": seconds, "codec": curves.CODEC,
                 "data": blob}
            )  # fmt: skip
            if stage == "FB":
                consumed.append(
                    {"batch_id": batch_id, "position": 0,
                     "consumed_code": f"{line_code}-{last_mb[member]:06d}",
                     "consumed_batch_id": last_mb[member]}
                )  # fmt: skip
            else:
                last_mb[member] = batch_id
        meter += day_kwh * 1.08
        readings.append((line_id, day + timedelta(days=1), meter))
    _insert(url, batches, curves_rows, consumed, readings, now)
    return len(batches)


def _insert(
    url: str,
    batches: list[dict[str, Any]],
    curve_rows: list[dict[str, Any]],
    consumed: list[dict[str, Any]],
    readings: list[tuple[int, datetime, float]],
    now: datetime,
) -> None:
    with session_factory(url)() as session:
        tables = ((Batch, batches), (BatchCurve, curve_rows), (BatchConsumption, consumed))
        for table, rows in tables:
            for at in range(0, len(rows), CHUNK):
                session.execute(insert(table), rows[at : at + CHUNK])
        session.execute(
            insert(MeterReading),
            [
                {"line_id": line, "meter": "main", "read_at": at, "cumulative_kwh": round(kwh, 1),
                 "source": "bench", "imported_at": now}
                for line, at, kwh in readings
            ],
        )  # fmt: skip
        session.commit()
        if url.startswith("postgresql"):
            session.execute(text("SELECT setval('batch_id_seq', (SELECT max(id) FROM batch))"))
            session.execute(text("ANALYZE"))
            session.commit()


def time_ledger(url: str, member_id: int | None) -> tuple[float, float, dict[str, Any]]:
    factory = session_factory(url)
    with factory() as session:
        started, cpu = time.perf_counter(), time.process_time()
        ledger = service.energy_ledger(session, month=MONTH, member_id=member_id)
        return time.perf_counter() - started, time.process_time() - cpu, ledger


def run(url: str, batches: int, runs: int) -> list[str]:
    migrate.upgrade(url)
    ids = seed_center(url)
    made = generate(url, ids, batches)
    rows = []
    for label, member in (("center", None), ("member M03", ids["members"]["M03"])):
        timings = [time_ledger(url, member) for _ in range(runs)]
        ledger = timings[-1][2]
        wall = statistics.median(t[0] for t in timings)
        cpu = statistics.median(t[1] for t in timings)
        shown = ", ".join(f"{t[0]:.2f}" for t in timings)
        totals = ledger["totals"]
        rows.append(
            f"{label:<11} {totals['batches']:>8} {totals['kwh']:>11,.0f} "
            f"{totals['cost_yuan']:>13,.2f} {wall:>7.2f} {cpu:>7.2f} {shown:>18}"
        )
    get_engine(url).dispose()
    print(f"  {made} batches inserted", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--batches", type=int, default=28_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--url",
        default=DEFAULT_SERVER,
        help="PostgreSQL server (a scratch database is created and dropped on it)",
    )
    args = parser.parse_args()
    print(
        f"energy ledger of {MONTH} from {args.batches:,} batch records, {args.runs} run(s); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    header = (
        f"{'database':<11} {'view':<11} {'batches':>8} {'kWh':>11} {'cost yuan':>13} "
        f"{'wall s':>7} {'CPU s':>7} {'runs (wall s)':>18}"
    )
    lines = [header]
    for database in args.databases.split(","):
        with scratch_database(database, args.url, "ledger") as url:
            rows = run(url, args.batches, args.runs)
        lines += [f"{database:<11} {row}" for row in rows]
    print("\n".join(lines))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
