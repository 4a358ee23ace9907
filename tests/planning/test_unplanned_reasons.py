"""Every unplanned order says why, as a code and a detail, in the store and in the export."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.lines import service as lines_service
from mixshare.orders.models import Order
from mixshare.planning import service as planning
from mixshare.planning.export import plan_document
from mixshare.planning.reasons import REASONS
from tests.planning.conftest import DEMO_MONDAY

START = datetime.combine(DEMO_MONDAY, datetime.min.time())


def test_material_arriving_at_the_horizon_end_is_released_too_late(
    demo_session: Session,
) -> None:
    late = demo_session.scalars(select(Order).order_by(Order.due_at).limit(1)).one()
    late.release_at = START + timedelta(days=2) - timedelta(minutes=30)
    plan = planning.run_plan(demo_session, start=START, days=2, method="dispatch")
    demo_session.commit()
    rows = {u.order_id: u for u in plan.unplanned}
    assert rows[late.id].reason_code == "released_too_late"
    assert late.release_at.strftime("%Y-%m-%d %H:%M") in rows[late.id].reason
    document = plan_document(demo_session, plan)
    entry = next(e for e in document["unplanned_orders"] if e["order"] == late.number)
    assert entry == {
        "order": late.number,
        "reason": "released_too_late",
        "detail": rows[late.id].reason,
    }


def test_lines_out_all_week_do_not_fit_the_horizon_and_export_codes(
    demo_session: Session,
) -> None:
    for code in ("L1", "L2"):
        line = lines_service.get_by_code(demo_session, code)
        lines_service.declare_outage(
            demo_session, line_id=line.id, start=START, end=START + timedelta(days=7), reason="t"
        )
    plan = planning.run_plan(demo_session, start=START, days=7, method="dispatch")
    demo_session.commit()
    document = plan_document(demo_session, plan)
    assert document["unplanned_orders"]
    for entry in document["unplanned_orders"]:
        assert set(entry) == {"order", "reason", "detail"}
        assert entry["reason"] in REASONS
    assert {e["reason"] for e in document["unplanned_orders"]} <= {
        "does_not_fit_horizon",
        "released_too_late",
    }


def test_capacity_note_says_whether_the_order_could_fit() -> None:
    from mixshare.engine.bound import CapacityCheck
    from mixshare.planning.service import _capacity_figures, _capacity_note

    fits = CapacityCheck(shortfall=0, room={"o1": 5612}, work=59400, available=76800)
    note = _capacity_note(fits, "o1")
    assert note == " [capacity bound: it could fit, 5,612 line-min spare from its start]"
    short = CapacityCheck(shortfall=120, room={"o1": -20}, work=900, available=780)
    assert "120 line-min more" in _capacity_note(short, "o1")
    assert _capacity_figures(short)["capacity_bound"] == {
        "fits": False,
        "shortfall_minutes": 120,
        "work_minutes": 900,
        "available_minutes": 780,
    }
