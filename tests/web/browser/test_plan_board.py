"""End to end in Chromium: a member orders, the planner plans, an outage moves the lot."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.web.browser.conftest import ARTIFACTS, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIME_LIMIT = "2"
WAIT_MS = 60_000


def login(page: Any, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", server.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard"))


def logout(page: Any) -> None:
    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r"/login"))


def place_order(page: Any, server: LiveServer) -> str:
    """As the logged-in member: order 2 t of its first compound, due on day 3 of the demo."""
    page.goto(f"{server.url}/orders/new")
    options = page.locator("select[name=compound] option").all()
    page.select_option("select[name=compound]", options[1].get_attribute("value"))
    page.fill("input[name=quantity_kg]", "2000")
    due = datetime.combine(server.demo_start, datetime.min.time()) + timedelta(days=2, hours=14)
    page.fill("input[name=due_at]", due.strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-testid=save-order]")
    notice = page.locator("[data-testid=order-created]")
    notice.wait_for()
    number = re.search(r"M\d+-\d{4}-\d{4}", notice.inner_text())
    assert number, notice.inner_text()
    return number.group(0)


def wait_for_new_plan(page: Any) -> int:
    """After a plan action: the job runs in the background, the page polls, then shows it."""
    page.wait_for_url(re.compile(r"/plan\?plan=\d+"), timeout=WAIT_MS)
    title = page.locator("[data-testid=plan-title]")
    return int(title.get_attribute("data-plan-version"))


def lot_of(page: Any, server: LiveServer, number: str) -> dict[str, str]:
    """The order's first lot in the lot table under the Gantt (whole week shown)."""
    plan_id = page.locator("[data-testid=plan-title]").get_attribute("data-plan-id")
    start = f"{server.demo_start.isoformat()}T00:00"
    page.goto(f"{server.url}/plan?plan={plan_id}&start={start}&days=7")
    row = page.locator(f"tr[data-order='{number}']").first
    row.wait_for()
    return {k: row.get_attribute(f"data-{k}") or "" for k in ("lot-code", "line", "start", "end")}


def run_plan(page: Any, server: LiveServer) -> int:
    page.goto(f"{server.url}/plan")
    form = page.locator("[data-testid=run-plan]")
    form.locator("input[name=start]").fill(f"{server.demo_start.isoformat()}T00:00")
    form.locator("input[name=days]").fill("7")
    form.locator("input[name=time_limit]").fill(TIME_LIMIT)
    form.locator("button[type=submit]").click()
    return wait_for_new_plan(page)


def declare_outage(page: Any, lot: dict[str, str]) -> int:
    form = page.locator("[data-testid=outage-form]")
    line_id = form.locator(f"option[data-line-code='{lot['line']}']").get_attribute("value")
    form.locator("select[name=line_id]").select_option(line_id)
    form.locator("input[name=start]").fill(lot["start"][:16])
    form.locator("input[name=end]").fill(lot["end"][:16])
    form.locator("input[name=reason]").fill("browser test: mixer seal failure")
    form.locator("input[name=time_limit]").fill(TIME_LIMIT)
    form.locator("button[type=submit]").click()
    # The re-plan offers the least-change and the best plan side by side; keep the first.
    page.wait_for_url(re.compile(r"/plan/\d+/choose"), timeout=WAIT_MS)
    assert page.locator("[data-testid=tradeoff] [data-kpi=lots_moved]").count() == 2
    page.locator("[data-testid=keep-least-change] button[type=submit]").click()
    return wait_for_new_plan(page)


def test_member_orders_planner_replans_around_an_outage(
    browser: Any, live_server: LiveServer
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    login(page, live_server, "m01")
    number = place_order(page, live_server)
    logout(page)

    login(page, live_server, "planner")
    first = run_plan(page, live_server)
    before = lot_of(page, live_server, number)
    page.click(f"[data-show-lot='{before['lot-code']}']")
    assert before["lot-code"] in page.locator("[data-testid=lot-details]").inner_text()

    second = declare_outage(page, before)
    assert second > first
    after = lot_of(page, live_server, number)
    assert after["lot-code"] == before["lot-code"]
    assert (after["line"], after["start"]) != (before["line"], before["start"])
    page.wait_for_timeout(500)  # let the chart finish its animation
    page.screenshot(path=str(ARTIFACTS / "plan-board.png"), full_page=False)

    page.goto(f"{live_server.url}/dashboard")
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    context.close()


def test_language_switch(browser: Any, live_server: LiveServer) -> None:
    page = browser.new_page()
    login(page, live_server, "planner")
    nav = page.locator("header nav")
    assert "计划看板" in nav.inner_text()
    page.click("[data-testid=lang-switch] a[hreflang=en]")
    page.wait_for_url(re.compile(r"lang=en"))
    assert "Plan board" in nav.inner_text()
    page.goto(f"{live_server.url}/orders")  # the choice is remembered (cookie)
    assert "Orders" in page.locator("h1").inner_text()
    page.close()
