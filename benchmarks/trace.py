"""Trace both ways on a generated year of two lines, on SQLite or PostgreSQL.

    python benchmarks/trace.py [--batches 330000] [--samples 6] [--runs 5] [--seed 7]
        [--url sqlite:///path.db | --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Without ``--url`` the year goes into a temporary SQLite file; a PostgreSQL ``--url`` names a
server (any database on it): a fresh database is created there and dropped afterwards.

The year: 10 members with 4 compounds each (one in four with a remill), mixed in campaigns of
20–90 batches on two lines: the masterbatches, for a remill compound a remill batch consuming
each masterbatch, then the final batches each consuming its masterbatch (or remill batch);
one final batch in five also consumes the masterbatch before its own (a split). Masterbatches
weigh seven raw materials, final batches two curatives; every material's receipt (raw lot) is
used by 50–200 batches before the next one is opened. Every final batch is delivered to its
member, ten to a delivery; masterbatches have a Mooney result, final batches two MDR results.
All rows are generated in memory and bulk-inserted with Core ``insert`` executemany (not ORM
objects), through the migrated schema, so the indexes are those of the migrations.

Timed: ``mixshare.trace.service`` plus the API's JSON model (what ``/api/v1/trace/…`` and
``mixshare trace … --format json`` do, without HTTP), for ``--samples`` random raw lots and
deliveries, each traced ``--runs`` times; the table shows, per direction and caller (the
center, or the owning member: the member-scoped walk), the median over the lots of each lot's
median, the slowest lot's median, the process's CPU time (median) and the median size of
the answer (batches, deliveries, raw lots and results listed).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scratch_db import scratch_postgres, scratch_sqlite
from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import Connection, make_url

from mixshare import migrate
from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule, Compound, CompoundVersion
from mixshare.db import get_engine, session_factory
from mixshare.execution.models import Batch, BatchConsumption, BatchIngredient, RawMaterialLot
from mixshare.lines.models import Line, LineStage
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.quality.models import LabResult, TestMethod
from mixshare.stock.models import Delivery, DeliveryBatch
from mixshare.trace import service
from mixshare.trace.schemas import delivery_read, raw_lot_read

MB_MATERIALS = [("NR", 100.0), ("SBR", 60.0), ("N330", 90.0), ("OIL", 15.0), ("ZNO", 5.4),
                ("STEARIC", 3.6), ("6PPD", 3.6)]  # fmt: skip
FB_MATERIALS = [("S", 3.0), ("TBBS", 2.4)]
CATEGORY = {"NR": "polymer", "SBR": "polymer", "N330": "filler", "OIL": "oil", "S": "curative",
            "TBBS": "curative"}  # fmt: skip
PHR = [("MB", "NR", 70), ("MB", "SBR", 30), ("MB", "N330", 50), ("MB", "OIL", 8),
       ("MB", "ZNO", 3), ("MB", "STEARIC", 2), ("MB", "6PPD", 2), ("FB", "S", 2),
       ("FB", "TBBS", 1.5)]  # fmt: skip
MEMBERS = [f"M{n:02d}" for n in range(1, 11)]
CYCLE = {"MB": 190, "RM": 150, "FB": 140}  # seconds a batch takes, changeovers included
START = datetime(2026, 1, 1, 0, 0)
CHUNK = 20_000


# --- the generated year ---------------------------------------------------------------------


@dataclass
class LotCounter:
    """Hands out raw lots of one material: each serves 50–200 weighings, then the next."""

    material: str
    material_id: int
    rng: random.Random
    rows: list[dict[str, Any]]
    left: int = 0
    current: tuple[int, str] = (0, "")

    def take(self, moment: datetime) -> tuple[int, str]:
        if self.left == 0:
            lot_id = len(self.rows) + 1
            code = f"R-{self.material}-{lot_id:06d}"
            self.rows.append(
                {
                    "id": lot_id,
                    "code": code,
                    "material_id": self.material_id,
                    "supplier": "S",
                    "supplier_lot": f"S{lot_id}",
                    "quantity_kg": 20000.0,
                    "received_at": moment,
                    "created_at": moment,
                }
            )
            self.current, self.left = (lot_id, code), self.rng.randint(50, 200)
        self.left -= 1
        return self.current


@dataclass
class Year:
    """Every row of the year, ready for executemany."""

    batches: list[dict[str, Any]] = field(default_factory=list)
    ingredients: list[dict[str, Any]] = field(default_factory=list)
    consumption: list[dict[str, Any]] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Generator:
    year: Year
    rng: random.Random
    line_ids: list[int]
    materials: dict[str, int]
    methods: dict[str, int]
    counters: dict[str, LotCounter] = field(default_factory=dict)
    clock: dict[int, datetime] = field(default_factory=dict)
    per_day: dict[tuple[int, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code, material_id in self.materials.items():
            self.counters[code] = LotCounter(code, material_id, self.rng, self.year.lots)
        self.clock = {line: START for line in self.line_ids}

    def batch(self, line: int, version: int, member: int, stage: str) -> int:
        started = self.clock[line]
        self.clock[line] = started + timedelta(seconds=CYCLE[stage])
        key = (line, f"{started:%Y%m%d}")
        self.per_day[key] = self.per_day.get(key, 0) + 1
        batch_id = len(self.year.batches) + 1
        self.year.batches.append(
            {
                "id": batch_id,
                "line_id": line,
                "code": f"L{line}-{key[1]}-{self.per_day[key]:04d}",
                "compound_version_id": version,
                "member_id": member,
                "stage": stage,
                "started_at": started,
                "ended_at": started + timedelta(seconds=CYCLE[stage] - 20),
                "operator": "op",
                "dump_temperature_c": 150.0 if stage != "FB" else 105.0,
                "energy_kwh": 40.0,
                "energy_from_curve": False,
                "target_kg": 300.0,
                "actual_kg": 300.4,
                "state": "released",
                "has_deviation": False,
                "deviations": [],
                "content_hash": f"{batch_id:064d}",
                "source": "simulator",
                "received_at": started,
            }
        )
        weighed = MB_MATERIALS if stage == "MB" else FB_MATERIALS if stage == "FB" else []
        for position, (material, kg) in enumerate(weighed):
            lot_id, code = self.counters[material].take(started)
            self.year.ingredients.append(
                {
                    "batch_id": batch_id,
                    "position": position,
                    "material_code": material,
                    "material_id": self.materials[material],
                    "raw_lot_code": code,
                    "raw_lot_id": lot_id,
                    "target_kg": kg,
                    "actual_kg": kg,
                }
            )
        return batch_id

    def consume(self, batch_id: int, consumed: Sequence[int]) -> None:
        for position, other in enumerate(consumed):
            code = self.year.batches[other - 1]["code"]
            self.year.consumption.append(
                {
                    "batch_id": batch_id,
                    "position": position,
                    "consumed_code": code,
                    "consumed_batch_id": other,
                }
            )

    def result(self, batch_id: int, method: str, value: float, at: datetime) -> None:
        self.year.results.append(
            {
                "batch_id": batch_id,
                "test_method_id": self.methods[method],
                "value": value,
                "measured_at": at,
                "entered_at": at,
                "source": "simulator",
                "note": "",
            }
        )

    def campaign(self, version: int, member: int, remill: bool) -> None:
        """One compound's campaign: MB on one line, RM and FB on the other."""
        n = self.rng.randint(20, 90)
        mb_line, fb_line = self.rng.sample(self.line_ids, 2)
        mbs = [self.batch(mb_line, version, member, "MB") for _ in range(n)]
        for mb in mbs:
            self.result(mb, "MOONEY", 55.0, self.year.batches[mb - 1]["ended_at"])
        if remill:
            rms = []
            for mb in mbs:
                rm = self.batch(fb_line, version, member, "RM")
                self.consume(rm, [mb])
                rms.append(rm)
            mbs = rms
        fbs = []
        for i, mb in enumerate(mbs):
            fb = self.batch(fb_line, version, member, "FB")
            split = i > 0 and self.rng.random() < 0.2
            self.consume(fb, [mbs[i - 1], mb] if split else [mb])
            at = self.year.batches[fb - 1]["ended_at"]
            self.result(fb, "MDR_MH", 18.0, at)
            self.result(fb, "MDR_T90", 6.0, at)
            fbs.append(fb)
        self.deliver(member, fbs)

    def deliver(self, member: int, fbs: list[int]) -> None:
        for start in range(0, len(fbs), 10):
            delivery_id = len(self.year.deliveries) + 1
            last = self.year.batches[fbs[min(start + 9, len(fbs) - 1)] - 1]["ended_at"]
            self.year.deliveries.append(
                {
                    "id": delivery_id,
                    "number": f"D-{delivery_id:06d}",
                    "member_id": member,
                    "delivered_at": last + timedelta(hours=8),
                    "created_at": last,
                    "note": "",
                }
            )
            for position, fb in enumerate(fbs[start : start + 10]):
                self.year.delivered.append(
                    {"delivery_id": delivery_id, "batch_id": fb, "position": position}
                )


def generate(count: int, seed: int, lines: list[int], catalog: dict[str, Any]) -> Year:
    rng = random.Random(seed)
    generator = Generator(Year(), rng, lines, catalog["materials"], catalog["methods"])
    versions: list[tuple[int, int, bool]] = catalog["versions"]
    while len(generator.year.batches) < count:
        version, member, remill = rng.choice(versions)
        generator.campaign(version, member, remill)
    return generator.year


# --- the database ---------------------------------------------------------------------------


def seed_center(url: str) -> dict[str, Any]:
    """Members, lines, materials and 40 compounds through the services; their ids."""
    with session_factory(url)() as session:
        session.add_all(Member(code=code, name=code) for code in MEMBERS)
        for code, _kg in MB_MATERIALS + FB_MATERIALS:
            session.add(Material(code=code, name=code, category=CATEGORY.get(code, "chemical")))
        for code in ("L1", "L2"):
            line = Line(code=code, name=code, net_volume_l=420, rated_power_kw=1500)
            line.stage_settings = [
                LineStage(stage=s, fill_factor=0.72, cycle_minutes=3.0, kwh_per_kg=0.2)
                for s in ("MB", "RM", "FB")
            ]
            session.add(line)
        session.add(ChangeoverRule(priority=100, name="anything goes", minutes=10))
        session.flush()
        for member in MEMBERS:
            for n in range(4):
                compounds.create_compound(session, _recipe(member, n))
        session.commit()
        versions = [
            (v.id, c.member_id, v.has_remill)
            for v, c in session.execute(select(CompoundVersion, Compound).join(Compound))
        ]
        return {
            "lines": list(session.scalars(select(Line.id).order_by(Line.id))),
            "materials": {m.code: m.id for m in session.scalars(select(Material))},
            "methods": {m.code: m.id for m in session.scalars(select(TestMethod))},
            "versions": versions,
        }


def _recipe(member: str, n: int) -> dict[str, Any]:
    return {
        "member": member,
        "code": f"C{n}",
        "name": f"{member} compound {n}",
        "polymer_family": "NR",
        "colour_class": "black",
        "density": 1.15,
        "has_remill": n == 3,
        "ingredients": [{"stage": stage, "material": m, "phr": phr} for stage, m, phr in PHR],
    }


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start : start + CHUNK])


def load(url: str, year: Year) -> None:
    """Core executemany of every table, parents first, in one transaction."""
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (RawMaterialLot, year.lots),
        (Batch, year.batches),
        (BatchIngredient, year.ingredients),
        (BatchConsumption, year.consumption),
        (Delivery, year.deliveries),
        (DeliveryBatch, year.delivered),
        (LabResult, year.results),
    ]
    with get_engine(url).begin() as conn:
        for model, rows in tables:
            _insert(conn, model.__table__, rows)
        if conn.dialect.name == "postgresql":
            for table in ("raw_material_lot", "batch", "delivery"):  # explicit ids were given
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with get_engine(url).connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh migrated database: a temporary SQLite file, the SQLite file given, or one made
    on a server."""
    if url is not None and url.startswith("sqlite"):
        scratch: AbstractContextManager[str] = nullcontext(url)
    elif url is None:
        scratch = scratch_sqlite("trace.db")
    else:
        scratch = scratch_postgres(url, "mixshare_trace")
    with scratch as made:
        migrate.upgrade(made)
        yield made


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    medians: list[float] = field(default_factory=list)  # per sample, wall-clock ms
    cpu: list[float] = field(default_factory=list)  # per sample, CPU ms of this process
    sizes: list[int] = field(default_factory=list)

    def add(self, wall: float, cpu: float, size: int) -> None:
        self.medians.append(wall)
        self.cpu.append(cpu)
        self.sizes.append(size)

    def row(self) -> str:
        return (
            f"{self.label:<30} {statistics.median(self.medians):>9.1f} "
            f"{max(self.medians):>9.1f} {statistics.median(self.cpu):>9.1f} "
            f"{statistics.median(self.sizes):>6.0f}"
        )


def timed(url: str, runs: int, call: Callable[[Any], int]) -> tuple[float, float, int]:
    """Median wall-clock and CPU ms of ``runs`` calls, each in a fresh session (the machine is
    shared: the process's CPU time says what a trace costs when a core is free for it; on
    PostgreSQL it leaves out the server's share); the answer's size."""
    factory = session_factory(url)
    seconds, cpu, size = [], [], 0
    for _ in range(runs):
        with factory() as session:
            started, used = time.perf_counter(), time.process_time()
            size = call(session)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
    return statistics.median(seconds) * 1000, statistics.median(cpu) * 1000, size


def measure(url: str, year: Year, samples: int, runs: int, seed: int) -> list[Timing]:
    rng = random.Random(seed + 1)
    lots = rng.sample(year.lots, samples)
    deliveries = rng.sample(year.deliveries, samples)
    owner = _lot_owners(year)
    rows = {
        "raw lot → deliveries, center": Timing("raw lot → deliveries, center"),
        "raw lot → deliveries, member": Timing("raw lot → deliveries, member"),
        "delivery → raw lots, center": Timing("delivery → raw lots, center"),
        "delivery → raw lots, member": Timing("delivery → raw lots, member"),
    }
    for lot in lots:
        code, member = lot["code"], owner[lot["code"]]
        for key, scope in (("center", None), ("member", member)):

            def forward(session: Any, code: str = code, scope: int | None = scope) -> int:
                read = raw_lot_read(service.trace_raw_lot(session, code=code, scope=scope))
                return len(read.batches) + len(read.deliveries)

            rows[f"raw lot → deliveries, {key}"].add(*timed(url, runs, forward))
    for delivery in deliveries:
        for key, scope in (("center", None), ("member", delivery["member_id"])):

            def backward(session: Any, did: int = delivery["id"], scope: int | None = scope) -> int:
                read = delivery_read(service.trace_delivery(session, delivery_id=did, scope=scope))
                return (
                    len(read.batches) + len(read.consumed_batches) + len(read.raw_lots)
                    + len(read.lab_results)
                )  # fmt: skip

            rows[f"delivery → raw lots, {key}"].add(*timed(url, runs, backward))
    return list(rows.values())


def _lot_owners(year: Year) -> dict[str, int]:
    """A member whose batch used each lot (the member-scoped trace asks as that member)."""
    member = {b["id"]: b["member_id"] for b in year.batches}
    return {i["raw_lot_code"]: member[i["batch_id"]] for i in year.ingredients}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--batches", type=int, default=330_000)
    parser.add_argument("--samples", type=int, default=6, help="raw lots and deliveries")
    parser.add_argument("--runs", type=int, default=5, help="traces of each sample")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", default=None, help="sqlite:///FILE or a PostgreSQL server")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with database(args.url) as url:
        catalog = seed_center(url)
        started = time.perf_counter()
        year = generate(args.batches, args.seed, catalog["lines"], catalog)
        generated = time.perf_counter() - started
        load(url, year)
        loaded = time.perf_counter() - started - generated
        print(
            f"{make_url(url).get_backend_name()}: {len(year.batches):,} batches, "
            f"{len(year.ingredients):,} weighings, {len(year.consumption):,} consumptions, "
            f"{len(year.lots):,} raw lots, {len(year.deliveries):,} deliveries, "
            f"{len(year.results):,} lab results; generated in {generated:.1f} s, "
            f"bulk-inserted in {loaded:.1f} s"
        )
        timings = measure(url, year, args.samples, args.runs, args.seed)
    print(f"{args.samples} random raw lots / deliveries, median of {args.runs} runs each (ms):")
    print(f"{'trace':<30} {'median':>9} {'slowest':>9} {'CPU':>9} {'rows':>6}")
    for timing in timings:
        print(timing.row())
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
