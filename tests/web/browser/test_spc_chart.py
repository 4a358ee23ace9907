"""In Chromium: the SPC chart's tooltip shows a batch code as text, never as markup.

An ECharts tooltip formatter returns HTML; the SPC chart's put the batch code and the unit into
it unescaped. Codes are checked on input now, so the hostile one is planted straight into the
database, as data stored before that check existed would be.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mixshare.db import session_scope
from mixshare.execution import service as execution
from mixshare.execution.models import Batch
from mixshare.execution.samples import BatchFactory
from mixshare.quality import service as quality
from mixshare.settings import now_local
from tests.web.browser.conftest import LiveServer, first_version, weighings
from tests.web.browser.test_hostile_text import WATCH_CSP
from tests.web.browser.test_plan_board import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE_CODE = '<img src=x onerror="window.__xss=7">'
SHOW_TIP = """(code) => {
  const data = JSON.parse(document.getElementById("spc-data").textContent);
  const chart = echarts.getInstanceByDom(document.getElementById("spc-individuals"));
  chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: data.batches.indexOf(code) });
}"""
CHART_SAYS = "(text) => document.getElementById('spc-individuals').innerText.includes(text)"


def spc_batches(server: LiveServer) -> str:
    """Three final batches of M01's first compound on L1 with a Mooney result each, the first
    with a hostile code; returns the SPC page's query for them."""
    with session_scope(server.database_url) as session:
        version = first_version(session, "M01")
        ingredients = weighings(session, version, "FB", 20.0)
        start = now_local().replace(microsecond=0) - timedelta(hours=6)
        factory = BatchFactory("L1", version.key, "FB", ingredients, start=start, seed=12)
        ids = []
        for n in range(3):
            made = execution.ingest_one(
                session, factory.next(batch=f"L1-SPC-{n:03d}"), source="api"
            )
            assert made.batch_id is not None, made.reasons
            entry = quality.ResultIn(test="MOONEY", value=44.0 + n, batch_id=made.batch_id)
            quality.record_results(session, [entry], None, source="api")
            ids.append(made.batch_id)
        batch = session.get(Batch, ids[0])
        assert batch is not None
        batch.code = HOSTILE_CODE
        return f"test=MOONEY&version={version.id}&stage=FB&line={batch.line_id}"


def test_a_hostile_batch_code_shows_as_text_in_the_spc_tooltip(
    live_server: LiveServer, browser: Any
) -> None:
    query = spc_batches(live_server)
    page = browser.new_page()
    page.add_init_script(WATCH_CSP)
    try:
        login(page, live_server, "quality")
        page.goto(f"{live_server.url}/quality/spc?{query}")
        page.wait_for_function(
            "() => window.echarts && echarts.getInstanceByDom("
            "document.getElementById('spc-individuals'))"
        )
        page.evaluate(SHOW_TIP, HOSTILE_CODE)
        page.wait_for_function(CHART_SAYS, arg=HOSTILE_CODE, timeout=5000)
        assert page.locator("#spc-individuals img").count() == 0
        assert page.evaluate("window.__xss") is None
        assert page.evaluate("window.__csp") == []
    finally:
        page.close()
