"""Role × endpoint × own/foreign object: the status every caller gets, as an attacker would try.

The acting members are M01's users (``m01`` member_user, ``m01admin`` member_admin); "own"
objects belong to M01, "foreign" ones to M02. Center roles see both. Anonymous callers get
401 everywhere; a role that may not use an endpoint (whose existence is no secret) gets 403;
a member's user reaching another member's object gets 404, and the attempt is audited.

Writes in the matrix never change anything: versioned writes send a stale version (an allowed
caller gets 409) and other writes an invalid body that only the service rejects (422), so
the guard has to run first for a foreign object to answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mixshare.audit.models import AuditEntry
from mixshare.db import session_factory
from tests.web.conftest import World

ALL = ("member_user", "member_admin", "planner", "operator", "quality", "center_admin")
ORDER_WRITERS = ("member_user", "member_admin", "planner", "center_admin")
COMPOUND_WRITERS = ("member_admin", "center_admin")
USER_ADMINS = ("member_admin", "center_admin")
PLANNERS = ("planner", "center_admin")
CENTER = ("planner", "operator", "quality", "center_admin")
ADMIN = ("center_admin",)

ROLES = {  # role → account acting in it (members act as M01)
    "anonymous": None,
    "member_user": "m01",
    "member_admin": "m01admin",
    "planner": "planner",
    "operator": "operator",
    "quality": "quality",
    "center_admin": "admin",
}
MEMBER_ROLES = ("member_user", "member_admin")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {id}: the object's id; {plan}, {line}: the fixture's plan and line
    kind: str | None  # object type guarded by id, or None
    allowed: tuple[str, ...]
    ok: int  # status for an allowed caller
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


OBJECT_ENDPOINTS = [
    Endpoint("GET", "/api/v1/orders/{id}", "order", ALL, 200),
    Endpoint(
        "PATCH", "/api/v1/orders/{id}", "order", ORDER_WRITERS, 409, {"version": 999, "note": "x"}
    ),
    Endpoint("POST", "/api/v1/orders/{id}/cancel", "order", ORDER_WRITERS, 409, {"version": 999}),
    Endpoint("DELETE", "/api/v1/orders/{id}?version=999", "order", ORDER_WRITERS, 409),
    Endpoint("GET", "/api/v1/compounds/{id}", "compound", ALL, 200),
    Endpoint("GET", "/api/v1/compounds/{id}/versions", "compound", ALL, 200),
    Endpoint("GET", "/api/v1/compounds/{id}/versions/1", "compound", ALL, 200),
    Endpoint(
        "POST",
        "/api/v1/compounds/{id}/versions",
        "compound",
        COMPOUND_WRITERS,
        422,
        {"density": 99},
    ),
    Endpoint("GET", "/api/v1/lots/{id}", "lot", ALL, 200),
    Endpoint("GET", "/api/v1/members/{id}", "member", ALL, 200),
    Endpoint("GET", "/api/v1/users/{id}", "user", USER_ADMINS, 200),
    Endpoint("PATCH", "/api/v1/users/{id}", "user", USER_ADMINS, 422, {"member_id": 999999}),
]

ROLE_ENDPOINTS = [
    Endpoint("GET", "/api/v1/orders", None, ALL, 200),
    Endpoint("POST", "/api/v1/orders", None, ORDER_WRITERS, 422, {}),
    Endpoint("GET", "/api/v1/compounds", None, ALL, 200),
    Endpoint("POST", "/api/v1/compounds", None, COMPOUND_WRITERS, 422, {}),
    Endpoint("GET", "/api/v1/lines", None, ALL, 200),
    Endpoint("GET", "/api/v1/lines/{line}", None, ALL, 200),
    Endpoint(
        "POST",
        "/api/v1/lines/{line}/outages",
        None,
        PLANNERS,
        422,
        {"start": "2031-01-02T10:00", "end": "2031-01-02T09:00"},
    ),
    Endpoint("GET", "/api/v1/plans", None, ALL, 200),
    Endpoint("GET", "/api/v1/plans/latest", None, ALL, 200),
    Endpoint("GET", "/api/v1/plans/{plan}", None, ALL, 200),
    Endpoint("GET", "/api/v1/plans/{plan}/lots", None, ALL, 200),
    Endpoint("GET", "/api/v1/plans/{plan}/changeovers", None, CENTER, 200),
    Endpoint("GET", "/api/v1/plans/{plan}/diff", None, CENTER, 200),
    Endpoint("POST", "/api/v1/plans", None, PLANNERS, 422, {"start": "2031-01-06", "days": 0}),
    Endpoint("POST", "/api/v1/plans/{plan}/publish", None, PLANNERS, 409, {"row_version": 999}),
    Endpoint(
        "POST", "/api/v1/plans/{plan}/freeze", None, PLANNERS, 409, {"hours": 4, "row_version": 999}
    ),
    Endpoint("GET", "/api/v1/members", None, ALL, 200),
    Endpoint("GET", "/api/v1/users", None, USER_ADMINS, 200),
    Endpoint("POST", "/api/v1/users", None, USER_ADMINS, 422, {}),
    Endpoint("GET", "/api/v1/users/me", None, ALL, 200),
    Endpoint("GET", "/api/v1/auth/me", None, ALL, 200),
    Endpoint("GET", "/api/v1/audit", None, ADMIN, 200),
]

OBJECT_CASES = [
    pytest.param(role, endpoint, owner, id=f"{role}-{endpoint}-{owner}")
    for endpoint in OBJECT_ENDPOINTS
    for role in ROLES
    for owner in ("own", "foreign")
]
ROLE_CASES = [
    pytest.param(role, endpoint, id=f"{role}-{endpoint}")
    for endpoint in ROLE_ENDPOINTS
    for role in ROLES
]


def expected(role: str, endpoint: Endpoint, owner: str | None) -> int:
    if role == "anonymous":
        return 401
    if role not in endpoint.allowed:
        return 403
    if owner == "foreign" and role in MEMBER_ROLES:
        return 404
    return endpoint.ok


def object_id(world: World, kind: str, owner: str) -> int:
    member = "M01" if owner == "own" else "M02"
    table = {
        "order": world.orders,
        "compound": world.compounds,
        "lot": world.lots,
        "member": world.members,
        "user": {"M01": world.users["m01"], "M02": world.users["m02"]},
    }
    return table[kind][member]


def call(client: TestClient, world: World, role: str, endpoint: Endpoint, path: str) -> Any:
    return client.request(
        endpoint.method, path, headers=world.headers(ROLES[role]), json=endpoint.body
    )


def denials(url: str, user_id: int | None) -> tuple[int, tuple[str, str] | None]:
    """How many denials of ``user_id`` the audit log counts, and the latest one's object
    (a user's denials within a minute share one entry, see ``audit.record_denial``)."""
    with session_factory(url)() as session:
        mine = AuditEntry.action == "denied", AuditEntry.user_id == user_id
        entries = list(session.scalars(select(AuditEntry).where(*mine).order_by(AuditEntry.id)))
    if not entries:
        return 0, None
    newest = entries[-1]
    last = newest.detail.get("last") or {"object_type": newest.object_type,
                                         "object_id": newest.object_id}
    total = sum(int(e.detail.get("count", 1)) for e in entries)
    return total, (last["object_type"], last["object_id"])


@pytest.mark.parametrize(("role", "endpoint", "owner"), OBJECT_CASES)
def test_object_endpoint(
    module_client: TestClient,
    module_world: World,
    module_db_url: str,
    role: str,
    endpoint: Endpoint,
    owner: str,
) -> None:
    assert endpoint.kind is not None
    oid = object_id(module_world, endpoint.kind, owner)
    account = ROLES[role]
    user_id = module_world.users[account] if account else None
    before = denials(module_db_url, user_id)[0]
    response = call(module_client, module_world, role, endpoint, endpoint.path.format(id=oid))
    want = expected(role, endpoint, owner)
    assert response.status_code == want, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    after, last = denials(module_db_url, user_id)
    assert after - before == (1 if want == 404 else 0)
    if want == 404:
        assert last == (endpoint.kind, str(oid))


@pytest.mark.parametrize(("role", "endpoint"), ROLE_CASES)
def test_role_endpoint(
    module_client: TestClient, module_world: World, role: str, endpoint: Endpoint
) -> None:
    path = endpoint.path.format(plan=module_world.plan, line=module_world.line)
    response = call(module_client, module_world, role, endpoint, path)
    assert response.status_code == expected(role, endpoint, None), response.text


def test_case_count() -> None:
    """The size of the matrix, as reported in the resolve note."""
    assert len(OBJECT_CASES) == 12 * 7 * 2 == 168
    assert len(ROLE_CASES) == 22 * 7 == 154
