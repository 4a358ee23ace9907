"""The energy ledger's hand-computed month (tests/ledger/conftest.py: tariff T-2031, batches
B1-B4 of M01 and M02 on L1 in January 2031) with what a statement needs besides: a cost model,
a contract, L1's meter readings and lab results.

Contract C-2031 (from 2031-01, Shapley): tolling MB 100 yuan/t, FB 50 yuan/t for
sheet_hose_belt; a cleaning batch 300; MOONEY 25 per test, any other test 20; storage 1 yuan
per tonne-day; fixed costs 1,000 a month. One rule asks a cleaning batch before M02's compound.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from mixshare.billing import contracts
from mixshare.compounds.models import ChangeoverRule
from mixshare.db import session_factory
from mixshare.execution.models import Batch
from mixshare.ledger.models import MeterReading
from mixshare.lines.models import Line
from mixshare.quality.models import LabResult, TestMethod
from mixshare.sharing import service as sharing
from tests.ledger.conftest import app, month_world, password_hash
from tests.web.conftest import World

__all__ = ["app", "month_world", "password_hash"]

NOW = datetime(2031, 2, 15, 12, 0)  # January 2031 is over
CONTRACT: dict[str, Any] = {
    "code": "C-2031",
    "name": "test contract",
    "valid_from": "2031-01",
    "sharing_rule": "shapley",
    "prices": [
        {"item": "tolling", "key": "sheet_hose_belt", "stage": "MB", "price": 100.0},
        {"item": "tolling", "key": "sheet_hose_belt", "stage": "FB", "price": 50.0},
        {"item": "cleaning", "price": 300.0},
        {"item": "lab_test", "key": "MOONEY", "price": 25.0},
        {"item": "lab_test", "key": "*", "price": 20.0},
        {"item": "storage", "price": 1.0},
        {"item": "fixed", "key": "overheads", "price": 1000.0},
    ],
}
COST_MODEL = {
    "valid_from": "2031-01",
    "line_fixed_cost": 100.0,
    "staff_cost_per_line_shift": 50.0,
    "treatment_unit_cost": 30.0,
    "lines_per_treatment_unit": 2,
    "overhead_cost": 20.0,
    "target_utilisation": 0.85,
}


@pytest.fixture
def billing_world(db_url: str, month_world: World) -> World:
    with session_factory(db_url)() as session:
        sharing.create(session, COST_MODEL)
        contracts.create(session, CONTRACT)
        session.add(
            ChangeoverRule(
                priority=1,
                name="clean before M02",
                minutes=20,
                to_compound="M02.C-M02",
                cleaning_batches=1,
            )
        )
        line = session.scalar(select(Line.id).where(Line.code == "L1"))
        for at, kwh in ((datetime(2031, 1, 6), 1000.0), (datetime(2031, 1, 8), 1100.0)):
            session.add(
                MeterReading(
                    line_id=line, meter="L1-main", read_at=at, cumulative_kwh=kwh, imported_at=NOW
                )
            )
        methods = dict(session.execute(select(TestMethod.code, TestMethod.id)).all())
        batches = dict(session.execute(select(Batch.code, Batch.id)).all())
        for code, method in (
            ("B1", "MOONEY"),
            ("B1", "MDR_T90"),
            ("B3", "MOONEY"),
            ("B2", "DENSITY"),
        ):
            session.add(
                LabResult(
                    batch_id=batches[code],
                    test_method_id=methods[method],
                    value=1.0,
                    measured_at=datetime(2031, 1, 10),
                    entered_at=NOW,
                    source="import",
                )
            )
        session.commit()
    return month_world
