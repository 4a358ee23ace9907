"""The dashboard shows one week of the plan (grouped in SQL), never the whole plan."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mixshare.planning.models import Plan
from tests.web.conftest import World
from tests.web.pages_helpers import page_login


def figures_of(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html)
    assert found, html[:300]
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_planner_sees_the_plans_first_week(client: TestClient, world: World, db: Session) -> None:
    page_login(client, "planner")
    plan = db.get(Plan, world.plan)
    assert plan is not None
    data = figures_of(client.get("/dashboard").text)
    window = data["window"]
    assert isinstance(window, dict)
    monday = plan.horizon_start.date() - timedelta(days=plan.horizon_start.weekday())
    assert window["start"][:10] in (monday.isoformat(), plan.horizon_start.date().isoformat())
    assert data["tonnes"] == {"M01": {"MB": 1.0}, "M02": {"MB": 1.0}}
    assert data["utilisation"] and "changeover_hours" in data

    later = (plan.horizon_start + timedelta(days=21)).date().isoformat()
    empty = figures_of(client.get(f"/dashboard?week={later}").text)
    assert empty["tonnes"] == {} and empty["on_time"] == {"on_time": 0, "late": 0}


def test_member_sees_only_its_own_week(client: TestClient, world: World) -> None:
    page_login(client, "m01")
    data = figures_of(client.get("/dashboard").text)
    assert data["tonnes"] == {"M01": {"MB": 1.0}}
    assert "utilisation" not in data and "changeover_hours" not in data
