"""In Chromium: the cost-sharing chart draws under the strict CSP for the center admin (every
member) and for a member (its own bars only)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser.conftest import ARTIFACTS, LiveServer, chart_page
from tests.web.browser.test_plan_board import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_cost_sharing_chart_for_staff_and_for_a_member(
    browser: Any, live_server: LiveServer
) -> None:
    page, errors = chart_page(browser)
    month = f"{live_server.demo_start:%Y-%m}"
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/costs?month={month}&source=orders")
    page.wait_for_selector("#chart-costs canvas")
    assert page.locator("[data-testid=costs-table] tbody tr").count() == 10
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cost-sharing-staff.png"), full_page=True)
    logout(page)
    login(page, live_server, "m03")
    page.goto(f"{live_server.url}/costs?month={month}&source=orders&lang=en")
    page.wait_for_selector("#chart-costs canvas")
    rows = page.locator("[data-testid=costs-table] tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-member") == "M03"
    page.screenshot(path=str(ARTIFACTS / "cost-sharing-member-en.png"), full_page=True)
    assert errors == []
