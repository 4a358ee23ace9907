"""An order due before it can possibly be done is accepted with a warning naming the earliest
possible completion (API and order form); a reachable due date gives no warning."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from mixshare.settings import now_local
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form

API = "/api/v1"


def _due_in(minutes: int) -> str:
    return (now_local() + timedelta(minutes=minutes)).replace(second=0, microsecond=0).isoformat()


def test_api_warns_with_the_earliest_completion(client: TestClient, world: World) -> None:
    body = {"compound": "C-M01", "quantity_kg": 2500, "due_at": _due_in(20)}
    answer = client.post(f"{API}/orders", json=body, headers=world.headers("m01"))
    assert answer.status_code == 201, answer.text
    order = answer.json()
    earliest = datetime.fromisoformat(order["earliest_completion"])
    assert earliest > datetime.fromisoformat(order["due_at"])
    assert len(order["warnings"]) == 1
    assert "earlier than the earliest possible completion" in order["warnings"][0]
    assert f"{earliest:%Y-%m-%d %H:%M}" in order["warnings"][0]

    body["due_at"] = _due_in(12 * 24 * 60)
    calm = client.post(f"{API}/orders", json=body, headers=world.headers("m01")).json()
    assert calm["warnings"] == [] and calm["earliest_completion"] is not None


def test_order_form_shows_the_warning_on_the_list(client: TestClient, world: World) -> None:
    token = page_login(client, "m01")
    fields = {"compound": "C-M01", "quantity_kg": "2500", "due_at": _due_in(20)[:16]}
    answer = post_form(client, "/orders/new", token, **fields)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert 'data-testid="due-warning"' in page
    assert "最早可能完工时间" in page  # zh-CN first


def test_an_order_changed_to_an_unreachable_due_date_is_warned_about(
    client: TestClient, world: World
) -> None:
    """Entry warned, a change did not: an order moved to a due date it cannot make got none."""
    body = {"compound": "C-M01", "quantity_kg": 2500, "due_at": _due_in(12 * 24 * 60)}
    order = client.post(f"{API}/orders", json=body, headers=world.headers("m01")).json()
    assert order["warnings"] == []
    change = {"due_at": _due_in(20), "version": order["version"]}
    answer = client.patch(f"{API}/orders/{order['id']}", json=change, headers=world.headers("m01"))
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert len(changed["warnings"]) == 1 and changed["earliest_completion"] is not None
    assert "earlier than the earliest possible completion" in changed["warnings"][0]
    note = {"note": "only a note", "version": changed["version"]}
    calm = client.patch(f"{API}/orders/{order['id']}", json=note, headers=world.headers("m01"))
    assert calm.json()["warnings"] == []  # no date or quantity changed: nothing checked

    token = page_login(client, "m01")
    edit = client.get(f"/orders/{order['id']}").text
    version = edit.split('name="row_version" value="', 1)[1].split('"', 1)[0]
    fields = {"quantity_kg": "2500", "due_at": _due_in(25)[:16], "row_version": version}
    saved = post_form(client, f"/orders/{order['id']}", token, **fields)
    assert saved.status_code == 303, saved.text[:500]
    page = client.get(saved.headers["location"]).text
    assert 'data-testid="due-warning"' in page and "最早可能完工时间" in page
