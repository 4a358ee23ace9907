"""A hand-built genealogy on the two-member world of tests/web (lines L1, L2).

Carbon-black lot ``R-CB-1`` went into masterbatches of both members::

    M01  MB A-MB1 (R-CB-1, R-NR-1) ─> RM A-RM1 ─┐
         MB A-MB2 (R-CB-1) ─────────────────────┴─> FB A-FB1 (R-S-1) ─> delivery D-A1
         MB A-MB3 (R-NR-2, R-X-9: no receipt) ────> FB A-FB2 ─────────> delivery D-A2
    M02  MB B-MB1 (R-CB-1) ─────────────────────────> FB B-FB1 ─────────> delivery D-B1

Forward from R-CB-1 the center sees six batches and deliveries D-A1 and D-B1; M01 sees only its
four batches and D-A1; M02 only its two and D-B1. Backward from D-A1: A-FB1, then A-RM1, A-MB1
and A-MB2 consumed, lots R-CB-1, R-NR-1, R-S-1 and A-FB1's lab result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import CompoundVersion
from mixshare.db import session_factory
from mixshare.execution.models import Batch, BatchConsumption, BatchIngredient, RawMaterialLot
from mixshare.materials.models import Material
from mixshare.quality.models import LabResult, QualitySpec, TestMethod
from mixshare.stock.models import Delivery, DeliveryBatch
from tests.web.conftest import World, build_world, password_hash

__all__ = ["password_hash"]  # the fixture, shared with tests/web

T0 = datetime(2026, 12, 1, 8, 0)
LOTS = {"R-CB-1": "N330", "R-NR-1": "NR", "R-NR-2": "NR", "R-S-1": "S"}
# code → (member, stage, raw lots, consumed codes, minutes after T0)
BATCHES = {
    "A-MB1": ("M01", "MB", ["R-CB-1", "R-NR-1"], [], 0),
    "A-MB2": ("M01", "MB", ["R-CB-1"], [], 5),
    "A-MB3": ("M01", "MB", ["R-NR-2", "R-X-9"], [], 10),
    "B-MB1": ("M02", "MB", ["R-CB-1"], [], 15),
    "A-RM1": ("M01", "RM", [], ["A-MB1"], 600),
    "A-FB1": ("M01", "FB", ["R-S-1"], ["A-RM1", "A-MB2"], 1500),
    "A-FB2": ("M01", "FB", [], ["A-MB3"], 1505),
    "B-FB1": ("M02", "FB", [], ["B-MB1"], 1510),
}
DELIVERIES = {"D-A1": ("M01", ["A-FB1"]), "D-A2": ("M01", ["A-FB2"]), "D-B1": ("M02", ["B-FB1"])}


@dataclass
class Genealogy:
    world: World
    batches: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)


def _version(session: Session, member_id: int) -> int:
    from mixshare.compounds.models import Compound

    return int(
        session.scalars(
            select(CompoundVersion.id)
            .join(Compound)
            .where(Compound.member_id == member_id)
            .order_by(CompoundVersion.id)
        ).first()
        or 0
    )


def _batch(session: Session, world: World, code: str, lots: dict[str, int]) -> Batch:
    member, stage, raw_lots, _consumed, minutes = BATCHES[code]
    started = T0 + timedelta(minutes=minutes)
    batch = Batch(
        line_id=world.line,
        code=code,
        compound_version_id=_version(session, world.members[member]),
        member_id=world.members[member],
        stage=stage,
        started_at=started,
        ended_at=started + timedelta(minutes=3),
        dump_temperature_c=150.0 if stage != "FB" else 105.0,
        energy_kwh=40.0,
        target_kg=300.0,
        actual_kg=300.2,
        state="released",
        content_hash=code.ljust(64, "0"),
        source="api",
        received_at=started,
    )
    batch.ingredients = [
        BatchIngredient(
            position=n,
            material_code=LOTS.get(lot, "OIL"),
            raw_lot_code=lot,
            raw_lot_id=lots.get(lot),
            target_kg=100.0,
            actual_kg=100.1,
        )
        for n, lot in enumerate(raw_lots)
    ]
    session.add(batch)
    session.flush()
    return batch


@pytest.fixture
def genealogy(db_url: str, password_hash: str) -> Genealogy:
    with session_factory(db_url)() as session:
        world = build_world(session, password_hash, batches=False)
        made = Genealogy(world)
        materials = {m.code: m.id for m in session.scalars(select(Material))}
        lots: dict[str, int] = {}
        for code, material in LOTS.items():
            lot = RawMaterialLot(
                code=code,
                material_id=materials[material],
                supplier="供应商",
                supplier_lot=f"S-{code}",
                quantity_kg=20000,
                received_at=T0 - timedelta(days=1),
                created_at=T0 - timedelta(days=1),
            )
            session.add(lot)
            session.flush()
            lots[code] = lot.id
        for code in BATCHES:
            made.batches[code] = _batch(session, world, code, lots).id
        for code, (_m, _s, _l, consumed, _t) in BATCHES.items():
            session.add_all(
                BatchConsumption(
                    batch_id=made.batches[code],
                    position=n,
                    consumed_code=c,
                    consumed_batch_id=made.batches[c],
                )
                for n, c in enumerate(consumed)
            )
        for number, (member, codes) in DELIVERIES.items():
            delivery = Delivery(
                number=number,
                member_id=world.members[member],
                delivered_at=T0 + timedelta(days=2),
                created_at=T0 + timedelta(days=2),
            )
            delivery.batches = [
                DeliveryBatch(batch_id=made.batches[c], position=n) for n, c in enumerate(codes)
            ]
            session.add(delivery)
            session.flush()
            made.deliveries[number] = delivery.id
        method = session.scalars(select(TestMethod).order_by(TestMethod.id)).first()
        assert method is not None
        fb1 = session.get(Batch, made.batches["A-FB1"])
        assert fb1 is not None
        session.add(
            QualitySpec(
                compound_version_id=fb1.compound_version_id,
                stage="FB",
                test_method_id=method.id,
                lsl=method.low,
                usl=method.high,
            )
        )
        for code in ("A-FB1", "B-FB1"):
            session.add(
                LabResult(
                    batch_id=made.batches[code],
                    test_method_id=method.id,
                    value=method.low,
                    measured_at=T0 + timedelta(days=1, hours=2),
                    entered_at=T0 + timedelta(days=1, hours=2),
                    source="form",
                )
            )
        session.commit()
    return made
