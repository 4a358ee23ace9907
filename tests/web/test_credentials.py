"""A password change or a deactivation shuts out every old token and session (issue 11, finding 6).

Tokens and cookies obtained with the old password must stop working when the password changes
(by the user or by an admin), and a deactivated user's must not come back on reactivation.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, World
from tests.web.test_auth import form_token, login

API = "/api/v1"
NEW_PASSWORD = "battery-staple-77"


@pytest.fixture
def other_browser(app: FastAPI, world: World) -> Iterator[TestClient]:
    """A second browser (its own cookie jar) on the same application."""
    with TestClient(app) as browser:
        yield browser


def me_status(client: TestClient, headers: dict[str, str] | None = None) -> int:
    response: httpx.Response = client.get(f"{API}/users/me", headers=headers or {})
    return response.status_code


def test_admin_password_change_revokes_tokens_and_sessions(
    client: TestClient, other_browser: TestClient, world: World
) -> None:
    login(other_browser, "m01")
    assert me_status(other_browser) == 200
    assert me_status(client, world.headers("m01")) == 200
    changed = client.patch(
        f"{API}/users/{world.users['m01']}",
        json={"password": NEW_PASSWORD},
        headers=world.headers("admin"),
    )
    assert changed.status_code == 200
    assert me_status(client, world.headers("m01")) == 401
    assert me_status(other_browser) == 401
    assert login(other_browser, "m01", PASSWORD).status_code == 401
    assert login(other_browser, "m01", NEW_PASSWORD).status_code == 303


def test_reactivation_does_not_resurrect_tokens_or_sessions(
    client: TestClient, other_browser: TestClient, world: World
) -> None:
    login(other_browser, "m02")
    target = f"{API}/users/{world.users['m02']}"
    admin = world.headers("admin")
    assert client.delete(target, headers=admin).status_code == 204
    assert client.patch(target, json={"active": True}, headers=admin).status_code == 200
    assert me_status(client, world.headers("m02")) == 401
    assert me_status(other_browser) == 401
    assert login(other_browser, "m02").status_code == 303  # the account itself is back


def _admin_form(csrf: str, **changes: str) -> dict[str, str]:
    """The account page's form for the center admin, as the browser posts it."""
    form = {"role": "center_admin", "full_name": "", "language": "zh_CN", "active": "on"}
    return {**form, **changes, "csrf_token": csrf}


def test_own_password_change_in_browser_keeps_only_that_session(
    client: TestClient, other_browser: TestClient, world: World
) -> None:
    login(client, "admin")
    login(other_browser, "admin")
    page = f"/users/{world.users['admin']}"
    form = _admin_form(form_token(client, page), password=NEW_PASSWORD)
    saved = client.post(page, data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert me_status(client) == 200  # the browser that changed it stays logged in
    assert me_status(other_browser) == 401
    assert me_status(other_browser, world.headers("admin")) == 401


def test_deactivation_in_browser_revokes_tokens(client: TestClient, world: World) -> None:
    login(client, "m01admin")
    page = f"/users/{world.users['m01']}"
    csrf = form_token(client, page)
    base = {"role": "member_user", "full_name": "", "language": "zh_CN", "csrf_token": csrf}
    assert client.post(page, data=base, follow_redirects=False).status_code == 303
    assert me_status(client, world.headers("m01")) == 401
    reactivated = client.post(page, data={**base, "active": "on"}, follow_redirects=False)
    assert reactivated.status_code == 303
    assert me_status(client, world.headers("m01")) == 401
