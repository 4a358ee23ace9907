"""An order whose lots are frozen in the latest plan can no longer be changed or cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.orders import service as orders
from mixshare.orders.models import Order
from mixshare.planning import service as planning
from mixshare.planning.models import Plan, PlanLot

from .conftest import NOW
from .test_service import order


def _plan(session: Session, version: int, placed: list[tuple[Order, int]]) -> Plan:
    """A stored plan holding one MB lot of each order, starting ``hours`` after NOW."""
    plan = Plan(
        version=version,
        created_at=NOW,
        horizon_start=NOW,
        horizon_end=NOW + timedelta(days=7),
        status="draft",
        method="engine",
        kpis={},
    )
    for item, hours in placed:
        start = NOW + timedelta(hours=hours)
        plan.lots.append(
            PlanLot(
                code=f"{item.number}/MB",
                order_id=item.id,
                member_id=item.member_id,
                compound_version_id=item.compound_version_id,
                stage="MB",
                line_id=1,
                batches=3,
                kg=1000.0,
                start=start,
                end=start + timedelta(hours=1),
                kwh=200.0,
            )
        )
    session.add(plan)
    session.flush()
    return plan


def test_frozen_order_cannot_be_changed_or_cancelled(center: Session) -> None:
    soon = orders.create_order(center, order(), now=NOW)
    later = orders.create_order(center, order(), now=NOW)
    plan = _plan(center, 1, [(soon, 2), (later, 48)])
    assert not orders.is_frozen(center, soon.id)
    planning.freeze(center, plan, 24, now=NOW)
    assert orders.is_frozen(center, soon.id) and not orders.is_frozen(center, later.id)

    with pytest.raises(ValidationFailed) as exc:
        orders.update_order(center, soon.id, {"note": "too late"}, None, now=NOW)
    [problem] = exc.value.problems
    assert problem.location == "order"
    assert "frozen" in problem.message and soon.number in problem.message
    assert plan.frozen_until is not None
    assert f"{plan.frozen_until:%Y-%m-%d %H:%M}" in problem.message
    with pytest.raises(ValidationFailed, match="frozen"):
        orders.cancel_order(center, soon.id)
    assert (soon.note, soon.status) == ("", "open")

    # lots outside the frozen window stay editable
    assert orders.update_order(center, later.id, {"note": "fine"}, None, now=NOW).note == "fine"
    assert orders.cancel_order(center, later.id).status == "cancelled"


def test_only_the_latest_plan_counts(center: Session) -> None:
    item = orders.create_order(center, order(), now=NOW)
    old = _plan(center, 1, [(item, 2)])
    planning.freeze(center, old, 24, now=NOW)
    assert orders.is_frozen(center, item.id)
    _plan(center, 2, [(item, 30)])  # re-planned: the lot moved out of any frozen window
    assert not orders.is_frozen(center, item.id)
    assert orders.update_order(center, item.id, {"note": "ok"}, None, now=NOW).note == "ok"
