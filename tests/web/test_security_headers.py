"""Every answer: a strict Content-Security-Policy, nosniff, a referrer policy; pages and API
answers are never stored by a cache (issue 11, #1 and #13)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from mixshare.orders.models import Order
from mixshare.planning.models import PlanLot
from tests.web.conftest import World
from tests.web.pages_helpers import page_login

API = "/api/v1"
PAGES = ["/dashboard", "/orders", "/orders/new", "/plan", "/compounds", "/lines", "/users"]
REQUIRED_DIRECTIVES = {
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(response: object) -> dict[str, str]:
    policy = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in parts}


def assert_strict(response: object) -> None:
    policy = directives(response)
    for name, value in REQUIRED_DIRECTIVES.items():
        assert policy.get(name) == value, (name, policy)
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", PAGES)
def test_logged_in_pages_are_strict_and_not_stored(
    client: TestClient, world: World, path: str
) -> None:
    page_login(client, "admin")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_strict(response)
    assert response.headers["cache-control"] == "no-store"


def test_login_page_and_errors_are_strict(client: TestClient) -> None:
    for response in (client.get("/login"), client.get("/no-such-page")):
        assert_strict(response)
        assert response.headers["cache-control"] == "no-store"


def test_api_answers_with_a_user_are_not_stored(client: TestClient, world: World) -> None:
    response = client.get(f"{API}/orders", headers=world.headers("m01"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert_strict(response)


def test_static_files_keep_their_cache_policy(client: TestClient) -> None:
    response = client.get("/static/app/safe.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"


def test_api_docs_allow_only_their_own_inline_script(client: TestClient) -> None:
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    scripts = directives(response)["script-src"].split()
    assert "'unsafe-inline'" not in scripts
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert inline
    for code in inline:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts


def test_board_data_island_cannot_end_its_script(
    client: TestClient, world: World, db: Session
) -> None:
    """A lot code holding ``</script>`` stays inside the JSON island as escaped text."""
    hostile = "</script><script>alert(1)</script>"
    db.execute(update(Order).where(Order.id == world.orders["M01"]).values(number=hostile))
    db.execute(update(PlanLot).where(PlanLot.id == world.lots["M01"]).values(code=hostile))
    db.commit()
    page_login(client, "admin")
    response = client.get(f"/plan?plan={world.plan}")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "\\u003c/script\\u003e" in response.text
