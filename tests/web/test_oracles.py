"""Existence oracles (issue 11, finding 11): nothing a member does tells whether another
member's order number or object id exists, and probing fills the audit log slowly.

- order numbers are unique per member, so another member's number is no "already exists";
- a denied probe (another member's id) does the same work before its answer as a probe of a
  missing id: its audit entry is written after the response has gone out;
- denied probes of one user within a minute share one audit entry that counts them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from mixshare.access import Access
from mixshare.audit import service as audit
from mixshare.audit.models import AuditEntry
from mixshare.errors import NotFound
from mixshare.orders.models import Order
from mixshare.users.models import User
from tests.web.conftest import World, soon

API = "/api/v1"


def denied_entries(db: Session) -> list[AuditEntry]:
    db.commit()  # a fresh snapshot: what other connections have committed by now
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == "denied")))


def test_another_members_order_number_is_not_taken(
    client: TestClient, world: World, db: Session
) -> None:
    theirs = db.get(Order, world.orders["M02"])
    assert theirs is not None
    body = {"compound": "C-M01", "quantity_kg": 2500, "due_at": soon(12).isoformat()}
    created = client.post(
        f"{API}/orders", json={**body, "number": theirs.number}, headers=world.headers("m01")
    )
    assert created.status_code == 201, created.text
    again = client.post(
        f"{API}/orders", json={**body, "number": theirs.number}, headers=world.headers("m01")
    )
    assert again.status_code == 422 and "already exists" in again.text


# --- timing: the denial is written after the answer ----------------------------------------


def probe_request(path: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "headers": [],
            "query_string": b"",
            "client": ("127.0.0.1", 5000),
        }
    )


def statements_of_guard(db: Session, access: Access, object_id: int) -> list[str]:
    """The SQL statements ``guard`` runs for ``object_id`` before it answers 404."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        with pytest.raises(NotFound):
            access.guard("order", object_id)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_foreign_and_missing_ids_do_the_same_work_before_the_answer(
    db: Session, world: World
) -> None:
    m01 = db.get(User, world.users["m01"])
    assert m01 is not None
    access = Access(db, m01, probe_request("/api/v1/orders/x"))
    with audit.deferring_denials() as pending:
        foreign = statements_of_guard(db, access, world.orders["M02"])
        missing = statements_of_guard(db, access, 10**9)
    assert foreign == missing and not any("INSERT" in s or "UPDATE" in s for s in foreign)
    assert [(d.object_type, d.object_id) for d in pending] == [("order", str(world.orders["M02"]))]
    assert denied_entries(db) == []


def test_denial_is_written_after_the_response_is_sent(
    app: FastAPI, world: World, db: Session
) -> None:
    """Drives the app as the server does and looks at the audit log at the moment the last
    byte of the 404 is handed to the server, and after the app has finished."""
    seen_at_answer: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 404
        if message["type"] == "http.response.body" and not message.get("more_body"):
            seen_at_answer.append(len(denied_entries(db)))

    path = f"{API}/orders/{world.orders['M02']}"
    token = world.tokens["m01"].encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"authorization", b"Bearer " + token), (b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert seen_at_answer == [0]
    assert len(denied_entries(db)) == 1


# --- aggregation: one entry per user and minute ---------------------------------------------


def test_denied_probes_are_counted_in_one_entry_per_user_and_minute(
    client: TestClient, world: World, db: Session
) -> None:
    for offset in range(10):  # m01 walks M02's ids (and some beyond)
        client.get(f"{API}/orders/{world.orders['M02'] + offset}", headers=world.headers("m01"))
    client.get(f"{API}/compounds/{world.compounds['M02']}", headers=world.headers("m01"))
    client.get(f"{API}/orders/{world.orders['M01']}", headers=world.headers("m02"))
    entries = {e.username: e for e in denied_entries(db)}
    assert set(entries) == {"m01", "m02"}
    m01 = entries["m01"]
    assert (m01.object_type, m01.object_id) == ("order", str(world.orders["M02"]))
    assert m01.detail["count"] == 2  # the order and the compound exist; the rest are missing
    assert m01.detail["last"]["object_type"] == "compound"
    assert entries["m02"].detail["count"] == 1


def test_a_denial_after_the_window_starts_a_new_entry(
    client: TestClient, world: World, db: Session
) -> None:
    path = f"{API}/orders/{world.orders['M02']}"
    client.get(path, headers=world.headers("m01"))
    first = denied_entries(db)[0]
    first.at -= audit.DENIAL_WINDOW
    db.commit()
    client.get(path, headers=world.headers("m01"))
    assert [e.detail["count"] for e in denied_entries(db)] == [1, 1]
