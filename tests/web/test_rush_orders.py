"""Rush orders as a plant runs them: the member asks with a reason, the planner decides; each
step is audited with who and why, and only the decision reaches the plan's weights."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.orders.models import Order
from mixshare.planning.problem_builder import build_problem
from mixshare.settings import now_local
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form

API = "/api/v1"


def _urgent_in_plan(db: Session, order_id: int) -> bool:
    db.expire_all()
    start = now_local().replace(second=0, microsecond=0)
    planning = build_problem(db, start=start, days=28)
    return any(
        lot.urgent for lot in planning.problem.lots if planning.lots[lot.id].order.id == order_id
    )


def test_member_asks_planner_decides_and_the_plan_weights_it(
    client: TestClient, world: World, db: Session
) -> None:
    order_id = world.orders["M01"]
    asked = client.post(
        f"{API}/orders/{order_id}/urgency/request",
        json={"reason": "customer line stops on Friday"},
        headers=world.headers("m01"),
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["urgency"] == "requested"
    assert not _urgent_in_plan(db, order_id)  # a request alone changes no plan

    refused = client.post(
        f"{API}/orders/{order_id}/urgency",
        json={"urgent": True, "reason": "self-approved"},
        headers=world.headers("m01"),
    )
    assert refused.status_code == 403  # members may not decide

    decided = client.post(
        f"{API}/orders/{order_id}/urgency",
        json={"urgent": True, "reason": "agreed with M01 by phone"},
        headers=world.headers("planner"),
    )
    assert decided.status_code == 200 and decided.json()["urgency"] == "urgent"
    assert _urgent_in_plan(db, order_id)

    entries = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "order", AuditEntry.object_id == str(order_id))
        .order_by(AuditEntry.id)
    ).all()
    steps = [(e.action, e.username, e.detail.get("reason")) for e in entries][-2:]
    assert steps == [
        ("request urgency", "m01", "customer line stops on Friday"),
        ("decide urgency", "planner", "agreed with M01 by phone"),
    ]
    order = db.get(Order, order_id)
    assert order is not None and order.urgency_by == world.users["planner"]


def test_the_order_page_offers_the_request_and_lists_show_the_mark(
    client: TestClient, world: World, db: Session
) -> None:
    order_id = world.orders["M01"]
    token = page_login(client, "m01")
    page = client.get(f"/orders/{order_id}").text
    assert 'data-testid="request-urgency"' in page and 'data-testid="decide-urgency"' not in page
    blank = post_form(client, f"/orders/{order_id}/urgency/request", token, reason=" ")
    assert blank.status_code == 422
    asked = post_form(client, f"/orders/{order_id}/urgency/request", token, reason="line stop")
    assert asked.status_code == 303
    client.cookies.clear()
    token = page_login(client, "planner")
    assert 'data-testid="decide-urgency"' in client.get(f"/orders/{order_id}").text
    post_form(client, f"/orders/{order_id}/urgency", token, urgent="1", reason="agreed")
    listing = client.get("/orders").text
    row = listing[listing.index(f'data-order-id="{order_id}"') :][:600]
    assert 'data-testid="urgent"' in row


def test_an_urgency_reason_is_safe_free_text(client: TestClient, world: World, db: Session) -> None:
    """The reason reaches the planner's pages and the audit log: formulas and control
    characters are refused (422) and the order stays as it was."""
    order_id = world.orders["M01"]
    for reason in ("=1+1", "stops\x00friday"):
        asked = client.post(
            f"{API}/orders/{order_id}/urgency/request",
            json={"reason": reason},
            headers=world.headers("m01"),
        )
        assert asked.status_code == 422, asked.text
    db.expire_all()
    order = db.get(Order, order_id)
    assert order is not None and order.urgency != "requested"
