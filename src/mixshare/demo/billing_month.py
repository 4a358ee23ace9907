"""A generated month of batch records for statements: members, two lines, compounds of two
classes and colours, the shipped tariffs, a cost model, a contract, batches in campaigns
(masterbatch then final batches consuming them, with 1 Hz power curves), line meter readings
and lab results. Used by the reconciliation test, the statements page test and
``benchmarks/statements.py``; it lives with the demo data, so billing never depends on them.

Deterministic for a seed. Batches are written with Core inserts (tens of thousands in seconds),
so nothing here goes through the ingest service: this is data for billing, not for ingest.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from mixshare.billing import contracts
from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule, Compound
from mixshare.demo.contract import FIXED
from mixshare.demo.generator import DEMO_COST_MODEL
from mixshare.execution import curves
from mixshare.execution.models import Batch, BatchConsumption, BatchCurve
from mixshare.ledger.models import MeterReading
from mixshare.ledger.service import month_window
from mixshare.lines.models import Line, LineStage
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.quality.models import LabResult, TestMethod
from mixshare.sharing import service as sharing
from mixshare.tariffs.service import load_seed_tariffs

MATERIALS = [("NR", "polymer"), ("SBR", "polymer"), ("N330", "filler"), ("S", "curative")]
SECONDS = 150  # a batch's run
CAMPAIGN = 20  # batches of one compound in a row: 10 masterbatches, then 10 final batches
BATCH_KG = 250.0
CHUNK = 2000
CONTRACT_PRICES: list[dict[str, Any]] = [
    *(
        {"item": "tolling", "key": cls, "stage": stage, "price": price}
        for cls in ("sheet_hose_belt", "other")
        for stage, price in (("MB", 260.0), ("FB", 180.0))
    ),
    {"item": "cleaning", "price": 1500.0},
    {"item": "lab_test", "key": "MOONEY", "price": 40.0},
    {"item": "lab_test", "key": "*", "price": 25.0},
    {"item": "storage", "price": 2.0},
    *({"item": "fixed", "key": key, "price": price} for key, price in FIXED.items()),
]
# the demo center's cost model (docs/cost-sharing.md), under a source of its own
COST_MODEL = {
    **{name: value for name, value in DEMO_COST_MODEL.items() if name != "notes"},
    "source": "synthetic month",
}


@dataclass(frozen=True)
class GeneratedMonth:
    month: str
    members: list[str]
    batches: int
    lab_results: int


def _curve_blob() -> bytes:
    """A 150 s power curve (rising, then falling): every batch shares its shape."""
    power = [400.0 + 800.0 * min(t, SECONDS - t) / SECONDS for t in range(SECONDS)]
    n = len(power)
    return curves.encode(
        {
            "power_kw": power,
            "temperature_c": [120.0] * n,
            "ram_position_mm": [20.0] * n,
            "ram_pressure_bar": [5.5] * n,
            "rotor_rpm": [40.0] * n,
        }
    )


def _center(session: Session, members: int, month: str) -> tuple[list[Member], list[Line]]:
    start, _end = month_window(month)
    made = [Member(code=f"M{i:02d}", name=f"成员 {i}") for i in range(1, members + 1)]
    session.add_all(made)
    for code, category in MATERIALS:
        if session.scalar(select(Material.id).where(Material.code == code)) is None:
            session.add(Material(code=code, name=code, category=category))
    lines = []
    for number in (1, 2):
        line = Line(code=f"S{number}", name=f"Line {number}", net_volume_l=420, rated_power_kw=1500)
        line.stage_settings = [
            LineStage(stage=s, fill_factor=0.72, cycle_minutes=2.5, kwh_per_kg=0.2)
            for s in ("MB", "FB")
        ]
        session.add(line)
        lines.append(line)
    session.add(ChangeoverRule(priority=100, name="anything goes", minutes=10))
    session.add(
        ChangeoverRule(
            priority=10,
            name="black to light: a cleaning batch",
            minutes=30,
            from_colour="black",
            to_colour="light",
            cleaning_batches=1,
        )
    )
    load_seed_tariffs(session)
    session.flush()
    sharing.create(session, {**COST_MODEL, "valid_from": start.date()})
    code = f"SYN-{month}"
    contracts.create(
        session,
        {
            "code": code,
            "name": "synthetic contract",
            "valid_from": month,
            "sharing_rule": "shapley",
            "storage_free_days": 1.0,
            "prices": CONTRACT_PRICES,
        },
    )
    return made, lines


def _compounds(
    session: Session, members: list[Member], rng: random.Random
) -> list[tuple[int, int]]:
    """(member id, compound version id): three compounds per member of either class/colour."""
    versions = []
    for member in members:
        for k in range(3):
            compound = compounds.create_compound(
                session,
                {
                    "member": member.code,
                    "code": f"C{k}",
                    "name": f"C{k} of {member.code}",
                    "polymer_family": "NR",
                    "colour_class": rng.choice(("black", "black", "light")),
                    "density": 1.15,
                    "ingredients": [
                        {"stage": "MB", "material": "NR", "phr": 70},
                        {"stage": "MB", "material": "SBR", "phr": 30},
                        {"stage": "MB", "material": "N330", "phr": 50},
                        {"stage": "FB", "material": "S", "phr": 2},
                    ],
                },
            )
            compound.product_class = "other" if k == 2 else "sheet_hose_belt"
            versions.append((member.id, compound.versions[0].id))
    session.flush()
    return versions


def generate_month(
    session: Session, *, month: str, members: int = 10, batches: int = 28_000, seed: int = 1
) -> GeneratedMonth:
    """Fill an empty, migrated database with a month of ``batches`` batch records (committed)."""
    rng = random.Random(seed)
    start, end = month_window(month)
    made, lines = _center(session, members, month)
    versions = _compounds(session, made, rng)
    session.commit()
    first_id = (session.scalar(select(func.max(Batch.id))) or 0) + 1
    per_line = batches // len(lines)
    gap = max(((end - start).total_seconds() - 600) / per_line - SECONDS, 1.0)
    blob, now = _curve_blob(), datetime(2000, 1, 1)
    rows: list[dict[str, Any]] = []
    consumption: list[dict[str, Any]] = []
    lab: list[dict[str, Any]] = []
    methods = dict(session.execute(select(TestMethod.code, TestMethod.id)).all())
    line_kwh = {line.id: 0.0 for line in lines}
    next_id = first_id
    for line in lines:
        moment = start + timedelta(seconds=rng.uniform(0, 300))
        campaign: list[int] = []
        member_id, version_id = rng.choice(versions)
        for n in range(per_line):
            if n % CAMPAIGN == 0:
                member_id, version_id = rng.choice(versions)
                campaign = []
            stage = "MB" if n % CAMPAIGN < CAMPAIGN // 2 else "FB"
            kwh = round(rng.uniform(45.0, 60.0), 3)
            kg = BATCH_KG if stage == "MB" else 5.0
            ended = moment + timedelta(seconds=SECONDS)
            rows.append(
                {
                    "id": next_id,
                    "line_id": line.id,
                    "code": f"{line.code}-{n:06d}",
                    "compound_version_id": version_id,
                    "member_id": member_id,
                    "stage": stage,
                    "started_at": moment,
                    "ended_at": ended,
                    "dump_temperature_c": 150.0,
                    "energy_kwh": kwh,
                    "energy_from_curve": False,
                    "target_kg": kg,
                    "actual_kg": kg,
                    "state": "mixed",
                    "has_deviation": False,
                    "deviations": [],
                    "content_hash": hashlib.sha256(f"{line.code}{n}".encode()).hexdigest(),
                    "source": "simulator",
                    "received_at": ended,
                    "operator": "",
                }
            )
            line_kwh[line.id] += kwh
            if stage == "MB":
                campaign.append(next_id)
            elif campaign:
                consumed = campaign.pop(0)
                consumption.append(
                    {
                        "batch_id": next_id,
                        "position": 0,
                        "consumed_code": "",
                        "consumed_batch_id": consumed,
                    }
                )
            if n % 5 == 0:
                for code in ("MOONEY", "MDR_T90"):
                    lab.append(
                        {
                            "batch_id": next_id,
                            "test_method_id": methods[code],
                            "value": 50.0,
                            "measured_at": ended + timedelta(hours=1),
                            "entered_at": now,
                            "source": "import",
                            "note": "",
                        }
                    )
            next_id += 1
            moment = ended + timedelta(seconds=gap * rng.uniform(0.5, 1.5))
            if moment >= end - timedelta(seconds=SECONDS):
                break
    curve_rows = [
        {"batch_id": r["id"], "hz": 1.0, "samples": SECONDS, "codec": curves.CODEC, "data": blob}
        for r in rows
    ]
    for table, data in (
        (Batch, rows),
        (BatchConsumption, consumption),
        (BatchCurve, curve_rows),
        (LabResult, lab),
    ):
        for at in range(0, len(data), CHUNK):
            session.execute(insert(table), data[at : at + CHUNK])
    for line in lines:
        for moment_at, value in (
            (start, 500_000.0),
            (end - timedelta(minutes=1), 500_000.0 + line_kwh[line.id] * 1.06),
        ):
            session.add(
                MeterReading(
                    line_id=line.id,
                    meter=f"{line.code}-main",
                    read_at=moment_at,
                    cumulative_kwh=round(value, 1),
                    source="synthetic",
                    imported_at=now,
                )
            )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('batch', 'id'), (SELECT max(id) FROM batch))"
            )
        )
    session.commit()
    return GeneratedMonth(month, [m.code for m in made], len(rows), len(lab))


__all__ = ["Compound", "GeneratedMonth", "generate_month"]
