"""Requests that used to end in a 500: ids beyond 64 bits, extreme offsets and pages, dates
at the ends of the calendar, a NUL in a static path; and times answered without offset."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.web.conftest import World
from tests.web.pages_helpers import page_login

API = "/api/v1"
HUGE = "99999999999999999999"  # > 2**64


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/orders/{HUGE}",
        f"{API}/orders/2059183791321722880",  # fits SQLite, not PostgreSQL's INTEGER
        f"{API}/lots/2365213384712",
        f"{API}/plans/{HUGE}",
        f"{API}/plans/{HUGE}/lots",
        f"{API}/lots/{HUGE}",
        f"{API}/compounds/{HUGE}",
        f"{API}/compounds/1/versions/{HUGE}",
        f"{API}/lines/{HUGE}",
        f"{API}/members/{HUGE}",
        f"{API}/users/{HUGE}",
        f"{API}/orders?member_id={HUGE}",
        f"{API}/audit?user_id={HUGE}",
        f"{API}/orders?offset={HUGE}",
        f"{API}/orders?offset=9223372036854775807",
        f"{API}/audit?since=0001-01-01T00:00:00",
        f"{API}/audit?until=9999-12-31T23:59:59",
    ],
)
def test_api_answers_out_of_range_values_with_422(
    client: TestClient, world: World, path: str
) -> None:
    answer = client.get(path, headers=world.headers("admin"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"], answer.text


@pytest.mark.parametrize("start", ["9999-12-31T00:00:00+08:00", "0001-01-01T00:00:00+08:00"])
def test_plan_run_far_start_is_refused(client: TestClient, world: World, start: str) -> None:
    body = {"start": start, "days": 7, "method": "dispatch"}
    answer = client.post(f"{API}/plans", json=body, headers=world.headers("planner"))
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["start"]


@pytest.mark.parametrize(
    "path",
    [
        f"/orders/{HUGE}",
        f"/compounds/{HUGE}",
        f"/plan/{HUGE}/compare",
        f"/plan?plan={HUGE}",
        f"/dashboard?plan={HUGE}",
        "/orders?page=99999999999999999999999",
        "/users?page=99999999999999999999999",
        "/dashboard?week=9999-12-31",
        "/dashboard?week=0001-01-01",
        "/plan?start=9999-12-31T00:00",
        "/plan?start=0001-01-01T00:00",
        "/plan?start=9999-12-31T00:00&days=7",
    ],
)
def test_pages_answer_out_of_range_values(client: TestClient, world: World, path: str) -> None:
    page_login(client, "admin")
    answer = client.get(path)
    assert answer.status_code in (200, 404, 422), answer.text[:300]


def test_nul_in_a_static_path_is_not_found(client: TestClient, world: World) -> None:
    assert client.get("/static/app/plan.js%00.css").status_code == 404


def test_api_times_carry_the_center_offset(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    order = client.get(f"{API}/orders/{world.orders['M01']}", headers=h).json()
    assert order["due_at"].endswith("+08:00") and order["created_at"].endswith("+08:00")
    plan = client.get(f"{API}/plans/{world.plan}", headers=h).json()
    assert all(plan[k].endswith("+08:00") for k in ("created_at", "horizon_start"))
    lots = client.get(f"{API}/plans/{world.plan}/lots", headers=h).json()
    assert lots and all(lot["start"].endswith("+08:00") for lot in lots)


def _int_params(route: APIRoute) -> list[tuple[str, Any]]:
    """(name, field info) of the route's integer path and query parameters."""
    dependant = route.dependant
    found = []
    stack = [dependant]
    while stack:
        current = stack.pop()
        stack.extend(current.dependencies)
        for param in [*current.path_params, *current.query_params]:
            annotation = param.field_info.annotation
            if annotation is int or int in getattr(annotation, "__args__", ()):
                found.append((param.name, param.field_info))
    return found


def test_every_integer_parameter_is_bounded(app: FastAPI) -> None:
    """Any integer a route hands to the database must fit an INTEGER column (web.params)."""
    unbounded = []
    routes = [(context.path, context.original_route) for context in iter_route_contexts(app.routes)]
    api_routes = [(path, route) for path, route in routes if isinstance(route, APIRoute)]
    assert len(api_routes) > 50, "the app's routes were not found"
    for path, route in api_routes:
        for name, info in _int_params(route):
            limits = [getattr(m, "le", None) or getattr(m, "lt", None) for m in info.metadata]
            if not any(limit is not None and limit < 2**31 for limit in limits):
                unbounded.append(f"{sorted(route.methods or ())} {path} {name}")
    hint = "declare ids with mixshare.web.params.PathId / QueryId:\n"
    assert unbounded == [], hint + "\n".join(unbounded)
