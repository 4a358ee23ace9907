"""In Chromium: the quality user releases two final batches and holds a third; the operator
sees the held one on the stock page and cannot pick it for a delivery; the member downloads the
delivery's certificate of analysis and it lists only the released batches."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from mixshare.db import session_scope
from mixshare.execution import service as execution
from mixshare.execution.samples import BatchFactory
from mixshare.quality import service as quality
from mixshare.settings import now_local
from tests.pdf_reading import pdf_text
from tests.web.browser.conftest import ARTIFACTS, LiveServer, first_version, weighings
from tests.web.browser.test_plan_board import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def finals_to_decide(server: LiveServer, count: int = 3) -> list[tuple[int, str]]:
    """``count`` final batches of M01's first compound, mixed six hours ago (rest over), each
    with a Mooney result inside its spec: tested, waiting for the lab's decision."""
    with session_scope(server.database_url) as session:
        version = first_version(session, "M01")
        quality.set_spec(session, quality.SpecIn(version.id, "FB", "MOONEY", 40, 45, 50))
        ingredients = weighings(session, version, "FB", 20.0)
        start = now_local().replace(microsecond=0) - timedelta(hours=6)
        factory = BatchFactory("L1", version.key, "FB", ingredients, start=start, seed=11)
        made = []
        for n in range(count):
            result = execution.ingest_one(
                session, factory.next(batch=f"L1-COA-{n:03d}"), source="api"
            )
            assert result.batch_id is not None and result.batch is not None, result.reasons
            entry = quality.ResultIn(test="MOONEY", value=44.0 + n, batch_id=result.batch_id)
            quality.record_results(session, [entry], None, source="api")
            made.append((result.batch_id, result.batch))
        return made


def decide(page: Any, server: LiveServer, batch_id: int, hold: bool) -> None:
    page.goto(f"{server.url}/quality/batches/{batch_id}")
    if hold:
        page.select_option("[data-testid=hold-form] select[name=decision]", "downgrade")
        page.fill("[data-testid=hold-form] input[name=reason]", "表面杂质 / surface contamination")
        page.click("[data-testid=hold]")
        page.wait_for_url(re.compile(r"saved=held"))
    else:
        page.click("[data-testid=release]")
        page.wait_for_url(re.compile(r"saved=released"))


def test_the_certificate_lists_only_released_batches(live_server: LiveServer, browser: Any) -> None:
    (first, a), (second, b), (third, held) = finals_to_decide(live_server)
    page = browser.new_page()
    try:
        login(page, live_server, "quality")
        decide(page, live_server, first, hold=False)
        decide(page, live_server, second, hold=False)
        decide(page, live_server, third, hold=True)
        logout(page)

        login(page, live_server, "operator")
        page.goto(f"{live_server.url}/stock?stage=FB")
        row = page.locator(f"tr[data-batch='{held}']")
        assert "已扣留" in row.inner_text()  # the operator sees the hold
        page.screenshot(path=str(ARTIFACTS / "stock-operator-held.png"), full_page=True)
        page.goto(f"{live_server.url}/deliveries")
        page.click("[data-testid=new-delivery]")
        m01 = page.locator("select[name=member] option", has_text="M01").get_attribute("value")
        page.select_option("select[name=member]", m01)
        page.fill("input[name=count]", "10")
        page.click("form.filters button[type=submit]")
        candidates = page.inner_text("[data-testid=candidates]")
        assert a in candidates and b in candidates and held not in candidates
        for box in page.locator("[data-testid=candidates] input[type=checkbox]").all():
            box.uncheck()
        page.check(f"input[aria-label='{a}']")
        page.check(f"input[aria-label='{b}']")
        page.screenshot(path=str(ARTIFACTS / "delivery-new-fifo.png"), full_page=True)
        page.click("[data-testid=deliver]")
        page.wait_for_url(re.compile(r"/deliveries/\d+\?saved=created"))
        number = page.inner_text("h1").split()[-1]
        logout(page)

        login(page, live_server, "m01")
        page.goto(f"{live_server.url}/deliveries")
        page.click(f"text={number}")
        with page.expect_download() as download:
            page.click("[data-testid=certificate]")
        pdf = download.value.path().read_bytes()
        text = pdf_text(pdf)
        assert number in text and a in text and b in text
        assert held not in text  # only released batches are delivered and certified
        assert "质量证明书" in text and "44.0" in text and "45.0" in text
    finally:
        page.close()
