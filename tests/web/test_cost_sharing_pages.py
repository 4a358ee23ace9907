"""The cost-sharing page: staff see every member's share, a member only its own; the center
admin adds a version of the cost model through the form."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mixshare.demo.generator import DEMO_COST_MODEL
from mixshare.sharing import service as sharing
from mixshare.sharing.schemas import parse_month
from tests.web.conftest import World, soon
from tests.web.pages_helpers import page_login, post_form

MONTH = f"{soon():%Y-%m}"  # the world's orders are due then


def _with_cost_model(db: Session) -> None:
    sharing.create(db, {**DEMO_COST_MODEL, "valid_from": MONTH})
    db.commit()


def _chart(page: str) -> dict[str, list[object]]:
    found = re.search(r'<script type="application/json" id="costs-data">(.*?)</script>', page)
    assert found is not None
    data: dict[str, list[object]] = json.loads(found.group(1))
    return data


def test_staff_see_every_member_and_the_core_check(
    client: TestClient, world: World, db: Session
) -> None:
    _with_cost_model(db)
    page_login(client, "planner")
    page = client.get(f"/costs?month={MONTH}&source=orders").text
    assert 'data-member="M01"' in page and 'data-member="M02"' in page
    assert 'data-testid="costs-core"' in page
    chart = _chart(page)
    assert chart["members"] == ["M01", "M02"]
    total = sharing.share(db, parse_month(MONTH), "orders").total
    for rule in ("shapley", "nucleolus", "proportional"):
        assert round(sum(chart[rule]) * 100) == round(total * 100)  # type: ignore[arg-type]


def test_a_member_sees_only_its_own_share(client: TestClient, world: World, db: Session) -> None:
    _with_cost_model(db)
    page_login(client, "m01")
    page = client.get(f"/costs?month={MONTH}&source=orders").text
    assert 'data-member="M01"' in page
    assert "M02" not in page  # no other member's name, figure or coalition
    assert 'data-testid="costs-core"' not in page and 'data-testid="cost-models"' not in page
    chart = _chart(page)
    assert chart["members"] == ["M01"] and len(chart["stand_alone"]) == 1


def test_without_a_cost_model_the_page_says_what_is_missing(
    client: TestClient, world: World
) -> None:
    page_login(client, "admin")
    page = client.get(f"/costs?month={MONTH}").text
    assert 'data-testid="costs-missing"' in page and "/cost-models/new" in page


def test_admin_adds_a_version_and_a_bad_one_is_named(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "admin")
    values = {k: v for k, v in DEMO_COST_MODEL.items()}
    bad = post_form(client, "/cost-models/new", token, **{**values, "valid_from": MONTH,
                                                            "target_utilisation": 2})  # fmt: skip
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    good = post_form(client, "/cost-models/new", token, **{**values, "valid_from": MONTH})
    assert good.status_code == 303
    assert sharing.valid_for(db, parse_month(MONTH)).overhead_cost == 250_000
