"""Login throttling against a real peer address (issue 11, finding 7).

The client of a request is the address that connected; ``X-Forwarded-For`` counts only from
the proxies in ``MIXSHARE_TRUSTED_PROXIES``. These tests run ``mixshare serve``'s uvicorn
configuration on a real socket, since the finding was in how the server read the headers.
An attacker behind a shared address cannot lock out the correct logins of others there.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.settings import trusted_proxies
from mixshare.users import service as users
from mixshare.web.app import create_app
from mixshare.web.server import server_config
from tests.web.conftest import PASSWORD, World

TOKEN = "/api/v1/auth/token"


def live_server(db_url: str, proxies: list[str]) -> Iterator[str]:
    """``mixshare serve``'s server on a free local port; yields its base URL."""
    app = create_app(db_url, secret_key="test-secret", trusted_proxies=proxies)
    server = uvicorn.Server(server_config(app, "127.0.0.1", 0))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def direct(db_url: str, world: World) -> Iterator[str]:
    """A server with no trusted proxy (the default)."""
    yield from live_server(db_url, [])


@pytest.fixture
def behind_proxy(db_url: str, world: World) -> Iterator[str]:
    """A server that trusts the local proxy."""
    yield from live_server(db_url, ["127.0.0.1"])


def failed_login_clients(db: Session) -> set[str]:
    return set(db.scalars(select(AuditEntry.client).where(AuditEntry.action == "login_failed")))


def test_rotating_forwarded_for_does_not_escape_throttling(direct: str, db: Session) -> None:
    statuses = []
    for n in range(30):
        forged = {"X-Forwarded-For": f"10.9.{n}.{n}"}
        form = {"username": "admin", "password": f"guess-{n}"}
        statuses.append(httpx.post(direct + TOKEN, data=form, headers=forged).status_code)
    limit = users.MAX_FAILURES_PER_USER_AND_CLIENT
    assert statuses == [401] * limit + [429] * (30 - limit)
    assert failed_login_clients(db) == {"127.0.0.1"}  # the real peer, never a forged one


def test_forwarded_for_counts_from_a_trusted_proxy(behind_proxy: str, db: Session) -> None:
    form = {"username": "admin", "password": "wrong-password"}
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert httpx.post(behind_proxy + TOKEN, data=form, headers=forwarded).status_code == 401
    assert failed_login_clients(db) == {"203.0.113.7"}


def token_status(client: TestClient, username: str, password: str) -> int:
    form = {"username": username, "password": password}
    response: httpx.Response = client.post(TOKEN, data=form)
    return response.status_code


def test_attacker_at_shared_address_cannot_lock_out_others(
    client: TestClient, world: World
) -> None:
    for n in range(users.MAX_FAILURES_PER_CLIENT):  # spraying from the shared address
        assert token_status(client, f"ghost{n}", "guess") == 401
    assert token_status(client, "m01", "guess") == 401
    assert token_status(client, "admin", PASSWORD) == 200  # not under attack: gets in
    assert token_status(client, "m01", PASSWORD) == 429  # under attack from here: blocked
    assert token_status(client, "m02", "guess") == 401  # one more guess per account ...
    assert token_status(client, "m02", PASSWORD) == 429  # ... and then that one is blocked


def test_trusted_proxies_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIXSHARE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert trusted_proxies() == ["127.0.0.1", "10.0.0.0/8"]
    monkeypatch.setenv("MIXSHARE_TRUSTED_PROXIES", "127.0.0.1, proxy.local")
    with pytest.raises(ValueError, match=r"MIXSHARE_TRUSTED_PROXIES: 'proxy\.local'"):
        trusted_proxies()
    monkeypatch.delenv("MIXSHARE_TRUSTED_PROXIES")
    assert trusted_proxies() == []
