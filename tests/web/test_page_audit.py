"""A change made through a page is audited as the same change through the API is: who, what,
which object and the client's address (``X-Forwarded-For`` only from a trusted proxy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.orders.models import Order
from mixshare.web.app import create_app
from tests.web.conftest import World, soon
from tests.web.pages_helpers import page_login, post_form

PROXY = "testclient"  # the peer address Starlette's TestClient connects from
FORWARDED = {"X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
def proxied(db_url: str, world: World) -> Iterator[TestClient]:
    """The app behind a trusted proxy at the test client's address."""
    with TestClient(create_app(db_url, secret_key="test-secret", trusted_proxies=[PROXY])) as c:
        yield c


def created_order_id(db: Session, number: str) -> str:
    db.commit()  # see what the app committed
    order = db.scalars(select(Order).where(Order.number == number)).one()
    return str(order.id)


def order_fields() -> dict[str, str]:
    return {"compound": "C-M01", "quantity_kg": "2500", "due_at": soon(12).isoformat()}


def page_create(client: TestClient) -> str:
    """Create an order through the order form as m01; returns its number."""
    token = page_login(client, "m01")
    client.headers.update(FORWARDED)
    answer = post_form(client, "/orders/new", token, **order_fields())
    assert answer.status_code == 303, answer.text[:300]
    return answer.headers["location"].rpartition("created=")[2]


def created_entry(db: Session, number: str) -> AuditEntry:
    order_id = created_order_id(db, number)
    query = select(AuditEntry).where(
        AuditEntry.object_type == "order",
        AuditEntry.object_id == order_id,
        AuditEntry.action == "create",
    )
    return db.scalars(query).one()


def test_page_write_audits_the_forwarded_client_of_a_trusted_proxy(
    proxied: TestClient, world: World, db: Session
) -> None:
    entry = created_entry(db, page_create(proxied))
    assert (entry.username, entry.user_id, entry.client) == (
        "m01",
        world.users["m01"],
        "203.0.113.7",
    )
    assert entry.member_id == entry.actor_member_id  # m01's own order


def test_page_write_ignores_forwarded_for_from_an_untrusted_peer(
    client: TestClient, db: Session
) -> None:
    assert created_entry(db, page_create(client)).client == "testclient"  # the real peer, not "web"


def test_page_and_api_writes_leave_the_same_record(
    proxied: TestClient, world: World, db: Session
) -> None:
    number = page_create(proxied)
    body = {**order_fields(), "number": "API-3", "quantity_kg": 2500}
    api = proxied.post("/api/v1/orders", json=body, headers={**world.headers("m01"), **FORWARDED})
    assert api.status_code == 201, api.text

    def shape(entry: AuditEntry) -> tuple[object, ...]:
        return (
            entry.user_id,
            entry.username,
            entry.actor_member_id,
            entry.action,
            entry.object_type,
            entry.member_id,
            entry.client,
        )

    assert shape(created_entry(db, number)) == shape(created_entry(db, "API-3"))
