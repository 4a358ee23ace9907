"""Logging in through the login form and posting page forms with their CSRF token."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, html[:500]
    return found.group(1)


def page_login(client: TestClient, username: str) -> str:
    """Log in as ``username``; returns the CSRF token of the session's forms."""
    data = {
        "username": username,
        "password": PASSWORD,
        "csrf_token": token_of(client.get("/login").text),
    }
    answer = client.post("/login", data={**data, "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    return token_of(client.get("/orders").text)


def logged_in(client: TestClient, username: str) -> tuple[TestClient, str]:
    """A client of its own (its own cookies, redirects not followed) on ``client``'s app,
    logged in as ``username``, and the CSRF token of its forms."""
    browser = TestClient(client.app, follow_redirects=False)
    return browser, page_login(browser, username)


def post_form(client: TestClient, path: str, token: str, **fields: Any) -> httpx.Response:
    data = {"csrf_token": token, **{k: str(v) for k, v in fields.items()}}
    response: httpx.Response = client.post(path, data=data, follow_redirects=False)
    return response
