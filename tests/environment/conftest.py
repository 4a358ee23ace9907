"""A hand-computed month (November 2026) of the small test center: batches, stack hours,
treatment log. The numbers are argued in test_ledger.py."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound
from mixshare.db import session_factory
from mixshare.execution.models import Batch
from tests.web.conftest import World, build_world, password_hash

__all__ = ["password_hash"]

MONTH = "2026-11"
START = datetime(2026, 11, 1)
HOURS = 720  # November has 30 days
FLOW = 5000.0  # m³/h
PEAK_HOUR = 100  # 2026-11-05 04:00: the one hour above the NMHC limit


def nmhc(hour: int) -> float:
    """2 mg/m³ in the first half of the month, 3 in the second, 12 in the peak hour."""
    if hour == PEAK_HOUR:
        return 12.0
    return 2.0 if hour < HOURS // 2 else 3.0


def write_stack_csv(path: Path, hours: list[int], *, pm: bool = True) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["排放口", "监测时间", "非甲烷总烃", "标干流量", *(["颗粒物"] if pm else [])]
        )
        for hour in hours:
            moment = START + timedelta(hours=hour)
            row = ["DA001", f"{moment:%Y-%m-%d %H:%M}", nmhc(hour), FLOW]
            writer.writerow(row + ([1.0] if pm else []))
    return path


def _batch(session: Session, world: World, member: str, code: str, stage: str,
           kg: float, at: datetime) -> None:  # fmt: skip
    compound = session.get(Compound, world.compounds[member])
    assert compound is not None
    session.add(Batch(
        line_id=world.line, code=code, compound_version_id=compound.versions[0].id,
        member_id=world.members[member], stage=stage, started_at=at,
        ended_at=at + timedelta(minutes=3), dump_temperature_c=150.0, energy_kwh=60.0,
        target_kg=kg, actual_kg=kg, content_hash=code.ljust(64, "0"), source="api",
        received_at=at,
    ))  # fmt: skip


@dataclass
class Month:
    world: World
    db_url: str


@pytest.fixture
def month(db_url: str, password_hash: str) -> Iterator[Month]:
    """M01 (sheet, hose and belt): 10 masterbatches of 300 kg and 5 final batches; M02
    (class "other"): 5 masterbatches of 400 kg; one October masterbatch outside the month."""
    with session_factory(db_url)() as session:
        world = build_world(session, password_hash, batches=False)
        other = session.scalars(select(Compound).where(Compound.id == world.compounds["M02"])).one()
        other.product_class = "other"
        for n in range(10):
            _batch(session, world, "M01", f"MB1-{n}", "MB", 300.0, START + timedelta(hours=n))
        for n in range(5):
            _batch(
                session, world, "M01", f"FB1-{n}", "FB", 300.0, START + timedelta(days=2, hours=n)
            )
            _batch(
                session, world, "M02", f"MB2-{n}", "MB", 400.0, START + timedelta(days=3, hours=n)
            )
        _batch(session, world, "M01", "MB-OCT", "MB", 999.0, START - timedelta(hours=1))
        session.commit()
    yield Month(world, db_url)
