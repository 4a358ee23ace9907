"""Login form, sessions, CSRF, throttling, argon2 hashes, bearer tokens, demo accounts."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.demo.accounts import create_demo_accounts
from mixshare.members.models import Member
from mixshare.users import service as users
from mixshare.users.models import User, WebSession
from mixshare.web.auth import safe_next
from tests.web.conftest import PASSWORD, World

API = "/api/v1"


def form_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def login(
    client: TestClient, username: str, password: str = PASSWORD, next: str = "/"
) -> httpx.Response:
    token = form_token(client)
    data = {"username": username, "password": password, "csrf_token": token, "next": next}
    response: httpx.Response = client.post("/login", data=data, follow_redirects=False)
    return response


def test_login_sets_secure_session_cookie(client: TestClient, world: World) -> None:
    response = login(client, "m01", next="/orders")
    assert response.status_code == 303 and response.headers["location"] == "/orders"
    cookie = response.headers["set-cookie"]
    assert "mixshare_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http in tests; https adds Secure
    me = client.get(f"{API}/users/me")
    assert me.status_code == 200 and me.json()["username"] == "m01"


def test_session_cookie_is_secure_over_https(app: object, world: World) -> None:
    with TestClient(app, base_url="https://testserver") as client:  # type: ignore[arg-type]
        response = login(client, "m01")
        assert "Secure" in response.headers["set-cookie"]


def test_login_rejects_post_without_csrf(client: TestClient, world: World) -> None:
    client.get("/login")
    data = {"username": "m01", "password": PASSWORD}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    forged = client.post("/login", data={**data, "csrf_token": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get(f"{API}/users/me").status_code == 401


def test_form_post_from_other_origin_is_rejected(client: TestClient, world: World) -> None:
    token = form_token(client)
    data = {"username": "m01", "password": PASSWORD, "csrf_token": token}
    response = client.post(
        "/login", data=data, headers={"origin": "https://evil.example"}, follow_redirects=False
    )
    assert response.status_code == 403


def test_logout_needs_csrf_and_ends_session(client: TestClient, world: World, db: Session) -> None:
    login(client, "planner")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    token = form_token(client, "/login?next=/")  # logged in: the login page redirects
    assert token  # the token of the session comes from any page form
    page = client.get("/orders")
    session_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert session_token
    out = client.post(
        "/logout", data={"csrf_token": session_token.group(1)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert db.scalar(select(func.count(WebSession.id))) == 0
    assert client.get(f"{API}/users/me").status_code == 401


def test_wrong_password_then_throttled(client: TestClient, world: World, db: Session) -> None:
    for _ in range(users.MAX_FAILURES_PER_USER_AND_CLIENT):
        assert login(client, "m01", "wrong password").status_code == 401
    blocked = login(client, "m01")  # even the right password is refused now
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    failures = db.scalar(select(func.count()).where(AuditEntry.action == "login_failed"))
    assert failures == users.MAX_FAILURES_PER_USER_AND_CLIENT
    assert login(client, "m02").status_code == 303  # other users are not locked out


def test_token_endpoint_is_throttled_too(client: TestClient, world: World) -> None:
    for _ in range(users.MAX_FAILURES_PER_USER_AND_CLIENT):
        bad = client.post(f"{API}/auth/token", data={"username": "admin", "password": "nope"})
        assert bad.status_code == 401 and bad.headers["www-authenticate"].startswith("Bearer")
    response = client.post(f"{API}/auth/token", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 429


def test_inactive_user_cannot_log_in(client: TestClient, world: World, db: Session) -> None:
    user = db.get(User, world.users["m02"])
    assert user is not None
    user.active = False
    db.commit()
    assert login(client, "m02").status_code == 401
    assert client.get(f"{API}/users/me", headers=world.headers("m02")).status_code == 401


def test_open_redirects_are_refused() -> None:
    assert safe_next("/orders?page=2") == "/orders?page=2"
    for target in ("https://evil.example", "//evil.example", "/\\evil", "", "javascript:x"):
        assert safe_next(target) == "/"


def test_passwords_are_argon2(client: TestClient, world: World, db: Session) -> None:
    body = {"username": "newbie", "password": "s3cret-enough", "role": "operator"}
    created = client.post(f"{API}/users", json=body, headers=world.headers("admin"))
    assert created.status_code == 201
    user = db.get(User, created.json()["id"])
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert "s3cret-enough" not in user.password_hash
    assert users.verify_password(user.password_hash, "s3cret-enough")
    assert not users.verify_password(user.password_hash, "s3cret-enougH")
    short = client.post(
        f"{API}/users",
        json={**body, "username": "x", "password": "short"},
        headers=world.headers("admin"),
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"


def test_token_flow(client: TestClient, world: World, db: Session) -> None:
    response = client.post(f"{API}/auth/token", data={"username": "m01", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("mx_")
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get(f"{API}/auth/me", headers=headers).json()["username"] == "m01"
    stored = db.scalars(select(User.password_hash)).all()
    assert body["access_token"] not in str(stored)
    assert client.delete(f"{API}/auth/token", headers=headers).status_code == 204
    assert client.get(f"{API}/auth/me", headers=headers).status_code == 401


def test_token_endpoint_bad_input(client: TestClient, world: World) -> None:
    missing = client.post(f"{API}/auth/token", data={"username": "m01"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"password"}


def test_bad_bearer_token_is_401(client: TestClient, world: World) -> None:
    for header in ("Bearer nonsense", "Bearer " + world.tokens["m01"] + "x"):
        response = client.get(f"{API}/orders", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


def test_cookie_api_writes_need_csrf_header(client: TestClient, world: World) -> None:
    login(client, "m01")
    path = f"{API}/orders/{world.orders['M01']}"
    assert client.patch(path, json={"version": 1, "note": "x"}).status_code == 403
    page = client.get("/orders")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    ok = client.patch(
        path, json={"version": 1, "note": "x"}, headers={"X-CSRF-Token": token.group(1)}
    )
    assert ok.status_code == 200


def test_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


# --- pages ---------------------------------------------------------------------------------

PAGES = [
    "/",
    "/dashboard",
    "/orders",
    "/orders/new",
    "/plan",
    "/timeline",
    "/compounds",
    "/lines",
    "/members",
    "/users",
    "/orders/1",
    "/compounds/1",
    "/users/1",
]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_pages_redirect_to_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.history and response.history[0].status_code in (303, 307)
    assert response.url.path == "/login" and response.status_code == 200


@pytest.mark.parametrize(
    ("account", "path", "kind"),
    [
        ("m01", "/orders/{M02}", "order"),
        ("m01admin", "/orders/{M02}", "order"),
        ("m01", "/compounds/{M02}", "compound"),
        ("m01admin", "/compounds/{M02}", "compound"),
    ],
)
def test_member_pages_of_foreign_objects_are_404_and_audited(
    client: TestClient, world: World, db: Session, account: str, path: str, kind: str
) -> None:
    table = world.orders if kind == "order" else world.compounds
    login(client, account)
    own = client.get(path.format(M02=table["M01"]))
    assert own.status_code == 200
    foreign = client.get(path.format(M02=table["M02"]))
    assert foreign.status_code == 404
    assert "M02" not in foreign.text
    denied = db.scalar(
        select(func.count()).where(AuditEntry.action == "denied", AuditEntry.object_type == kind)
    )
    assert denied == 1


# --- demo accounts -------------------------------------------------------------------------


def test_demo_accounts(session: Session) -> None:
    session.add_all(Member(code=f"M{n:02d}", name=f"m{n}") for n in range(1, 11))
    session.flush()
    created = create_demo_accounts(session, "demo-pass-1")
    names = [name for name, _ in created]
    assert names[:4] == ["admin", "planner", "operator", "quality"]
    assert names[4:14] == [f"m{n:02d}" for n in range(1, 11)] and names[-1] == "m01admin"
    m03 = users.get_by_username(session, "m03")
    assert m03 is not None and m03.role == "member_user"
    assert m03.member is not None and m03.member.code == "M03"
    assert users.authenticate(session, "m01admin", "demo-pass-1", "test").role == "member_admin"
    create_demo_accounts(session, "other-pass-2")  # idempotent: resets the password
    assert users.authenticate(session, "admin", "other-pass-2", "test").role == "center_admin"
    assert session.scalar(select(func.count(User.id))) == 15
