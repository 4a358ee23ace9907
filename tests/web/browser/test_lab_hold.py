"""In Chromium: the quality user holds a batch with a disposition; the operator then sees the
batch held (the state comes from the database, not from the quality user's page)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from mixshare.db import session_scope
from mixshare.execution import service as execution
from mixshare.execution.samples import BatchFactory
from mixshare.quality import service as quality
from mixshare.quality.synthetic import mixing_curve
from mixshare.settings import now_local
from tests.web.browser.conftest import ARTIFACTS, LiveServer, first_version, weighings
from tests.web.browser.test_plan_board import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def mixed_batch(server: LiveServer) -> tuple[int, str]:
    """One masterbatch of M01's first compound on L1, ingested as the line sends it, with a
    Mooney spec so the batch page has something to test."""
    with session_scope(server.database_url) as session:
        version = first_version(session, "M01")
        quality.set_spec(session, quality.SpecIn(version.id, "MB", "MOONEY", lsl=50, usl=70))
        ingredients = weighings(session, version, "MB", 100.0)
        start = now_local().replace(microsecond=0) - timedelta(hours=6)
        factory = BatchFactory("L1", version.key, "MB", ingredients, start=start)
        curve: dict[str, Any] = {"hz": 1, **mixing_curve(np.random.default_rng(3))}
        document = factory.next(curve=curve)
        started = datetime.fromisoformat(document["started_at"])
        document["ended_at"] = (started + timedelta(seconds=len(curve["power_kw"]) - 1)).isoformat()
        document.pop("energy_kwh")
        result = execution.ingest_one(session, document, source="api")
        assert result.outcome == "accepted", result.reasons
        assert result.batch_id is not None and result.batch is not None
        return result.batch_id, result.batch


def test_quality_holds_a_batch_and_the_operator_sees_it_held(
    live_server: LiveServer, browser: Any
) -> None:
    batch_id, code = mixed_batch(live_server)
    page = browser.new_page()
    try:
        login(page, live_server, "quality")
        page.goto(f"{live_server.url}/quality")
        page.click(f"text={code}")
        page.wait_for_url(re.compile(rf"/quality/batches/{batch_id}$"))
        page.select_option("[data-testid=hold-form] select[name=decision]", "rework")
        page.fill("[data-testid=hold-form] input[name=reason]", "上顶栓压力不足 / ram pressure low")
        page.click("[data-testid=hold]")
        page.wait_for_url(re.compile(r"saved=held"))
        assert page.inner_text("[data-testid=batch-state]") == "已扣留"
        logout(page)
        login(page, live_server, "operator")
        page.goto(f"{live_server.url}/quality/batches/{batch_id}")
        assert page.inner_text("[data-testid=batch-state]") == "已扣留"
        assert "上顶栓压力不足" in page.inner_text("[data-testid=disposition]")
        assert page.locator("[data-testid=hold-form]").count() == 0  # the operator only sees
        page.screenshot(path=str(ARTIFACTS / "lab-hold-operator.png"), full_page=True)
    finally:
        page.close()
