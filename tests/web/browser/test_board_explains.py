"""In Chromium: the plan board explains itself: a colour legend, the unplanned orders beside
the chart with their reasons, and urgent lots marked (zh-CN, the center's language)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from mixshare.db import session_scope
from mixshare.orders import service as orders
from mixshare.orders.models import Order
from mixshare.planning import service as planning
from mixshare.users.models import User
from tests.web.browser.conftest import ARTIFACTS, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _plan_with_a_rush_and_a_late_release(server: LiveServer) -> tuple[int, str, str]:
    """Plan id, the urgent order's number and the number of the order released too late."""
    start = datetime.combine(server.demo_start, datetime.min.time())
    with session_scope(server.database_url) as session:
        first, second = session.scalars(
            select(Order).where(Order.status == "open").order_by(Order.due_at).limit(2)
        ).all()
        planner = session.scalars(select(User).where(User.username == "planner")).one()
        orders.decide_urgency(session, first.id, True, "customer line stops", planner.id)
        second.release_at = start + timedelta(days=7, minutes=-30)
        plan = planning.run_plan(session, start=start, days=7, method="dispatch")
        return plan.id, first.number, second.number


def _login(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "planner")
    page.fill("input[name=password]", server.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard"))


def test_board_shows_legend_unplanned_reasons_and_urgent_lots(
    browser: Any, live_server: LiveServer
) -> None:
    plan_id, urgent, released_late = _plan_with_a_rush_and_a_late_release(live_server)
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server)
    start = f"{live_server.demo_start.isoformat()}T00:00"
    page.goto(f"{live_server.url}/plan?plan={plan_id}&start={start}&days=3")

    legend = page.locator("[data-testid=gantt-legend]")
    legend.locator(".legend-item").first.wait_for()
    text = legend.inner_text()
    assert "M01" in text and "加急" in text and "非班次" in text and "换产" in text

    unplanned = page.locator(
        f"[data-testid=unplanned-orders] li[data-order-number='{released_late}']"
    )
    assert unplanned.get_attribute("data-reason") == "released_too_late"
    assert "原料到厂太晚" in unplanned.inner_text()

    row = page.locator(f"tr[data-order='{urgent}']").first
    assert "urgent" in (row.get_attribute("class") or "")
    assert "加急" in row.inner_text()
    page.wait_for_timeout(600)  # let the chart finish its animation
    page.screenshot(path=str(ARTIFACTS / "plan-board-explained.png"), full_page=False)
    page.goto(f"{live_server.url}/plan?plan={plan_id}&start={start}&days=1")
    page.wait_for_timeout(800)  # one day: long bars carry their order number
    page.screenshot(path=str(ARTIFACTS / "plan-board-one-day.png"), full_page=False)

    page.goto(f"{live_server.url}/compounds")
    page.locator("table a").first.click()
    page.locator("[data-testid=compound-planning]").wait_for()
    assert "停放时间窗" in page.locator("[data-testid=compound-planning]").inner_text()
    page.screenshot(path=str(ARTIFACTS / "compound-page.png"), full_page=True)
    context.close()
