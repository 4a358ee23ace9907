"""The energy ledger's API and page: staff see every member, a member's users only their own
company's figures (no other member's code anywhere in the answer), the allocation rule is on
the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import World
from tests.web.pages_helpers import page_login


@pytest.fixture
def client(app: FastAPI, month_world: World) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def test_staff_get_every_member_and_the_peaks(client: TestClient, month_world: World) -> None:
    answer = client.get(
        "/api/v1/ledger/energy?month=2031-01", headers=month_world.headers("planner")
    )
    assert answer.status_code == 200
    ledger = answer.json()
    assert [row["member"] for row in ledger["by_member"]] == ["M01", "M02"]
    assert ledger["totals"]["cost_yuan"] == 76.5
    assert ledger["peak_demand"][0]["peak_kw"] == 80.0


def test_a_member_gets_only_its_own_rows(client: TestClient, month_world: World) -> None:
    for account in ("m01", "m01admin"):
        answer = client.get(
            "/api/v1/ledger/energy?month=2031-01", headers=month_world.headers(account)
        )
        assert answer.status_code == 200
        ledger = answer.json()
        assert ledger["member"] == "M01"
        assert ledger["totals"]["cost_yuan"] == 46.5
        assert "M02" not in answer.text and "peak_demand" not in ledger


def test_a_bad_month_is_refused(client: TestClient, month_world: World) -> None:
    answer = client.get("/api/v1/ledger/energy?month=2031-1", headers=month_world.headers("m01"))
    assert answer.status_code == 422


def test_the_page_shows_the_rule_and_scopes_members(client: TestClient, month_world: World) -> None:
    page_login(client, "admin")
    page = client.get("/ledger/energy?month=2031-01&lang=en")
    assert page.status_code == 200
    assert "M02" in page.text and "in proportion to each member's batch kWh" in page.text
    assert 'id="chart-ledger-members"' in page.text and "/static/app/ledger.js" in page.text
    client.cookies.clear()
    page_login(client, "m02")
    page = client.get("/ledger/energy?month=2031-01")
    assert page.status_code == 200
    assert "M01" not in page.text and "分摊规则" in page.text
    assert "30.00" in page.text  # M02's cost: B2 only
