"""Every API endpoint once through its happy path, and the answers to bad input."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.lines.models import Downtime
from mixshare.orders.models import Order
from mixshare.planning.models import Plan
from tests.web.conftest import World, soon

API = "/api/v1"
PROBLEM = "application/problem+json"


def fields(response: Any) -> set[str]:
    assert response.headers["content-type"].startswith(PROBLEM), response.text
    return {e["field"] for e in response.json()["errors"]}


def order_body(**overrides: Any) -> dict[str, Any]:
    body = {"compound": "C-M01", "quantity_kg": 2500, "due_at": soon(12).isoformat()}
    body.update(overrides)
    return body


def count_orders(db: Session) -> int:
    return int(db.scalar(select(func.count(Order.id))) or 0)


# --- orders --------------------------------------------------------------------------------


def test_member_creates_reads_updates_cancels_own_order(client: TestClient, world: World) -> None:
    h = world.headers("m01")
    created = client.post(f"{API}/orders", json=order_body(note="rush"), headers=h)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["member_code"] == "M01" and order["version"] == 1
    path = f"{API}/orders/{order['id']}"
    assert client.get(path, headers=h).json()["note"] == "rush"
    patched = client.patch(path, json={"version": 1, "quantity_kg": 3000}, headers=h)
    assert patched.status_code == 200 and patched.json()["quantity_kg"] == 3000
    assert patched.json()["version"] == 2
    cancelled = client.post(f"{path}/cancel", json={"version": 2}, headers=h)
    assert cancelled.json()["status"] == "cancelled"


def test_delete_cancels(client: TestClient, world: World, db: Session) -> None:
    path = f"{API}/orders/{world.orders['M01']}"
    assert client.delete(path, headers=world.headers("m01")).status_code == 204
    assert db.get(Order, world.orders["M01"]).status == "cancelled"  # type: ignore[union-attr]


def test_order_list_is_paged_and_scoped(client: TestClient, world: World) -> None:
    mine = client.get(f"{API}/orders", headers=world.headers("m01")).json()
    assert {o["member_code"] for o in mine["items"]} == {"M01"} and mine["total"] == 1
    everyone = client.get(f"{API}/orders?limit=1", headers=world.headers("planner")).json()
    assert everyone["total"] == 2 and len(everyone["items"]) == 1 and everyone["limit"] == 1
    # a member cannot widen its scope with the filter
    sneaky = client.get(
        f"{API}/orders?member_id={world.members['M02']}", headers=world.headers("m01")
    ).json()
    assert {o["member_code"] for o in sneaky["items"]} == {"M01"}


def test_planner_orders_for_a_member(client: TestClient, world: World) -> None:
    body = order_body(member="M02", compound="C-M02")
    response = client.post(f"{API}/orders", json=body, headers=world.headers("planner"))
    assert response.status_code == 201 and response.json()["member_code"] == "M02"
    missing = client.post(f"{API}/orders", json=order_body(), headers=world.headers("planner"))
    assert missing.status_code == 422 and fields(missing) == {"member"}


def test_member_cannot_order_for_another_member(
    client: TestClient, world: World, db: Session
) -> None:
    before = count_orders(db)
    body = order_body(member="M02", compound="C-M02")
    response = client.post(f"{API}/orders", json=body, headers=world.headers("m01"))
    assert response.status_code == 422 and "member" in fields(response)
    other = client.post(
        f"{API}/orders", json=order_body(compound="C-M02"), headers=world.headers("m01")
    )
    assert other.status_code == 422 and fields(other) == {"compound"}
    assert count_orders(db) == before


def test_bad_orders_name_every_field_and_write_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    h = world.headers("m01")
    before = count_orders(db)
    cases = [
        (order_body(quantity_kg="lots"), {"quantity_kg"}),
        (order_body(quantity_kg=-5), {"quantity_kg"}),
        (order_body(quantity_kg=10_000_000), {"quantity_kg"}),
        (order_body(due_at="not a date"), {"due_at"}),
        ({"quantity_kg": 5}, {"due_at"}),
        (order_body(stage="liquid"), {"stage"}),
        (order_body(compound="NOPE"), {"compound"}),
        (order_body(compound_version_id=99999, compound=None), {"compound_version_id"}),
        (order_body(due_at="2020-01-01T08:00:00"), {"due_at"}),
    ]
    for body, expected_fields in cases:
        response = client.post(f"{API}/orders", json=body, headers=h)
        assert response.status_code == 422, (body, response.text)
        assert expected_fields <= fields(response), (body, response.json())
        assert response.json()["status"] == 422 and response.json()["title"]
    assert count_orders(db) == before


def test_malformed_json_and_wrong_body_type(client: TestClient, world: World) -> None:
    h = {**world.headers("m01"), "content-type": "application/json"}
    broken = client.post(f"{API}/orders", content=b'{"quantity_kg": 5,', headers=h)
    assert broken.status_code == 400 and fields(broken) == {"body"}
    listed = client.post(f"{API}/orders", json=[1, 2], headers=world.headers("m01"))
    assert listed.status_code == 422 and fields(listed)


def test_oversized_body_is_413(client: TestClient, world: World, db: Session) -> None:
    before = count_orders(db)
    note = "x" * (1024 * 1024 + 10)
    response = client.post(
        f"{API}/orders", json=order_body(note=note), headers=world.headers("m01")
    )
    assert response.status_code == 413 and fields(response) == {"body"}

    def chunks() -> Any:  # no content-length: the streamed body is counted
        for _ in range(20):
            yield b"x" * 65536

    streamed = client.post(
        f"{API}/orders",
        content=chunks(),
        headers={**world.headers("m01"), "content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert count_orders(db) == before


def test_unknown_ids_are_404_problems(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    for path in (
        "orders/9999",
        "compounds/9999",
        "lots/9999",
        "plans/9999",
        "lines/9999",
        "members/9999",
        "users/9999",
        "compounds/1/versions/99",
    ):
        response = client.get(f"{API}/{path}", headers=h)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith(PROBLEM)
    assert client.get(f"{API}/orders/abc", headers=h).status_code == 422
    assert client.get(f"{API}/nothing-here", headers=h).status_code == 404


def test_concurrent_edits_conflict(client: TestClient, world: World, db: Session) -> None:
    path = f"{API}/orders/{world.orders['M01']}"
    first = client.patch(path, json={"version": 1, "note": "mine"}, headers=world.headers("m01"))
    assert first.status_code == 200
    second = client.patch(
        path, json={"version": 1, "note": "theirs"}, headers=world.headers("planner")
    )
    assert second.status_code == 409 and second.headers["content-type"].startswith(PROBLEM)
    assert db.get(Order, world.orders["M01"]).note == "mine"  # type: ignore[union-attr]
    missing = client.patch(path, json={"note": "no version"}, headers=world.headers("m01"))
    assert missing.status_code == 422 and fields(missing) == {"version"}
    unknown = client.patch(path, json={"version": 2, "colour": "red"}, headers=world.headers("m01"))
    assert unknown.status_code == 422 and "colour" in fields(unknown)


def test_foreign_write_changes_nothing(client: TestClient, world: World, db: Session) -> None:
    path = f"{API}/orders/{world.orders['M02']}"
    response = client.patch(
        path, json={"version": 1, "note": "hacked"}, headers=world.headers("m01admin")
    )
    assert response.status_code == 404
    assert client.delete(path, headers=world.headers("m01")).status_code == 404
    order = db.get(Order, world.orders["M02"])
    assert order is not None and order.note == "" and order.status == "open"


# --- compounds -----------------------------------------------------------------------------


def compound_body(code: str = "NEW-1", **extra: Any) -> dict[str, Any]:
    body = {
        "code": code,
        "name": "new",
        "polymer_family": "NR",
        "colour_class": "black",
        "density": 1.1,
        "ingredients": [
            {"stage": "MB", "material": "NR", "phr": 100},
            {"stage": "FB", "material": "S", "phr": 2},
        ],
    }
    body.update(extra)
    return body


def test_member_admin_creates_compound_and_versions(client: TestClient, world: World) -> None:
    h = world.headers("m01admin")
    created = client.post(f"{API}/compounds", json=compound_body(), headers=h)
    assert created.status_code == 201, created.text
    compound = created.json()
    assert compound["member_code"] == "M01" and compound["versions"][0]["ingredients"]
    path = f"{API}/compounds/{compound['id']}/versions"
    v2 = client.post(path, json={"density": 1.2}, headers=h)
    assert v2.status_code == 201 and v2.json()["version"] == 2
    assert [v["version"] for v in client.get(path, headers=h).json()] == [1, 2]
    assert client.get(f"{path}/2", headers=h).json()["density"] == 1.2
    listed = client.get(f"{API}/compounds", headers=h).json()
    assert {c["member_code"] for c in listed["items"]} == {"M01"}


def test_bad_compounds_name_fields(client: TestClient, world: World) -> None:
    h = world.headers("m01admin")
    bad_phr = compound_body(
        ingredients=[
            {"stage": "MB", "material": "NR", "phr": 60},
            {"stage": "FB", "material": "S", "phr": 2},
        ]
    )
    response = client.post(f"{API}/compounds", json=bad_phr, headers=h)
    assert response.status_code == 422 and "ingredients" in fields(response)
    unknown = compound_body(
        ingredients=[
            {"stage": "MB", "material": "GOLD", "phr": 100},
            {"stage": "FB", "material": "S", "phr": 2},
        ]
    )
    response = client.post(f"{API}/compounds", json=unknown, headers=h)
    assert response.status_code == 422
    assert any(f.startswith("ingredients.") for f in fields(response)), response.json()
    duplicate = client.post(f"{API}/compounds", json=compound_body("C-M01"), headers=h)
    assert duplicate.status_code == 422 and "code" in fields(duplicate)
    assert (
        client.post(f"{API}/compounds", json=compound_body(density="heavy"), headers=h).status_code
        == 422
    )


def test_formulation_visibility(client: TestClient, world: World, db: Session) -> None:
    path = f"{API}/compounds/{world.compounds['M01']}"
    seen = {}
    for name in ("m01", "m01admin", "planner", "operator", "quality", "admin"):
        version = client.get(path, headers=world.headers(name)).json()["versions"][0]
        seen[name] = version["ingredients"] is not None
        assert version["formulation_visible"] is seen[name]
        assert version["polymer_family"] == "NR"  # attributes are visible to all who see it
    assert seen == {
        "m01": True,
        "m01admin": True,
        "planner": False,
        "operator": True,
        "quality": True,
        "admin": True,
    }
    reads = db.scalars(select(AuditEntry.username).where(AuditEntry.action == "formulation_read"))
    assert sorted(reads) == ["admin", "operator", "quality"]


# --- lines, plans, lots, members -----------------------------------------------------------


def test_lines_and_outage(client: TestClient, world: World, db: Session) -> None:
    lines = client.get(f"{API}/lines", headers=world.headers("m01")).json()
    assert [line["code"] for line in lines] == ["L1"]
    body = {"start": soon(2).isoformat(), "end": soon(3).isoformat(), "reason": "motor"}
    path = f"{API}/lines/{world.line}/outages"
    created = client.post(path, json=body, headers=world.headers("planner"))
    assert created.status_code == 201 and created.json()["kind"] == "outage"
    backwards = client.post(
        path, json={**body, "end": soon(1).isoformat()}, headers=world.headers("planner")
    )
    assert backwards.status_code == 422 and fields(backwards) == {"end"}
    assert db.scalar(select(func.count(Downtime.id))) == 1
    assert (
        client.post(
            f"{API}/lines/999/outages", json=body, headers=world.headers("planner")
        ).status_code
        == 404
    )


def test_member_sees_only_own_lots_and_figures(client: TestClient, world: World) -> None:
    lots = client.get(f"{API}/plans/{world.plan}/lots", headers=world.headers("m01")).json()
    assert {lot["member_id"] for lot in lots} == {world.members["M01"]}
    everyone = client.get(f"{API}/plans/{world.plan}/lots", headers=world.headers("operator"))
    assert len(everyone.json()) == 2
    plan = client.get(f"{API}/plans/{world.plan}", headers=world.headers("m01")).json()
    assert set(plan["kpis"]["tonnes_by_member_stage"]) == {"M01"}
    assert plan["objective"] is None
    own_lot = client.get(f"{API}/lots/{world.lots['M01']}", headers=world.headers("m01"))
    assert own_lot.status_code == 200 and own_lot.json()["line_code"] == "L1"


def test_plan_list_latest_diff_changeovers(client: TestClient, world: World) -> None:
    h = world.headers("planner")
    listed = client.get(f"{API}/plans", headers=h).json()
    assert listed["total"] == 1 and listed["items"][0]["version"] == 1
    assert client.get(f"{API}/plans/latest", headers=h).json()["id"] == world.plan
    diff = client.get(f"{API}/plans/{world.plan}/diff", headers=h).json()
    assert len(diff["added"]) == 2 and diff["moved"] == []
    assert len(client.get(f"{API}/plans/{world.plan}/changeovers", headers=h).json()) == 1


def test_publish_and_freeze_with_versions(client: TestClient, world: World, db: Session) -> None:
    h = world.headers("planner")
    published = client.post(f"{API}/plans/{world.plan}/publish", json={"row_version": 1}, headers=h)
    assert published.status_code == 200 and published.json()["status"] == "published"
    stale = client.post(
        f"{API}/plans/{world.plan}/freeze", json={"hours": 8, "row_version": 1}, headers=h
    )
    assert stale.status_code == 409
    frozen = client.post(
        f"{API}/plans/{world.plan}/freeze", json={"hours": 8, "row_version": 2}, headers=h
    )
    assert frozen.status_code == 200 and frozen.json()["frozen_until"]
    too_long = client.post(f"{API}/plans/{world.plan}/freeze", json={"hours": 9999}, headers=h)
    assert too_long.status_code == 422 and fields(too_long) == {"hours"}
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "plan")))
    assert actions == {"publish", "freeze"}


def test_run_plan(client: TestClient, world: World, db: Session) -> None:
    body = {
        "start": soon(1).replace(hour=0, minute=0).isoformat(),
        "days": 14,
        "method": "dispatch",
        "time_limit": 2,
    }
    response = client.post(f"{API}/plans", json=body, headers=world.headers("planner"))
    assert response.status_code == 202, response.text  # a job; in-process it ran at once
    job = client.get(response.headers["location"], headers=world.headers("planner")).json()
    assert job["state"] == "done", job
    plan = client.get(f"{API}/plans/{job['result']['plan_id']}", headers=world.headers("planner"))
    assert plan.json()["version"] == 2 and plan.json()["kpis"]
    assert db.scalar(select(func.count(Plan.id))) == 2
    assert client.post(f"{API}/plans", json=body, headers=world.headers("m01")).status_code == 403
    bad = client.post(
        f"{API}/plans",
        json={**body, "method": "magic", "days": 99},
        headers=world.headers("planner"),
    )
    assert bad.status_code == 422 and fields(bad) == {"method", "days"}


def test_members(client: TestClient, world: World) -> None:
    mine = client.get(f"{API}/members", headers=world.headers("m02")).json()
    assert [m["code"] for m in mine] == ["M02"]
    everyone = client.get(f"{API}/members", headers=world.headers("quality")).json()
    assert [m["code"] for m in everyone] == ["M01", "M02"]


# --- users and audit -----------------------------------------------------------------------


def test_user_admin(client: TestClient, world: World) -> None:
    h = world.headers("m01admin")
    body = {
        "username": "M01-Buyer",
        "password": "long enough 1",
        "role": "member_user",
        "member_id": world.members["M01"],
    }
    created = client.post(f"{API}/users", json=body, headers=h)
    assert created.status_code == 201 and created.json()["username"] == "m01-buyer"
    assert "password" not in created.json() and "password_hash" not in created.json()
    again = client.post(f"{API}/users", json=body, headers=h)
    assert again.status_code == 422 and fields(again) == {"username"}
    escalate = client.post(
        f"{API}/users",
        json={**body, "username": "x", "role": "planner", "member_id": None},
        headers=h,
    )
    assert escalate.status_code == 422 and "role" in fields(escalate)
    elsewhere = client.post(
        f"{API}/users", json={**body, "username": "y", "member_id": world.members["M02"]}, headers=h
    )
    assert elsewhere.status_code == 422 and fields(elsewhere) == {"member_id"}
    listed = client.get(f"{API}/users", headers=h).json()
    assert {u["member_id"] for u in listed["items"]} == {world.members["M01"]}
    uid = created.json()["id"]
    renamed = client.patch(f"{API}/users/{uid}", json={"full_name": "Buyer"}, headers=h)
    assert renamed.json()["full_name"] == "Buyer"
    assert client.delete(f"{API}/users/{uid}", headers=h).status_code == 204
    assert client.get(f"{API}/users/{uid}", headers=h).json()["active"] is False


def test_admin_cannot_lock_themselves_out(client: TestClient, world: World) -> None:
    path = f"{API}/users/{world.users['admin']}"
    response = client.patch(path, json={"active": False}, headers=world.headers("admin"))
    assert response.status_code == 422 and "role" in fields(response)


def test_audit_log_for_admin(client: TestClient, world: World) -> None:
    client.get(f"{API}/orders/{world.orders['M02']}", headers=world.headers("m01"))
    client.patch(
        f"{API}/orders/{world.orders['M01']}",
        json={"version": 1, "note": "n"},
        headers=world.headers("m01"),
    )
    log = client.get(f"{API}/audit", headers=world.headers("admin")).json()
    actions = [(e["action"], e["object_type"], e["username"]) for e in log["items"]]
    assert ("denied", "order", "m01") in actions and ("update", "order", "m01") in actions
    denied = client.get(f"{API}/audit?action=denied", headers=world.headers("admin")).json()
    entry = denied["items"][0]
    assert entry["member_id"] == world.members["M02"]
    assert entry["actor_member_id"] == world.members["M01"]
    path = f"{API}/orders/{world.orders['M02']}"
    assert entry["detail"] == {"method": "GET", "path": path, "count": 1}


def test_openapi_document(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    assert f"{API}/orders/{{order_id}}" in document["paths"]
    assert f"{API}/compounds/{{compound_id}}" in document["paths"]
    assert f"{API}/auth/token" in document["paths"]
    assert not any(path.startswith("/login") for path in document["paths"])
