"""The plan board's actions through the pages (not the browser): a logged-in planner runs,
re-plans for a rush order or an outage, compares, freezes and publishes."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.lines.models import Downtime
from mixshare.orders import service as orders
from mixshare.orders.models import Order
from mixshare.planning.models import Plan, PlanLot
from tests.web.conftest import World, soon
from tests.web.pages_helpers import page_login, post_form


def wait_for_job(client: TestClient, location: str) -> dict[str, Any]:
    """Follow ``/plan?job=…`` through ``/api/v1/jobs/{id}`` until the job ends."""
    job_id = parse_qs(urlsplit(location).query)["job"][0]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"plan job {job_id} still running")


def errors_of(answer: Any) -> str:
    location: str = answer.headers["location"]
    assert location.startswith("/plan?errors="), location
    return parse_qs(urlsplit(location).query)["errors"][0]


def test_board_shows_the_plan_and_its_lots(client: TestClient, world: World) -> None:
    page_login(client, "planner")
    board = client.get(f"/plan?plan={world.plan}")
    assert board.status_code == 200
    assert 'data-testid="gantt"' in board.text and "gantt-data" in board.text
    assert board.text.count("data-lot-code=") == 2
    orders = client.get("/orders").text  # each order's planned completion, in one query
    assert orders.count('<td class="ok">') == 2


def test_rush_order_replans_and_compare_shows_what_changed(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "planner")
    plan = db.get(Plan, world.plan)
    assert plan is not None
    plan.status = "published"  # the plan the re-plan keeps stable
    db.commit()
    due = (plan.horizon_start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    answer = post_form(
        client,
        "/plan/rush",
        token,
        member=world.members["M02"],
        compound="C-M02",
        stage="masterbatch",
        quantity_kg=1500,
        due_at=due,
        time_limit=0.5,
    )
    assert answer.status_code == 303, answer.text
    state = wait_for_job(client, answer.headers["location"])
    assert state["state"] == "done", state["error"]
    rush = db.scalar(select(Order).where(Order.note.like("rush order%")))
    assert rush is not None and rush.member_id == world.members["M02"]
    new_plan = db.get(Plan, state["result"]["plan_id"])
    assert new_plan is not None and new_plan.previous_id == world.plan
    codes = set(db.scalars(select(PlanLot.code).where(PlanLot.plan_id == new_plan.id)))
    assert f"{rush.number}/MB" in codes

    compare = client.get(f"/plan/{new_plan.id}/compare")
    assert compare.status_code == 200
    assert rush.number in compare.text  # the rush order's lot is listed as added
    assert rush.urgency == "urgent"  # declared by the planner: weighted above member priority
    # the change in lateness and cost, not only the moved lots
    assert 'data-testid="kpi-changes"' in compare.text
    assert 'data-kpi="weighted_tardiness"' in compare.text
    assert client.get(f"/plan/{new_plan.id}/compare?other=999999").status_code == 404
    kinds = set(db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "order")))
    assert "create" in kinds


def test_outage_replans_and_records_the_downtime(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "planner")
    plan = db.get(Plan, world.plan)
    assert plan is not None
    start = plan.horizon_start
    due = start + timedelta(days=3)  # something to plan inside the horizon
    orders.create_order(
        db, {"member": "M01", "compound": "C-M01", "quantity_kg": 800, "due_at": due}
    )
    db.commit()
    answer = post_form(
        client,
        "/plan/outage",
        token,
        line_id=world.line,
        start=start.strftime("%Y-%m-%dT%H:%M"),
        end=(start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        reason="motor",
        time_limit=0.5,
    )
    assert answer.status_code == 303
    state = wait_for_job(client, answer.headers["location"])
    assert state["state"] == "done", state["error"]
    assert db.scalar(select(func.count(Downtime.id)).where(Downtime.reason == "motor")) == 1
    replanned = db.get(Plan, state["result"]["plan_id"])
    assert replanned is not None and replanned.version == 2
    outage_end = start + timedelta(hours=6)
    for lot in replanned.lots:  # nothing runs on the line during the outage
        assert lot.line_id != world.line or lot.end <= start or lot.start >= outage_end


def test_bad_action_forms_name_the_field_and_write_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "planner")
    answer = post_form(client, "/plan/outage", token, line_id="x", start="soon", end="")
    assert {"line_id", "start", "end"} <= {p.split(":")[0] for p in errors_of(answer).split("; ")}
    later = soon(2).strftime("%Y-%m-%dT%H:%M")
    earlier = soon(1).strftime("%Y-%m-%dT%H:%M")
    answer = post_form(client, "/plan/outage", token, line_id=world.line, start=later, end=earlier)
    assert "end" in errors_of(answer)
    answer = post_form(
        client, "/plan/rush", token, member=world.members["M01"], compound="NOPE", quantity_kg=-1
    )
    assert "compound" in errors_of(answer) or "quantity_kg" in errors_of(answer)
    answer = post_form(client, f"/plan/{world.plan}/freeze", token, hours="lots")
    assert "hours" in errors_of(answer)
    answer = post_form(client, "/plan/run", token, days=99, time_limit=0, method="magic")
    assert {"days", "time_limit", "method"} <= {
        p.split(":")[0] for p in errors_of(answer).split("; ")
    }
    assert db.scalar(select(func.count(Downtime.id))) == 0
    assert db.scalar(select(func.count(Plan.id))) == 1
    assert db.scalar(select(func.count(Order.id))) == 2


def test_freeze_then_publish(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "planner")
    answer = post_form(client, f"/plan/{world.plan}/freeze", token, hours=72)
    assert answer.status_code == 303 and answer.headers["location"] == f"/plan?plan={world.plan}"
    db.expire_all()
    plan = db.get(Plan, world.plan)
    assert plan is not None and plan.frozen_until is not None
    assert all(lot.locked for lot in plan.lots)
    board = client.get(f"/plan?plan={world.plan}")
    assert "locked" in board.text  # frozen lots are marked in the table

    # the frozen order can no longer be changed from the order page either
    order_page = client.get(f"/orders/{world.orders['M01']}")
    assert 'data-testid="save-order"' not in order_page.text
    refused = post_form(client, f"/orders/{world.orders['M01']}", token, note="late", row_version=1)
    assert refused.status_code == 422 and "frozen" in refused.text

    answer = post_form(client, f"/plan/{world.plan}/publish", token)
    assert answer.status_code == 303
    db.expire_all()
    assert db.get(Plan, world.plan).status == "published"  # type: ignore[union-attr]
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "plan")))
    assert {"freeze", "publish"} <= actions


def test_only_planners_act(client: TestClient, world: World, db: Session) -> None:
    for name in ("operator", "m01"):
        client.cookies.clear()
        token = page_login(client, name)
        for path in (f"/plan/{world.plan}/freeze", f"/plan/{world.plan}/publish", "/plan/run"):
            assert post_form(client, path, token, hours=5).status_code == 404, (name, path)
    assert post_form(client, f"/plan/{world.plan}/publish", "forged").status_code in (400, 403)
    db.expire_all()
    plan = db.get(Plan, world.plan)
    assert plan is not None and plan.status == "draft" and plan.frozen_until is None
