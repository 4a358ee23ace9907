"""Re-planning shows the trade-off (issue 13): an outage re-plan from the board stores the
least-change and the best plan side by side; the planner keeps one, the other is discarded."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mixshare.orders import service as orders
from mixshare.planning.models import Plan
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form
from tests.web.test_plan_actions import wait_for_job


def test_outage_offers_both_plans_and_the_planner_keeps_one(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "planner")
    published = db.get(Plan, world.plan)
    assert published is not None
    published.status = "published"
    start = published.horizon_start
    orders.create_order(
        db,
        {
            "member": "M01",
            "compound": "C-M01",
            "quantity_kg": 800,
            "due_at": start + timedelta(days=3),
        },
    )
    db.commit()
    answer = post_form(
        client,
        "/plan/outage",
        token,
        line_id=world.line,
        reason="motor",
        time_limit=0.5,
        start=start.strftime("%Y-%m-%dT%H:%M"),
        alternatives="on",
        end=(start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
    )
    state = wait_for_job(client, answer.headers["location"])
    assert state["state"] == "done", state["error"]
    least, best = state["result"]["plan_id"], state["result"]["alternative_id"]
    assert f"/plan/{least}/choose" in client.get(answer.headers["location"]).text

    page = client.get(f"/plan/{least}/choose")
    assert page.status_code == 200
    for side in ("least-change", "fresh"):
        assert f'data-testid="keep-{side}"' in page.text
    sides = client.get(f"/api/v1/plans/{best}/tradeoff").json()
    assert [side["stability"] for side in sides] == ["least-change", "fresh"]
    assert [side["plan"]["id"] for side in sides] == [least, best]
    for side in sides:  # both answer the outage: its moves are counted against it
        assert side["moved_outside_disruption"] is not None
        assert {
            "weighted_tardiness",
            "late_lots",
            "changeover_hours",
            "energy_cost",
            "lots_moved",
        } <= set(side["kpis"])

    assert post_form(client, f"/plan/{best}/keep", token).status_code == 303
    db.expire_all()
    statuses = {p: db.get(Plan, p).status for p in (least, best)}  # type: ignore[union-attr]
    assert statuses == {least: "discarded", best: "draft"}
    assert f'data-plan-id="{best}"' in client.get("/plan").text  # the board shows the kept one
