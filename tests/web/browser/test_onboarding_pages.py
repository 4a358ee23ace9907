"""In Chromium (zh-CN): the pages a new center is set up on (docs/onboarding.md) render for
the center admin with their data and forms, and the upload page shows a new user's initial
password once. Screenshots of each go to test-artifacts/ (copied to docs/screenshots)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mixshare.db import session_scope
from mixshare.lines.models import Line
from tests.web.browser.conftest import ARTIFACTS, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# page, screenshot name, a text the page must show (zh-CN)
PAGES = [
    ("/members", "onboard-members-zh.png", "M01"),
    ("/users", "onboard-users-zh.png", "m01"),
    ("/materials", "onboard-materials-zh.png", "N330"),
    ("/lines", "onboard-lines-zh.png", "L1"),
    ("/tariffs", "onboard-tariffs-zh.png", "ZJ"),
    ("/reference", "onboard-reference-zh.png", "black"),
]


def _login(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", server.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard"))


def test_onboarding_pages_in_chinese(browser: Any, live_server: LiveServer, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server)
    for path, shot, shown in PAGES:
        answer = page.goto(f"{live_server.url}{path}")
        assert answer is not None and answer.status == 200, path
        assert shown in page.inner_text("main"), path
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    with session_scope(live_server.database_url) as session:
        line_id = session.scalars(select(Line.id).where(Line.code == "L1")).one()
    page.goto(f"{live_server.url}/lines/{line_id}/edit")
    assert "母炼" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "onboard-line-edit-zh.png"), full_page=True)

    members = tmp_path / "members.csv"
    members.write_text(
        "member,member_name,products,username,role,full_name\n"
        "D07,新成员橡胶制品厂,胶辊 rollers,d07.admin,member_admin,钱程\n",
        encoding="utf-8",
    )
    page.goto(f"{live_server.url}/imports?kind=members")
    page.set_input_files("input[name=file]", str(members))
    page.click("form[data-testid=upload-form] button[type=submit]")
    shown_once = page.locator("[data-testid=initial-passwords]")
    shown_once.wait_for()
    assert "d07.admin" in shown_once.inner_text()
    page.screenshot(path=str(ARTIFACTS / "onboard-upload-members-zh.png"), full_page=True)
    context.close()
