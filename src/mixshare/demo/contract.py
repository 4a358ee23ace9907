"""The demo center's contract with its members, and the simulated lines' meter readings.

Prices are illustrative (yuan, to be replaced by the center's own contract): tolling per tonne
of each pass, a cleaning batch at about its cost (≈ 330 kg of cleaning compound and a cycle,
:mod:`mixshare.demo.changeover_rules`), a lab test, a tonne-day in store after one free day,
and the fixed monthly costs of the demo cost model's two-line, three-shift center (2 × 150,000
depreciation, 2 × 3 × 68,000 staff, one 80,000 treatment unit, 250,000 overheads), shared by
the Shapley value.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.billing import contracts
from mixshare.billing.models import ContractVersion
from mixshare.execution.models import Batch
from mixshare.ledger.models import MeterReading
from mixshare.settings import now_local

TOLLING = {"MB": 260.0, "RM": 120.0, "FB": 180.0}  # yuan per tonne mixed in the pass
FIXED = {
    "depreciation": 300_000.0,
    "staff": 408_000.0,
    "treatment": 80_000.0,
    "overheads": 250_000.0,
}
IDLE_SHARE = 0.08  # the simulated meters read 8 % above the batches: idle running, auxiliaries
METER_BASE_KWH = 1_000_000.0


def demo_contract(start: date) -> dict[str, object]:
    prices: list[dict[str, object]] = [
        {"item": "tolling", "key": cls, "stage": stage, "price": price}
        for cls in ("sheet_hose_belt", "other")
        for stage, price in TOLLING.items()
    ]
    prices += [
        {"item": "cleaning", "price": 1_500.0},
        {"item": "lab_test", "key": "*", "price": 30.0},
        {"item": "storage", "price": 2.0},
        *({"item": "fixed", "key": k, "price": v} for k, v in FIXED.items()),
    ]
    return {
        "code": f"DEMO-{start:%Y-%m}",
        "name": "演示中心加工合同 / demo center tolling contract",
        "valid_from": start.replace(day=1),
        "sharing_rule": "shapley",
        "storage_free_days": 1.0,
        "source": "demo prices: replace with the center's contract (mixshare import contract FILE)",
        "prices": prices,
    }


def load_demo_contract(session: Session, start: date) -> ContractVersion:
    return contracts.create(session, demo_contract(start))[0]


def read_demo_meters(session: Session) -> int:
    """Each line's meter read before its first and after its last simulated batch, counting
    ``IDLE_SHARE`` more than the batches (what the ledger's reconciliation then allocates)."""
    rows = session.execute(
        select(
            Batch.line_id,
            func.min(Batch.started_at),
            func.max(Batch.ended_at),
            func.sum(Batch.energy_kwh),
        ).group_by(Batch.line_id)
    ).all()
    added = 0
    for line_id, first, last, kwh in rows:
        known = session.scalar(select(func.count()).where(MeterReading.line_id == line_id))
        if known:
            continue
        before = first.replace(minute=0, second=0, microsecond=0)
        after = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        for at, value in (
            (before, METER_BASE_KWH),
            (after, METER_BASE_KWH + kwh * (1 + IDLE_SHARE)),
        ):
            session.add(
                MeterReading(
                    line_id=line_id,
                    meter=f"M{line_id}-main",
                    read_at=at,
                    cumulative_kwh=round(value, 1),
                    source="demo simulation",
                    imported_at=now_local(),
                )
            )
            added += 1
    session.flush()
    return added
