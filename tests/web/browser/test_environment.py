"""In Chromium: the chart "VOC by method" draws under the strict CSP for the center's staff
(the center's kg) and for a member (its own kg per tonne only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mixshare.compounds.models import Compound
from mixshare.db import session_scope
from mixshare.environment.imports import import_stack_monitoring
from mixshare.execution.models import Batch
from mixshare.lines.models import Line
from mixshare.members.models import Member
from tests.environment.conftest import write_stack_csv
from tests.web.browser.conftest import ARTIFACTS, LiveServer, chart_page
from tests.web.browser.test_plan_board import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _month_of_data(live_server: LiveServer, tmp_path: Path) -> str:
    """Masterbatches of M03 and M05 and a day of stack readings on the demo's first day."""
    start = datetime.combine(live_server.demo_start, datetime.min.time())
    with session_scope(live_server.database_url) as session:
        line = session.scalars(select(Line).order_by(Line.code)).first()
        assert line is not None
        for n, member in enumerate(("M03", "M05")):
            compound = session.scalars(
                select(Compound).join(Member).where(Member.code == member)
            ).first()
            assert compound is not None
            for k in range(4):
                at = start + timedelta(hours=2 * k + n)
                session.add(Batch(
                    line_id=line.id, code=f"ENV-{member}-{k}",
                    compound_version_id=compound.versions[-1].id, member_id=compound.member_id,
                    stage="MB", started_at=at, ended_at=at + timedelta(minutes=3),
                    dump_temperature_c=150.0, energy_kwh=60.0, target_kg=330.0, actual_kg=330.0,
                    content_hash=f"env{member}{k}".ljust(64, "0"), source="api", received_at=at,
                ))  # fmt: skip
        csv = write_stack_csv(tmp_path / "stack.csv", list(range(24)))
        text = csv.read_text(encoding="utf-8").replace("2026-11-01", f"{start:%Y-%m-%d}")
        csv.write_text(text, encoding="utf-8")
        import_stack_monitoring(session, csv)
    return f"{start:%Y-%m}"


def test_voc_by_method_for_staff_and_for_a_member(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    month = _month_of_data(live_server, tmp_path)
    page, errors = chart_page(browser)
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/environment?month={month}")
    page.wait_for_selector("#chart-voc-methods canvas")
    assert page.locator("[data-testid=voc-methods] tbody tr").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "environment-zh.png"), full_page=True)
    logout(page)
    login(page, live_server, "m03")
    page.goto(f"{live_server.url}/environment?month={month}&lang=en")
    page.wait_for_selector("#chart-voc-methods canvas")
    assert (
        page.locator("[data-testid=rubber-input]").inner_text() == "1.320 t"
    )  # its own 4 × 330 kg
    assert page.locator("[data-testid=voc-methods]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "environment-member-en.png"), full_page=True)
    assert errors == []
