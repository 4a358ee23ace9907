"""The planning prices page (the center admin versions the money objective's prices) and the
plan cost on the board."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mixshare.planning.models import Plan
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form

VERSION = {
    "code": "C-2027", "valid_from": "2027-01-01", "cleaning_material_yuan": "1000",
    "cleaning_kwh": "50", "changeover_hour_yuan": "500", "lateness_tonne_hour_yuan": "30",
    "source": "center cost accounting <2026>",
}  # fmt: skip


def test_admin_adds_a_version_and_staff_see_it(client: TestClient, world: World) -> None:
    token = page_login(client, "admin")
    answer = post_form(client, "/planning/prices", token, **VERSION)
    assert answer.status_code == 303 and "created=C-2027" in answer.headers["location"]
    page = client.get("/planning/prices")
    assert "C-2027" in page.text and "&lt;2026&gt;" in page.text  # escaped
    assert 'data-testid="price-form"' in page.text
    again = post_form(client, "/planning/prices", token, **{**VERSION, "code": "C-2027B"})
    assert again.status_code == 422, again.text[:500]
    error = again.text[again.text.index('data-field-error="valid_from"') :][:200]
    assert "C-2027" in error  # the version that starts that day
    page_login(client, "planner")
    shown = client.get("/planning/prices")
    assert "C-2027" in shown.text and 'data-testid="price-form"' not in shown.text


def test_board_shows_the_plan_cost(client: TestClient, world: World, db: Session) -> None:
    plan = db.get(Plan, world.plan)
    assert plan is not None
    plan.kpis = {
        **plan.kpis, "tardiness_yuan": 1234.0, "cleaning_yuan": 2400.0, "cleaning_batches": 2,
        "changeover_yuan": 600.0, "changeover_hours": 1.0, "energy_cost": 500.0,
        "total_yuan": 4734.0, "objective_mode": "money", "planning_prices": "DEMO-2026",
    }  # fmt: skip
    db.commit()
    page_login(client, "planner")
    board = client.get(f"/plan?plan={world.plan}").text
    card = board[board.index('data-testid="plan-cost"') :][:2000]
    assert 'data-part="tardiness">1,234<' in card and 'data-part="total">4,734<' in card
    assert "DEMO-2026" in card
