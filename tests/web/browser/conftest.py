"""A real uvicorn server on a free port, on a fresh database holding a small demo center."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from mixshare.db import session_scope
from mixshare.demo.accounts import create_demo_accounts
from mixshare.demo.generator import load_demo_center, next_monday
from mixshare.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if migrated_template.startswith("mixshare_tmpl_"):
        pytest.skip("browser tests run on SQLite")
    path = tmp_path_factory.mktemp("browser") / "browser.db"
    path.write_bytes(Path(migrated_template).read_bytes())
    url = f"sqlite:///{path}"
    start = next_monday(date.today())
    with session_scope(url) as session:
        load_demo_center(session, seed=7, weeks=1, start=start)
        create_demo_accounts(session, PASSWORD)
    port = _free_port()
    config = uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", start, PASSWORD, url)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
