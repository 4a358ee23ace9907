"""The energy ledger's API and page: staff see every member, a member's users only their own
company's figures (no other member's code anywhere in the answer), the allocation rule is on
the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form


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


def test_the_admin_adds_a_factor_version_that_the_ledger_uses_from_its_day(
    client: TestClient, month_world: World
) -> None:
    """A new grid CO₂ version from 2031-01-07 ends the seeded one the day before; the month's
    CO₂ then uses 0.5153 kg/kWh on the 6th (50 kWh) and 1.0 from the 7th (20 kWh)."""
    token = page_login(client, "admin")
    page = client.get("/ledger/factors")
    assert page.status_code == 200 and 'data-testid="energy-factor-form"' in page.text
    assert "GBT2589-2020-ELEC" in page.text and "0.1229" in page.text
    fields = {
        "kind": "grid_co2", "code": "ZJ-CO2-2031", "name": "浙江 2031", "value": "1.0",
        "valid_from": "2031-01-07", "source": "公告 2031 <b>table</b>", "verified": "1",
    }  # fmt: skip
    answer = post_form(client, "/ledger/factors", token, **fields)
    assert answer.status_code == 303, answer.text[:500]
    listed = client.get("/ledger/factors").text
    assert "公告 2031 &lt;b&gt;table&lt;/b&gt;" in listed and "<b>table" not in listed
    assert "2031-01-06" in listed  # the seeded version now ends the day before
    ledger = client.get("/api/v1/ledger/energy?month=2031-01", headers=month_world.headers("admin"))
    assert ledger.json()["totals"]["co2_kg"] == 45.77
    again = post_form(client, "/ledger/factors", token, **{**fields, "code": "OTHER"})
    assert again.status_code == 422
    assert 'data-field-error="valid_from"' in again.text and "starts on the same day" in again.text
    bad = post_form(client, "/ledger/factors", token, kind="grid_co2", code="X", value="-1",
                    valid_from="", source="", name="")  # fmt: skip
    assert bad.status_code == 422
    for name in ("code", "value", "valid_from", "source", "name"):
        assert f'data-field-error="{name}"' in bad.text, name


def test_only_the_center_admin_sees_the_form(client: TestClient, month_world: World) -> None:
    page_login(client, "planner")
    page = client.get("/ledger/factors")
    assert page.status_code == 200 and "energy-factor-form" not in page.text
    assert "ledger-factors-link" in client.get("/ledger/energy?month=2031-01").text
