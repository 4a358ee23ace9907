"""A hand-computable month: the web tests' two-member center, a test tariff for 2031 and a
few batches with known energy and flat or stepped power curves.

Tariff T-2031 (flat price 1.00 yuan/kWh, every month): 00–08 valley ×0.5, 08–12 peak ×1.5,
12–14 valley ×0.5, 14–24 flat ×1.0. Every batch weighs 200 kg (no weighing noise).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.execution.samples import BatchFactory, IngredientSpec
from mixshare.execution.service import ingest
from mixshare.ledger.service import load_seed_factors
from mixshare.tariffs.service import create_tariff
from tests.web.conftest import World, app, build_world, password_hash

__all__ = ["app", "password_hash"]  # fixtures of the web tests, used here too

ALL_MONTHS = "1,2,3,4,5,6,7,8,9,10,11,12"
BANDS = [
    (0, 8, "valley", 0.5),
    (8, 12, "peak", 1.5),
    (12, 14, "valley", 0.5),
    (14, 24, "flat", 1.0),
]
TARIFF = {
    "code": "T-2031",
    "name": "test tariff",
    "valid_from": "2031-01-01",
    "flat_price": 1.0,
    "bands": [
        {"months": ALL_MONTHS, "start_hour": s, "end_hour": e, "period": p, "multiplier": m}
        for s, e, p, m in BANDS
    ],
}


def document(
    member: str, code: str, stage: str, start: datetime, power: list[float], kwh: float | None
) -> dict[str, Any]:
    """A batch of ``member``'s compound on L1 with the 1 Hz ``power`` curve from ``start``."""
    factory = BatchFactory(
        line="L1",
        compound=f"{member}.C-{member}.v1",
        stage=stage,
        ingredients=[IngredientSpec("NR", 140.0), IngredientSpec("SBR", 60.0)],
        noise_kg=0.0,
        start=start,
        seconds=len(power),
    )
    doc = factory.next(batch=code)
    n = len(power)
    doc["curve"] = {
        "hz": 1,
        "power_kw": power,
        "temperature_c": [100.0] * n,
        "ram_position_mm": [20.0] * n,
        "ram_pressure_bar": [5.5] * n,
        "rotor_rpm": [40.0] * n,
    }
    doc["energy_kwh"] = kwh
    doc["ended_at"] = (start + timedelta(seconds=n)).isoformat() + "+08:00"
    doc["started_at"] = start.isoformat() + "+08:00"
    return doc


# (member, code, stage, start, power, energy_kwh): flat curves unless said otherwise
MONTH_BATCHES = [
    # 09:00:00-09:03:20, all peak: 20 kWh x 1.50 = 30.00
    ("M01", "B1", "MB", datetime(2031, 1, 6, 9, 0), [360.0] * 200, 20.0),
    # 11:58:20-12:01:40: 100 s peak, 100 s valley, flat power: 15 kWh x 1.50 + 15 x 0.50 = 30.00
    ("M02", "B2", "MB", datetime(2031, 1, 6, 11, 58, 20), [540.0] * 200, 30.0),
    # 15:00 flat: 10 kWh x 1.00 = 10.00
    ("M01", "B3", "FB", datetime(2031, 1, 7, 15, 0), [180.0] * 200, 10.0),
    # 23:59:00-00:02:20 over the month's end: 60 s flat, 140 s valley: 3 x 1.00 + 7 x 0.50 = 6.50
    ("M01", "B4", "FB", datetime(2031, 1, 31, 23, 59), [180.0] * 200, 10.0),
    # February: not in January's ledger
    ("M02", "B5", "MB", datetime(2031, 2, 1, 10, 0), [180.0] * 200, 10.0),
]


def add_batches(session: Session, rows: list[tuple[Any, ...]]) -> dict[str, int]:
    docs = [document(*row) for row in rows]
    result = ingest(session, docs, source="api")
    outcomes = {r.batch: (r.outcome, r.batch_id) for r in result.results}
    assert all(o in ("accepted",) for o, _ in outcomes.values()), result.results
    return {code: batch_id or 0 for code, (_o, batch_id) in outcomes.items() if code is not None}


@pytest.fixture
def month_world(db_url: str, password_hash: str) -> World:
    with session_factory(db_url)() as session:
        world = build_world(session, password_hash, batches=False)
        create_tariff(session, TARIFF)
        load_seed_factors(session)
        add_batches(session, MONTH_BATCHES)
        session.commit()
    return world
