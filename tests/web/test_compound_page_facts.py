"""The compound page says how the compound is planned (rest window, lines per stage) and the
compound list names members by code, not by database id."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound
from tests.web.conftest import World
from tests.web.pages_helpers import page_login


def test_compound_page_shows_rest_window_and_lines(
    client: TestClient, world: World, db: Session
) -> None:
    page_login(client, "planner")
    compound = db.get(Compound, world.compounds["M01"])
    assert compound is not None
    version = compound.versions[-1]
    page = client.get(f"/compounds/{compound.id}?lang=en").text
    assert 'data-testid="compound-planning"' in page
    rest = page[page.index('data-testid="rest-window"') :][:300]
    assert f"{version.min_rest_minutes} min" in rest and f"{version.max_age_minutes} min" in rest
    assert '<dd data-stage="MB" class="">L1</dd>' in page


def test_compound_list_shows_member_codes(client: TestClient, world: World) -> None:
    page_login(client, "planner")
    page = client.get("/compounds").text
    assert '<td data-member="M01">M01</td>' in page and '<td data-member="M02">M02</td>' in page
