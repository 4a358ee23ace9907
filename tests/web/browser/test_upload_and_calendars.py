"""In Chromium (zh-CN): the admin uploads a holidays file on the upload page; a bad one comes
back naming each bad cell, a good one is imported and the part-day holiday shows on the
calendars page. Screenshots of both pages are kept in test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from mixshare.lines.imports import template_holidays
from tests.web.browser.conftest import ARTIFACTS, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _holidays_file(path: Path, rows: list[tuple[object, ...]]) -> Path:
    template_holidays(path)
    book = load_workbook(path)
    for row in rows:
        book["Holidays"].append(list(row))
    book.save(path)
    return path


def _login(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", server.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard"))


def test_upload_page_and_calendars_page(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server)
    bad = _holidays_file(
        tmp_path / "假日.xlsx",
        [("2031-10-01", "国庆节", ""), ("2031-13-02", "国庆节", "早班"), ("2031-10-03", "", "")],
    )
    page.goto(f"{live_server.url}/imports?kind=holidays")
    page.set_input_files("input[name=file]", str(bad))
    page.click("form[data-testid=upload-form] button[type=submit]")
    problems = page.locator("[data-testid=import-problems]")
    problems.wait_for()
    text = problems.inner_text()
    assert "row 3, column day" in text and "row 4, column name" in text
    assert "row 3, column open_shifts: unknown shift 早班" in text
    page.screenshot(path=str(ARTIFACTS / "upload-rejected-zh.png"), full_page=True)
    good = _holidays_file(
        tmp_path / "holidays.xlsx",
        [("2031-10-01", "国庆节", ""), ("2031-10-02", "国庆节（只开早班）", "早班 morning")],
    )
    page.set_input_files("input[name=file]", str(good))
    page.click("form[data-testid=upload-form] button[type=submit]")
    page.locator("[data-testid=import-done]").wait_for()
    page.goto(f"{live_server.url}/calendars")
    assert "早班 morning" in page.locator("[data-holiday='2031-10-02']").inner_text()
    page.screenshot(path=str(ARTIFACTS / "calendars-zh.png"), full_page=True)
    context.close()
