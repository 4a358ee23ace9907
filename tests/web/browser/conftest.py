"""A real uvicorn server on a free port, on a fresh database holding a small demo center.

The browser is ``MIXSHARE_CHROMIUM`` (``scripts/test`` sets it to the Chromium it found or
installed), else ``chromium`` on the PATH. Without one the browser tests skip, never error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.db import session_scope
from mixshare.demo.accounts import create_demo_accounts
from mixshare.demo.generator import load_demo_center, next_monday
from mixshare.execution.samples import IngredientSpec
from mixshare.materials.models import Material
from mixshare.members.models import Member
from tests.conftest import ON_POSTGRES, copied_database
from tests.web.live import live_server as live

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-pass-1"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@dataclass(frozen=True)
class LiveServer:
    url: str
    demo_start: date
    password: str
    database_url: str = ""


def chart_page(browser: Any) -> tuple[Any, list[str]]:
    """A wide page for a chart, and the list its errors gather in: script errors, requests
    refused or answered with an error (a CSP block shows here as a console error; the
    browser's own favicon 404 is one too, and is not ours)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("requestfailed", lambda r: errors.append(r.url))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    return page, errors


def first_version(session: Session, member: str) -> CompoundVersion:
    """The newest version of ``member``'s first compound (by code) in the demo center."""
    compound = session.scalars(
        select(Compound).join(Member).where(Member.code == member).order_by(Compound.code)
    ).first()
    assert compound is not None
    return compound.versions[-1]


def weighings(
    session: Session, version: CompoundVersion, stage: str, kg: float
) -> list[IngredientSpec]:
    """``kg`` of each of the version's ingredients of ``stage``, as a line reports them."""
    codes = {m.id: m.code for m in session.scalars(select(Material))}
    return [
        IngredientSpec(codes[i.material_id], kg) for i in version.ingredients if i.stage == stage
    ]


def chromium_path() -> str:
    return os.environ.get("MIXSHARE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium(migrated_template: str) -> str:
    """The browser's path, or a skip: every reason not to run is checked before anything starts
    (the browser fixture used to launch a missing Chromium and error before any skip)."""
    path = chromium_path()
    if not os.access(path, os.X_OK):
        pytest.skip(
            f"no Chromium at {path}: set MIXSHARE_CHROMIUM, or run scripts/test as root "
            "to install Debian's chromium"
        )
    if ON_POSTGRES:
        pytest.skip("browser tests run on SQLite")
    pytest.importorskip("playwright.sync_api")
    return path


@pytest.fixture(scope="module")
def live_server(
    chromium: str, migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    start = next_monday(date.today())
    with copied_database(migrated_template, tmp_path_factory.mktemp("browser"), "browser") as url:
        with session_scope(url) as session:
            load_demo_center(session, seed=7, weeks=1, start=start)
            create_demo_accounts(session, PASSWORD)
        with live(url) as base_url:
            yield LiveServer(base_url, start, PASSWORD, url)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
