"""Two people saving the same order at the same moment, through a real server: one wins, the
other is told the order changed (409 on the API, the form again on the pages), never a 500;
and a form without the version it edited is refused instead of overwriting."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mixshare.db import session_factory
from mixshare.orders.models import Order
from tests.web.conftest import PASSWORD, World
from tests.web.live import live_server

ROUNDS = 10
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def server(db_url: str, world: World) -> Iterator[str]:
    with live_server(db_url) as url:
        yield url


def _race(calls: list[Callable[[], int]]) -> list[int]:
    """Run the calls at the same moment, one thread each; their status codes."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def run(call: Callable[[], int]) -> None:
        barrier.wait()
        statuses.append(call())

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def _row_version(db_url: str, order_id: int) -> int:
    with session_factory(db_url)() as session:
        order = session.get(Order, order_id)
        assert order is not None
        return order.row_version


def test_api_patch_race_gives_one_winner_and_409s(server: str, world: World, db_url: str) -> None:
    order_id = world.orders["M01"]
    headers = world.headers("m01")
    clients = [httpx.Client(base_url=server, headers=headers, timeout=30) for _ in range(2)]

    def patch(client: httpx.Client, version: int, kg: int) -> Callable[[], int]:
        body = {"version": version, "quantity_kg": kg}
        return lambda: client.patch(f"/api/v1/orders/{order_id}", json=body).status_code

    outcomes = []
    for n in range(ROUNDS):
        version = _row_version(db_url, order_id)
        calls = [patch(c, version, 3000 + 10 * n + i) for i, c in enumerate(clients)]
        outcomes.append(_race(calls))
    assert outcomes == [[200, 409]] * ROUNDS
    assert _row_version(db_url, order_id) == 1 + ROUNDS


def _page_client(server: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server, timeout=30)
    token = _token(client.get("/login").text)
    data = {"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert client.post("/login", data=data).status_code == 303
    return client, _token(client.get("/orders").text)


def _token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, html[:300]
    return found.group(1)


def _form(order_id: int, token: str, **fields: Any) -> dict[str, str]:
    return {"csrf_token": token, **{k: str(v) for k, v in fields.items()}}


def test_form_edit_race_gives_one_winner_and_the_form_again(
    server: str, world: World, db_url: str
) -> None:
    order_id = world.orders["M01"]
    pages = [_page_client(server, name) for name in ("m01", "m01admin")]

    def save(client: httpx.Client, token: str, version: int, kg: int) -> Callable[[], int]:
        data = _form(order_id, token, row_version=version, quantity_kg=kg)
        return lambda: client.post(f"/orders/{order_id}", data=data).status_code

    outcomes = []
    for n in range(ROUNDS):
        version = _row_version(db_url, order_id)
        calls = [save(c, t, version, 3100 + 10 * n + i) for i, (c, t) in enumerate(pages)]
        outcomes.append(_race(calls))
    assert outcomes == [[303, 409]] * ROUNDS
    assert _row_version(db_url, order_id) == 1 + ROUNDS


def test_form_edit_without_row_version_is_refused(server: str, world: World, db_url: str) -> None:
    order_id = world.orders["M01"]
    client, token = _page_client(server, "m01")
    answer = client.post(f"/orders/{order_id}", data=_form(order_id, token, quantity_kg=4321))
    assert answer.status_code == 422
    assert "row_version" in answer.text
    assert _row_version(db_url, order_id) == 1
