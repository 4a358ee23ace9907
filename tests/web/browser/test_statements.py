"""In Chromium: a statement's cost-breakdown chart draws under the strict CSP, for the center
admin (any member) and for a member (its own statement, whatever member the URL names), on a
generated, finished month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from mixshare.db import session_factory, session_scope
from mixshare.demo.accounts import create_demo_accounts
from mixshare.demo.billing_month import generate_month
from mixshare.members.models import Member
from tests.conftest import copied_database
from tests.web.browser.conftest import ARTIFACTS, PASSWORD, LiveServer, chart_page
from tests.web.browser.test_plan_board import login, logout
from tests.web.live import live_server as live

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MONTH = "2026-11"


@pytest.fixture(scope="module")
def billed_server(
    chromium: str, migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("statements")
    with copied_database(migrated_template, folder, "statements") as url:
        with session_factory(url)() as session:
            generate_month(session, month=MONTH, members=10, batches=400, seed=5)
        with session_scope(url) as session:
            create_demo_accounts(session, PASSWORD)
        with live(url) as base_url:
            yield LiveServer(base_url, date(2026, 11, 1), PASSWORD, url)


def test_statement_chart_for_the_admin_and_a_member(
    browser: Any, billed_server: LiveServer
) -> None:
    with session_factory(billed_server.database_url)() as session:
        ids = dict(session.execute(select(Member.code, Member.id)).all())
    page, errors = chart_page(browser)
    login(page, billed_server, "admin")
    page.goto(f"{billed_server.url}/statements?month={MONTH}&member={ids['M02']}")
    page.wait_for_selector("#chart-statement canvas")
    assert page.locator("[data-testid=statement-lines] tbody tr").count() > 5
    assert page.locator("[data-testid=statement-fixed]").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statement-admin.png"), full_page=True)
    logout(page)
    login(page, billed_server, "m03")
    page.goto(f"{billed_server.url}/statements?month={MONTH}&member={ids['M02']}&lang=en")
    page.wait_for_selector("#chart-statement canvas")
    assert page.locator("h1").inner_text() == "Monthly statements · M03"
    page.screenshot(path=str(ARTIFACTS / "statement-member-en.png"), full_page=True)
    assert errors == []
