"""Role × route × own/foreign object: the status every caller gets, as an attacker would try.

Every route of the app, API and page, read or write, has an entry here:
``test_every_route_has_an_entry`` enumerates ``app.routes`` and fails for any route (and method)
that no entry reaches, and ``test_every_route_names_a_permission`` for any route that does not
name a permission of :mod:`mixshare.access` in its signature (public routes excepted).

The acting members are M01's users (``m01`` member_user, ``m01admin`` member_admin); "own"
objects belong to M01, "foreign" ones to M02. Center roles see both. The API is called with
bearer tokens, the pages with a logged-in session cookie and the form's CSRF token.

- Anonymous callers get 401 on the API; pages send them to ``/login`` (303).
- A role that may not use a route gets 403 on the API and 404 on a page.
- A member's user reaching another member's object gets 404, and the attempt is audited.

Writes in the matrix change nothing where they can avoid it: versioned writes send a stale
version (an allowed caller gets 409, or 422 where a page shows the conflict in its form) and
other writes an invalid body that only the service rejects (422; the plan board's forms
answer with a 303 back to the board naming the problem), so the guard has to run first for a
foreign object to answer 404. Routes that cannot be called without an effect (revoking a token,
logging out, deactivating a user, deleting a maintenance window) act on a fresh token, session
or object made for the one call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import BaseRoute, compile_path

from mixshare.audit.models import AuditEntry
from mixshare.compounds.models import ChangeoverRule
from mixshare.db import session_factory
from mixshare.lines.models import Downtime
from mixshare.materials.models import Material
from mixshare.users import service as users
from mixshare.users.models import User
from tests.web.conftest import PASSWORD, World, delivered
from tests.web.pages_helpers import logged_in, token_of

ALL = ("member_user", "member_admin", "planner", "operator", "quality", "center_admin")
ORDER_WRITERS = ("member_user", "member_admin", "planner", "center_admin")
COMPOUND_WRITERS = ("member_admin", "center_admin")
USER_ADMINS = ("member_admin", "center_admin")
PLANNERS = ("planner", "center_admin")
CENTER = ("planner", "operator", "quality", "center_admin")
LAB = ("quality", "center_admin")
ADMIN = ("center_admin",)
INGESTERS = ("line", "center_admin")
RECORDERS = ("operator", "center_admin")
REVIEWERS = ("operator", "quality", "center_admin")
STOCK = ("operator", "center_admin")
ENVIRONMENT_KEEPERS = ("operator", "center_admin")
STATEMENT_READERS = ("member_user", "member_admin", "center_admin")
EVERYONE = (*ALL, "line")  # public routes answer a line account as any logged-in caller

ROLES = {  # role → account acting in it (members act as M01)
    "anonymous": None,
    "member_user": "m01",
    "member_admin": "m01admin",
    "planner": "planner",
    "operator": "operator",
    "quality": "quality",
    "center_admin": "admin",
    "line": "line1",  # a line account: may only ingest its line's batches
}
MEMBER_ROLES = ("member_user", "member_admin")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {id}: the object's id; {plan}, {line}, {member}, {downtime}: the fixture's
    kind: str | None  # object type guarded by id, or None
    allowed: tuple[str, ...]
    ok: int  # status for an allowed caller
    body: dict[str, Any] | None = None  # JSON on the API, form fields on pages
    anonymous: int | None = None  # public routes: the anonymous caller's status
    fresh: str | None = None  # "token", "session", "user" or "downtime": made for each call

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


API_OBJECT_ENDPOINTS = [
    Endpoint("GET", "/api/v1/orders/{id}", "order", ALL, 200),
    Endpoint(
        "PATCH", "/api/v1/orders/{id}", "order", ORDER_WRITERS, 409, {"version": 999, "note": "x"}
    ),
    Endpoint("POST", "/api/v1/orders/{id}/cancel", "order", ORDER_WRITERS, 409, {"version": 999}),
    # rush orders: members (and staff) ask, the planner decides; a blank reason is refused
    Endpoint(
        "POST", "/api/v1/orders/{id}/urgency/request", "order", ORDER_WRITERS, 422, {"reason": ""}
    ),
    Endpoint(
        "POST",
        "/api/v1/orders/{id}/urgency",
        "order",
        PLANNERS,
        422,
        {"urgent": True, "reason": ""},
    ),
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
    # statements: the admin reads every member's, a member's users their own; the fixture's
    # center has no contract, so an allowed caller gets 422 naming it (after the guard)
    Endpoint("GET", "/api/v1/statements/2031-01/members/{id}", "member", STATEMENT_READERS, 422),
    Endpoint(
        "GET",
        "/api/v1/statements/2031-01/members/{id}/statement.pdf",
        "member",
        STATEMENT_READERS,
        422,
    ),
    Endpoint(
        "GET",
        "/api/v1/statements/2031-01/members/{id}/statement.xlsx",
        "member",
        STATEMENT_READERS,
        422,
    ),
    # a credit note needs a closed month: 2031-01 is not
    Endpoint(
        "POST",
        "/api/v1/statements/2031-01/members/{id}/credit-notes",
        "member",
        ADMIN,
        422,
        {"reason": "x"},
    ),
    Endpoint("GET", "/api/v1/users/{id}", "user", USER_ADMINS, 200),
    Endpoint("PATCH", "/api/v1/users/{id}", "user", USER_ADMINS, 422, {"member_id": 999999}),
    Endpoint("DELETE", "/api/v1/users/{id}", "user", USER_ADMINS, 204, fresh="user"),
    Endpoint("GET", "/api/v1/quality/batches/{id}", "batch", ALL, 200),
    # a freshly mixed batch has no results yet: release answers 409 and changes nothing
    Endpoint("POST", "/api/v1/quality/batches/{id}/release", "batch", LAB, 409),
    Endpoint(
        "POST",
        "/api/v1/quality/batches/{id}/hold",
        "batch",
        LAB,
        422,
        {"decision": "scrap", "reason": " "},
    ),
    Endpoint("GET", "/api/v1/deliveries/{id}", "delivery", ALL, 200),
    Endpoint("GET", "/api/v1/deliveries/{id}/certificate.pdf", "delivery", ALL, 200),
    Endpoint("GET", "/api/v1/trace/deliveries/{id}", "delivery", ALL, 200),
]

API_ROLE_ENDPOINTS = [
    Endpoint("GET", "/api/v1/statements/2031-01", None, STATEMENT_READERS, 422),
    Endpoint("POST", "/api/v1/statements/2031-01/close", None, ADMIN, 422),
    Endpoint("GET", "/api/v1/deliveries", None, ALL, 200),
    Endpoint("POST", "/api/v1/deliveries", None, STOCK, 422, {}),
    Endpoint("GET", "/api/v1/stock", None, ALL, 200),
    # a member's users get their own VOC per tonne only (tests/environment/test_pages.py)
    Endpoint("GET", "/api/v1/environment?month=2026-11", None, ALL, 200),
    # a lot no batch used is not found, for every caller alike (tests/trace: a real one)
    Endpoint("GET", "/api/v1/trace/raw-lots/R-NONE-1", None, ALL, 404),
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
    Endpoint("POST", "/api/v1/plans/{plan}/discard", None, PLANNERS, 409, {"row_version": 999}),
    Endpoint("POST", "/api/v1/plans/{plan}/keep", None, PLANNERS, 409, {"row_version": 999}),
    # the fixture's plan was planned without an alternative
    Endpoint("GET", "/api/v1/plans/{plan}/tradeoff", None, CENTER, 404),
    Endpoint(
        "POST", "/api/v1/plans/{plan}/freeze", None, PLANNERS, 409, {"hours": 4, "row_version": 999}
    ),
    # jobs: a member's users get 404 for a staff job too (tests/web/test_jobs_api.py)
    Endpoint("GET", "/api/v1/jobs/999999", None, ALL, 404),
    Endpoint("POST", "/api/v1/jobs/999999/cancel", None, PLANNERS, 404),
    Endpoint("POST", "/api/v1/jobs/999999/retry", None, PLANNERS, 404),
    Endpoint("GET", "/api/v1/members", None, ALL, 200),
    Endpoint("GET", "/api/v1/users", None, USER_ADMINS, 200),
    Endpoint("POST", "/api/v1/users", None, USER_ADMINS, 422, {}),
    Endpoint("GET", "/api/v1/users/me", None, ALL, 200),
    Endpoint("GET", "/api/v1/auth/me", None, ALL, 200),
    Endpoint("GET", "/api/v1/audit", None, ADMIN, 200),
    Endpoint("DELETE", "/api/v1/auth/token", None, ALL, 204, fresh="token"),
    # an empty document is quarantined (422, every missing field named)
    Endpoint("POST", "/api/v1/batches", None, INGESTERS, 422, {}),
    Endpoint("POST", "/api/v1/raw-lots", None, RECORDERS, 422, {"code": "R-1"}),
    Endpoint("GET", "/api/v1/quality/tests", None, ALL, 200),
    # the energy ledger: every person; a member's users get their own company's figures only
    Endpoint("GET", "/api/v1/ledger/energy?month=2031-01", None, ALL, 200),
    Endpoint("PUT", "/api/v1/quality/specs", None, LAB, 422, {}),
    Endpoint("POST", "/api/v1/quality/results", None, LAB, 422, {}),
    Endpoint("GET", "/api/v1/quality/worklist", None, LAB, 200),
    Endpoint(
        "GET",
        "/api/v1/quality/spc?test=MOONEY&compound_version_id=1&line_id={line}",
        None,
        CENTER,
        200,
    ),
]


# Finding 2 of issue 11 was here: the forms of orders and compounds checked no role.
PAGE_OBJECT_ENDPOINTS = [
    Endpoint("GET", "/statements/2031-01/members/{id}.pdf", "member", STATEMENT_READERS, 422),
    Endpoint("GET", "/statements/2031-01/members/{id}.xlsx", "member", STATEMENT_READERS, 422),
    Endpoint("GET", "/orders/{id}", "order", ALL, 200),
    Endpoint("POST", "/orders/{id}", "order", ORDER_WRITERS, 409, {"row_version": 999}),
    Endpoint("POST", "/orders/{id}/cancel", "order", ORDER_WRITERS, 409, {"row_version": 999}),
    Endpoint("POST", "/orders/{id}/urgency/request", "order", ORDER_WRITERS, 422, {"reason": ""}),
    Endpoint("POST", "/orders/{id}/urgency", "order", PLANNERS, 422, {"urgent": "1", "reason": ""}),
    Endpoint("GET", "/compounds/{id}", "compound", ALL, 200),
    Endpoint(
        "POST", "/compounds/{id}/versions", "compound", COMPOUND_WRITERS, 422, {"density": 99}
    ),
    Endpoint("GET", "/batches/{id}", "batch", ALL, 200),
    Endpoint("GET", "/users/{id}", "user", USER_ADMINS, 200),
    Endpoint("POST", "/users/{id}", "user", USER_ADMINS, 422, {"role": "bogus"}),
    Endpoint("GET", "/quality/batches/{id}", "batch", ALL, 200),
    Endpoint("POST", "/quality/batches/{id}/results", "batch", LAB, 422),
    Endpoint("POST", "/quality/batches/{id}/release", "batch", LAB, 409),
    Endpoint("POST", "/quality/batches/{id}/hold", "batch", LAB, 422, {"decision": "scrap"}),
    Endpoint("GET", "/deliveries/{id}", "delivery", ALL, 200),
    Endpoint("GET", "/trace?delivery={id}", "delivery", ALL, 200),
    # an unknown location: the stock page comes back naming it (422), nothing moves
    Endpoint("POST", "/stock/batches/{id}/move", "batch", STOCK, 422, {"location": "x"}),
]

PAGE_ROLE_ENDPOINTS = [
    # the page lists what is missing (no contract) instead of a statement
    Endpoint("GET", "/statements?month=2031-01", None, STATEMENT_READERS, 200),
    Endpoint("POST", "/statements/close", None, ADMIN, 422, {"month": "2031-01"}),
    # a member's users see their own VOC per tonne only (tests/environment/test_pages.py)
    Endpoint("GET", "/environment", None, ALL, 200),
    Endpoint("GET", "/environment/report.xlsx?month=2026-11", None, CENTER, 200),
    Endpoint("GET", "/environment/treatment", None, CENTER, 200),
    Endpoint("POST", "/environment/treatment", None, ENVIRONMENT_KEEPERS, 422, {"fan_hours": "x"}),
    Endpoint("GET", "/environment/waste", None, CENTER, 200),
    Endpoint("POST", "/environment/waste/containers", None, ENVIRONMENT_KEEPERS, 422, {}),
    Endpoint("POST", "/environment/waste/transfers", None, ENVIRONMENT_KEEPERS, 422, {}),
    Endpoint("GET", "/planning/prices", None, CENTER, 200),
    Endpoint("POST", "/planning/prices", None, ADMIN, 422, {}),
    Endpoint("GET", "/environment/reference", None, CENTER, 200),
    Endpoint("POST", "/environment/reference/factors", None, ADMIN, 422, {}),
    Endpoint("POST", "/environment/reference/limits", None, ADMIN, 422, {}),
    Endpoint("POST", "/environment/reference/product-class", None, ADMIN, 422, {}),
    Endpoint("GET", "/stock", None, ALL, 200),
    Endpoint("GET", "/deliveries", None, ALL, 200),
    Endpoint("GET", "/trace", None, ALL, 200),
    Endpoint("GET", "/deliveries/new", None, STOCK, 200),
    Endpoint("POST", "/deliveries", None, STOCK, 422, {}),
    Endpoint("GET", "/dashboard", None, ALL, 200),
    Endpoint("GET", "/ledger/energy", None, ALL, 200),
    Endpoint("GET", "/ledger/factors", None, CENTER, 200),
    Endpoint("POST", "/ledger/factors", None, ADMIN, 422, {}),
    # the twin compares every member's tonnes and costs: admin and planner only, members 404
    Endpoint("GET", "/twin", None, PLANNERS, 200),
    # starting a twin run is the admin's (an invalid form: back to the page naming the field)
    Endpoint("POST", "/twin/run", None, ADMIN, 303, {"weeks": "0"}),
    Endpoint("GET", "/quality", None, LAB, 200),
    Endpoint("GET", "/quality/spc", None, CENTER, 200),
    Endpoint("GET", "/timeline", None, ALL, 200),
    Endpoint("GET", "/orders", None, ALL, 200),
    Endpoint("GET", "/orders/new", None, ORDER_WRITERS, 200),
    Endpoint("POST", "/orders/new", None, ORDER_WRITERS, 422, {"quantity_kg": -1}),
    Endpoint("GET", "/compounds", None, ALL, 200),
    Endpoint("GET", "/compounds/new", None, COMPOUND_WRITERS, 200),
    Endpoint("POST", "/compounds/new", None, COMPOUND_WRITERS, 422, {"code": ""}),
    Endpoint("GET", "/compounds/options.json?member={member}", None, PLANNERS, 200),
    Endpoint("GET", "/lines", None, CENTER, 200),
    Endpoint("GET", "/lines/new", None, ADMIN, 200),
    Endpoint("POST", "/lines/new", None, ADMIN, 422, {"code": ""}),
    Endpoint("GET", "/lines/{line}/edit", None, ADMIN, 200),
    Endpoint(
        "POST",
        "/lines/{line}/edit",
        None,
        ADMIN,
        422,
        {"name": "", "MB_enabled": 1, "MB_cycle_minutes": -1},
    ),
    Endpoint("GET", "/calendars", None, CENTER, 200),
    Endpoint("GET", "/downtimes/new", None, PLANNERS, 200),
    Endpoint("POST", "/downtimes/new", None, PLANNERS, 422, {"kind": "maintenance"}),
    Endpoint("POST", "/downtimes/{downtime}/delete", None, PLANNERS, 303, fresh="downtime"),
    Endpoint("POST", "/holidays/new", None, ADMIN, 422, {"day": "2031-01-01", "name": ""}),
    Endpoint("POST", "/calendars/new", None, ADMIN, 422, {"calendar_name": ""}),
    Endpoint("POST", "/holidays/999999/delete", None, ADMIN, 404),
    Endpoint("GET", "/tariffs", None, CENTER, 200),
    Endpoint("GET", "/tariffs/new", None, ADMIN, 200),
    Endpoint("POST", "/tariffs/new", None, ADMIN, 422, {"code": ""}),
    Endpoint("GET", "/members", None, CENTER, 200),
    Endpoint("GET", "/members/new", None, ADMIN, 200),
    Endpoint("POST", "/members/new", None, ADMIN, 422, {"code": ""}),
    Endpoint("GET", "/members/{member}", None, ADMIN, 200),
    Endpoint("POST", "/members/{member}", None, ADMIN, 422, {"priority_weight": "x"}),
    # materials: a member's users see the list of what their own recipes use
    Endpoint("GET", "/materials", None, ALL, 200),
    Endpoint("GET", "/materials/new", None, ADMIN, 200),
    Endpoint("POST", "/materials/new", None, ADMIN, 422, {"code": ""}),
    Endpoint("GET", "/materials/{material}", None, ADMIN, 200),
    Endpoint("POST", "/materials/{material}", None, ADMIN, 422, {"density": "x"}),
    # uploads: each kind also checks its own permission (tests/uploads)
    Endpoint("GET", "/imports", None, ORDER_WRITERS, 200),
    Endpoint("GET", "/imports/orders/template", None, ORDER_WRITERS, 200),
    Endpoint("POST", "/imports", None, ORDER_WRITERS, 422, {"kind": "orders"}),
    Endpoint("GET", "/imports/jobs/999999", None, ORDER_WRITERS, 404),
    Endpoint("GET", "/changeover-rules", None, PLANNERS, 200),
    Endpoint("POST", "/changeover-rules/new", None, PLANNERS, 422, {"name": ""}),
    Endpoint("POST", "/changeover-rules/{rule}/delete", None, PLANNERS, 303, fresh="rule"),
    Endpoint("GET", "/reference", None, CENTER, 200),
    Endpoint("POST", "/reference/families", None, ADMIN, 422, {"code": ""}),
    Endpoint("POST", "/reference/colours", None, ADMIN, 422, {"code": ""}),
    Endpoint("GET", "/users", None, USER_ADMINS, 200),
    Endpoint("GET", "/users/new", None, USER_ADMINS, 200),
    Endpoint("POST", "/users/new", None, USER_ADMINS, 422, {"username": ""}),
    Endpoint("GET", "/batches", None, ALL, 200),
    Endpoint("GET", "/batches/review", None, REVIEWERS, 200),
    Endpoint("GET", "/shift", None, CENTER, 200),
    # an empty hand record is quarantined: the form comes back naming each field (422)
    Endpoint("POST", "/shift/record", None, RECORDERS, 422, {"line": "L1"}),
    Endpoint("GET", "/plan", None, CENTER, 200),
    Endpoint("POST", "/plan/jobs/999999/cancel", None, PLANNERS, 404),
    Endpoint("GET", "/plan/{plan}/compare", None, CENTER, 200),
    Endpoint("POST", "/plan/run", None, PLANNERS, 303, {"days": 0}),
    Endpoint("POST", "/plan/outage", None, PLANNERS, 303, {"line_id": "x"}),
    Endpoint("POST", "/plan/rush", None, PLANNERS, 303, {"quantity_kg": -1}),
    Endpoint("POST", "/plan/{plan}/freeze", None, PLANNERS, 303, {"hours": 999}),
    Endpoint("POST", "/plan/{plan}/publish", None, PLANNERS, 303),
    # an unknown plan: discarding or keeping the fixture's plan would change it for later calls
    Endpoint("POST", "/plan/999999/discard", None, PLANNERS, 404),
    Endpoint("POST", "/plan/999999/keep", None, PLANNERS, 404),
    Endpoint("GET", "/plan/{plan}/choose", None, CENTER, 404),
    # cost sharing: everyone sees the page (a member only its own share), the admin versions
    # the cost model; an empty month is refused naming the field
    Endpoint("GET", "/costs", None, ALL, 200),
    Endpoint("GET", "/cost-models/new", None, ADMIN, 200),
    Endpoint("POST", "/cost-models/new", None, ADMIN, 422, {"valid_from": ""}),
]

# Routes anyone may call, logged in or not (``anonymous``: what an anonymous caller gets).
PUBLIC_ENDPOINTS = [
    Endpoint("GET", "/", None, EVERYONE, 303, anonymous=303),
    Endpoint("GET", "/static/app/mixshare.css", None, EVERYONE, 200, anonymous=200),
    Endpoint("GET", "/login", None, EVERYONE, 303, anonymous=200),
    Endpoint("POST", "/login", None, EVERYONE, 401, {"password": "wrong"}, anonymous=401),
    Endpoint("POST", "/logout", None, EVERYONE, 303, anonymous=303, fresh="session"),
    Endpoint("GET", "/api/v1/openapi.json", None, EVERYONE, 200, anonymous=200),
    Endpoint("GET", "/api/v1/docs", None, EVERYONE, 200, anonymous=200),
    Endpoint("POST", "/api/v1/auth/token", None, EVERYONE, 422, {}, anonymous=422),
]

OBJECT_ENDPOINTS = API_OBJECT_ENDPOINTS + PAGE_OBJECT_ENDPOINTS
ROLE_ENDPOINTS = API_ROLE_ENDPOINTS + PAGE_ROLE_ENDPOINTS + PUBLIC_ENDPOINTS
ENDPOINTS = OBJECT_ENDPOINTS + ROLE_ENDPOINTS

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
        if endpoint.anonymous is not None:
            return endpoint.anonymous
        return 303 if endpoint.page else 401
    if role not in endpoint.allowed:
        return 404 if endpoint.page else 403
    if owner == "foreign" and role in MEMBER_ROLES:
        return 404
    return endpoint.ok


# --- callers: a bearer token for the API, a logged-in browser session for the pages ---------


@dataclass
class Browser:
    """A logged-in (or anonymous) browser: its cookies and the CSRF token of its forms."""

    client: TestClient
    token: str


@dataclass
class Callers:
    client: TestClient
    world: World
    db_url: str
    browsers: dict[str, Browser] = field(default_factory=dict)

    def browser(self, role: str, fresh: bool = False) -> Browser:
        if fresh or role not in self.browsers:
            if role == "line":
                browser = machine_browser(self.client, self.world.tokens["line1"])
            else:
                browser = open_browser(self.client, ROLES[role])
            if fresh:
                return browser
            self.browsers[role] = browser
        return self.browsers[role]

    def headers(self, role: str, fresh: bool = False) -> dict[str, str]:
        account = ROLES[role]
        if account is None or not fresh:
            return self.world.headers(account)
        with session_factory(self.db_url)() as session:
            user = session.get(User, self.world.users[account])
            assert user is not None
            secret = users.create_token(session, user, "matrix")[1]
            session.commit()
        return {"Authorization": f"Bearer {secret}"}


def machine_browser(client: TestClient, secret: str) -> Browser:
    """A line account's machine calling the pages with its bearer token (and a valid CSRF
    token of an anonymous form, so that the permission, not the CSRF check, answers)."""
    browser = TestClient(client.app, follow_redirects=False)
    token = token_of(browser.get("/login").text)
    browser.headers["Authorization"] = f"Bearer {secret}"
    return Browser(browser, token)


def open_browser(client: TestClient, account: str | None) -> Browser:
    if account is None:
        browser = TestClient(client.app, follow_redirects=False)
        return Browser(browser, token_of(browser.get("/login").text))
    return Browser(*logged_in(client, account))


@pytest.fixture(scope="module")
def callers(
    module_client: TestClient, module_world: World, module_db_url: str
) -> Iterator[Callers]:
    made = Callers(module_client, module_world, module_db_url)
    yield made
    for browser in made.browsers.values():
        browser.client.close()


def fresh_object(db_url: str, world: World, kind: str, owner: str) -> int:
    """A user of the owner member, or a maintenance window, made for one call."""
    with session_factory(db_url)() as session:
        if kind == "user":
            member = world.members["M01" if owner == "own" else "M02"]
            made: Any = User(
                username=f"x{uuid.uuid4().hex[:12]}",
                password_hash=users.hash_password(PASSWORD),
                role="member_user",
                member_id=member,
                created_at=datetime.now(),
            )
        else:
            start = datetime.now().replace(microsecond=0) + timedelta(days=30)
            made = Downtime(line_id=world.line, start=start, end=start + timedelta(hours=1))
        session.add(made)
        session.commit()
        return int(made.id)


def call(callers: Callers, role: str, endpoint: Endpoint, path: str) -> Any:
    fresh = endpoint.fresh in ("token", "session")
    if not endpoint.page:
        headers = callers.headers(role, fresh)
        return callers.client.request(endpoint.method, path, headers=headers, json=endpoint.body)
    browser = callers.browser(role, fresh)
    if endpoint.method == "GET":
        return browser.client.get(path)
    form = {"csrf_token": browser.token, **{k: str(v) for k, v in (endpoint.body or {}).items()}}
    if endpoint.path == "/login":
        form["username"] = f"nobody-{role}"  # a name per role: the throttle counts per name
    return browser.client.post(path, data=form)


def fill(
    endpoint: Endpoint, world: World, db_url: str, owner: str | None = None
) -> tuple[str, int]:
    """The path to call, and the id of the object it names (0: none)."""
    values: dict[str, Any] = {"plan": world.plan, "line": world.line, "id": 0}
    values["member"] = world.members["M01"]
    values["material"] = first_material(db_url)
    if endpoint.fresh == "rule":
        values["rule"] = fresh_rule(db_url)
    if endpoint.fresh == "downtime":
        values["downtime"] = fresh_object(db_url, world, "downtime", "own")
    if endpoint.kind == "delivery":
        delivered(db_url, world)
    if endpoint.kind is not None and owner is not None:
        if endpoint.fresh == endpoint.kind:
            values["id"] = fresh_object(db_url, world, endpoint.kind, owner)
        else:
            values["id"] = object_id(world, endpoint.kind, owner)
    return endpoint.path.format(**values), values["id"]


def fresh_rule(db_url: str) -> int:
    """A changeover rule that no switch reaches (made for one call that deletes it)."""
    with session_factory(db_url)() as session:
        rule = ChangeoverRule(priority=99_999, name="matrix", forbidden=True)
        session.add(rule)
        session.commit()
        return int(rule.id)


def first_material(db_url: str) -> int:
    with session_factory(db_url)() as session:
        return int(session.scalars(select(Material.id).order_by(Material.id)).first() or 0)


def object_id(world: World, kind: str, owner: str) -> int:
    member = "M01" if owner == "own" else "M02"
    table = {
        "order": world.orders,
        "compound": world.compounds,
        "lot": world.lots,
        "member": world.members,
        "user": {"M01": world.users["m01"], "M02": world.users["m02"]},
        "batch": world.batches,
        "delivery": world.deliveries,
    }
    return table[kind][member]


def denials(url: str, user_id: int | None) -> tuple[int, tuple[str, str] | None]:
    """How many denials of ``user_id`` the audit log counts, and the latest one's object
    (a user's denials within a minute share one entry, see ``audit.record_denial``)."""
    with session_factory(url)() as session:
        mine = AuditEntry.action == "denied", AuditEntry.user_id == user_id
        entries = list(session.scalars(select(AuditEntry).where(*mine).order_by(AuditEntry.id)))
    if not entries:
        return 0, None
    newest = entries[-1]
    last = newest.detail.get("last") or {
        "object_type": newest.object_type,
        "object_id": newest.object_id,
    }
    total = sum(int(e.detail.get("count", 1)) for e in entries)
    return total, (last["object_type"], last["object_id"])


def check_answer(response: Any, role: str, endpoint: Endpoint, want: int) -> None:
    assert response.status_code == want, response.text[:500]
    if response.status_code >= 400 and not endpoint.page:
        assert response.headers["content-type"].startswith("application/problem+json")
    if endpoint.page and role == "anonymous" and endpoint.anonymous is None:
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(("role", "endpoint", "owner"), OBJECT_CASES)
def test_object_endpoint(
    callers: Callers, module_db_url: str, role: str, endpoint: Endpoint, owner: str
) -> None:
    assert endpoint.kind is not None
    world = callers.world
    path, oid = fill(endpoint, world, module_db_url, owner)
    account = ROLES[role]
    user_id = world.users[account] if account else None
    before = denials(module_db_url, user_id)[0]
    response = call(callers, role, endpoint, path)
    want = expected(role, endpoint, owner)
    check_answer(response, role, endpoint, want)
    after, last = denials(module_db_url, user_id)
    # only another member's object is a denial to audit (a role refused is no secret)
    denied = want == 404 and role in endpoint.allowed
    assert after - before == (1 if denied else 0)
    if denied:
        assert last == (endpoint.kind, str(oid))


@pytest.mark.parametrize(("role", "endpoint"), ROLE_CASES)
def test_role_endpoint(callers: Callers, module_db_url: str, role: str, endpoint: Endpoint) -> None:
    path, _ = fill(endpoint, callers.world, module_db_url)
    response = call(callers, role, endpoint, path)
    check_answer(response, role, endpoint, expected(role, endpoint, None))


# --- recipe secrecy: the page shows a formulation exactly when the API does ------------------


FORMULATION_CASES = [
    pytest.param(role, owner, id=f"{role}-{owner}")
    for role in ALL
    for owner in ("own", "foreign")
    if not (role in MEMBER_ROLES and owner == "foreign")
]


@pytest.mark.parametrize(("role", "owner"), FORMULATION_CASES)
def test_page_shows_formulation_as_the_api_does(callers: Callers, role: str, owner: str) -> None:
    """Finding 3 of issue 11: the planner saw the phr table on the compound page."""
    compound = object_id(callers.world, "compound", owner)
    headers = callers.headers(role)
    read = callers.client.get(f"/api/v1/compounds/{compound}", headers=headers).json()
    api_shows = read["versions"][-1]["formulation_visible"]
    page = callers.browser(role).client.get(f"/compounds/{compound}")
    assert page.status_code == 200
    shows_phr = '<td class="num">70.0</td>' in page.text  # NR at 70 phr, in the recipe table
    assert shows_phr == api_shows
    assert api_shows == (role != "planner")


# --- the matrix covers the app ---------------------------------------------------------------


@dataclass(frozen=True)
class AppRoute:
    path: str
    methods: frozenset[str]
    route: BaseRoute  # as declared (an ``APIRoute`` names its dependencies)

    def reached_by(self, method: str, path: str) -> bool:
        regex = compile_path(self.path)[0]
        return method in self.methods and regex.match(path.split("?")[0]) is not None


def app_routes(client: TestClient) -> list[AppRoute]:
    """Every route of the app in the order requests try them (with the routers' prefixes)."""
    return [
        AppRoute(str(c.path), frozenset(c.methods or ()) - {"HEAD"}, c.original_route)
        for c in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
    ]


def concrete(path: str) -> str:
    return path.format(id=1, plan=1, line=1, member=1, downtime=1, material=1, rule=1)


def test_every_route_has_an_entry(module_client: TestClient) -> None:
    """Add an entry above for every new route: who may call it, and what they get."""
    routes = app_routes(module_client)
    reached: set[tuple[str, str]] = set()
    for endpoint in ENDPOINTS:
        path = concrete(endpoint.path)
        route = next((r for r in routes if r.reached_by(endpoint.method, path)), None)
        assert route is not None, f"{endpoint} reaches no route"
        reached.add((endpoint.method, route.path))
    every = {(method, r.path) for r in routes for method in r.methods}
    assert sorted(every - reached) == []


def permissions_named(route: APIRoute) -> list[str]:
    found: list[str] = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        permission = getattr(dependant.call, "permission", None)
        if permission is not None:
            found.append(str(permission))
        stack.extend(dependant.dependencies)
    return found


def test_every_route_names_a_permission(module_client: TestClient) -> None:
    """Access rules are declared in the signature, so a route without one stands out."""
    public = [e for e in PUBLIC_ENDPOINTS]
    missing = []
    for r in app_routes(module_client):
        if any(r.reached_by(e.method, concrete(e.path)) for e in public):
            continue
        if not isinstance(r.route, APIRoute) or not permissions_named(r.route):
            missing.append(f"{sorted(r.methods)} {r.path}")
    assert missing == []


def test_case_count() -> None:
    """The size of the matrix, as reported in the resolve note."""
    assert len(OBJECT_CASES) == len(OBJECT_ENDPOINTS) * 8 * 2
    assert len(ROLE_CASES) == len(ROLE_ENDPOINTS) * 8
