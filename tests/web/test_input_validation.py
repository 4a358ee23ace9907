"""Hostile and absurd input on the API (issue 11, findings 1, 4, 5 and 12): every field is
rejected with 422 naming it, and nothing is written."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound
from mixshare.lines.models import Downtime
from mixshare.orders.exports import export_orders_xlsx
from mixshare.orders.models import Order
from mixshare.planning.export import export_plan_xlsx
from mixshare.planning.models import Plan, PlanLot
from mixshare.users.models import User
from tests.web.conftest import World, recipe, soon
from tests.web.pages_helpers import page_login, post_form
from tests.web.test_api import API, count_orders, fields, order_body

XSS = "<img/src/onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
DDE = "=cmd|'/C calc'!A0"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": XSS}, "number"),
        ({"number": "A-1/MB"}, "number"),  # '/' would forge a lot code "<number>/<stage>"
        ({"number": "-2+3"}, "number"),
        ({"compound": "C-M01<script>"}, "compound"),
        ({"note": "before\x00after"}, "note"),
        ({"note": "pay to \u202egnp.exe"}, "note"),
        ({"note": FORMULA}, "note"),
        ({"note": DDE}, "note"),
        ({"note": "@SUM(1+1)"}, "note"),
        ({"quantity_kg": True}, "quantity_kg"),
        ({"quantity_kg": 1e-300}, "quantity_kg"),
        ({"quantity_kg": 0.5}, "quantity_kg"),
        ({"due_at": "9999-12-31T00:00:00"}, "due_at"),
        ({"due_at": "9999-12-31T23:59:59-12:00"}, "due_at"),
        ({"due_at": soon(6 * 365).isoformat()}, "due_at"),
        ({"compound_version_id": True, "compound": None}, "compound_version_id"),
    ],
)
def test_hostile_order_fields_are_422_and_write_nothing(
    client: TestClient, world: World, db: Session, overrides: dict[str, Any], field: str
) -> None:
    before = count_orders(db)
    body = order_body(**overrides)
    response = client.post(f"{API}/orders", json=body, headers=world.headers("m01"))
    assert response.status_code == 422, response.text
    assert field in fields(response), response.json()
    assert count_orders(db) == before


def test_nan_quantity_is_422_naming_the_field_not_a_conflict(
    client: TestClient, world: World, db: Session
) -> None:
    before = count_orders(db)
    body = json.dumps(order_body()).replace('"quantity_kg": 2500', '"quantity_kg": NaN')
    headers = {**world.headers("m01"), "content-type": "application/json"}
    response = client.post(f"{API}/orders", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert fields(response) == {"quantity_kg"}
    order_id = world.orders["M01"]
    version = client.get(f"{API}/orders/{order_id}", headers=world.headers("m01")).json()
    patch = f'{{"quantity_kg": Infinity, "version": {version["version"]}}}'
    changed = client.patch(f"{API}/orders/{order_id}", content=patch, headers=headers)
    assert changed.status_code == 422 and fields(changed) == {"quantity_kg"}
    assert count_orders(db) == before


def test_a_plain_order_still_passes(client: TestClient, world: World) -> None:
    body = order_body(number="M01.X_1-a", note="第一行\n- second line: =not a formula here")
    response = client.post(f"{API}/orders", json=body, headers=world.headers("m01"))
    assert response.status_code == 201, response.text
    assert response.json()["note"].startswith("第一行\n")


def _compound(**overrides: Any) -> dict[str, Any]:
    body = {**recipe("M01", "C-NEW"), **overrides}
    body.pop("member")
    return body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "<b>x</b>"}, "code"),
        ({"code": "C/1"}, "code"),
        ({"name": "=1+1"}, "name"),
        ({"name": "x\x00y"}, "name"),
        ({"density": True}, "density"),
        ({"min_rest_minutes": 10**12}, "min_rest_minutes"),
        (
            {"ingredients": [{"stage": "MB", "material": "NR", "phr": 1}] * 10_000},
            "ingredients",
        ),
        ({"ingredients": [{"stage": "MB", "material": "N R\u202e", "phr": 100}]}, "material"),
    ],
)
def test_hostile_compound_fields_are_422(
    client: TestClient, world: World, db: Session, overrides: dict[str, Any], field: str
) -> None:
    response = client.post(
        f"{API}/compounds", json=_compound(**overrides), headers=world.headers("m01admin")
    )
    assert response.status_code == 422, response.text[:500]
    assert any(f.split(".")[0] == field or f.endswith(field) for f in fields(response))
    assert db.scalar(select(func.count(Compound.id)).where(Compound.code == "C-NEW")) == 0


@pytest.mark.parametrize(
    "username",
    [
        "adm\u202enim",  # right-to-left override
        "admin\x00",
        "аdmin",  # Cyrillic а
        "ad min",
        "<svg>",
        "",
    ],
)
def test_usernames_with_invisible_or_look_alike_characters_are_rejected(
    client: TestClient, world: World, db: Session, username: str
) -> None:
    body = {"username": username, "password": "long enough 1", "role": "planner"}
    response = client.post(f"{API}/users", json=body, headers=world.headers("admin"))
    assert response.status_code == 422, response.text
    assert fields(response) == {"username"}
    assert db.scalar(select(func.count(User.id))) == len(world.users)


def test_full_width_username_is_folded_and_then_already_taken(
    client: TestClient, world: World
) -> None:
    body = {"username": "ＡＤＭＩＮ", "password": "long enough 1", "role": "planner"}
    response = client.post(f"{API}/users", json=body, headers=world.headers("admin"))
    assert response.status_code == 422 and fields(response) == {"username"}
    assert "taken" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": soon(2).isoformat(), "end": soon(2 + 365_000).isoformat()}, "end"),
        ({"start": "9999-12-31T00:00:00", "end": "9999-12-31T06:00:00"}, "start"),
        ({"reason": "x\x00"}, "reason"),
    ],
)
def test_absurd_outages_are_rejected(
    client: TestClient, world: World, db: Session, body: dict[str, Any], field: str
) -> None:
    full = {"start": soon(2).isoformat(), "end": soon(3).isoformat(), **body}
    path = f"{API}/lines/{world.line}/outages"
    response = client.post(path, json=full, headers=world.headers("planner"))
    assert response.status_code == 422, response.text
    assert field in fields(response)
    assert db.scalar(select(func.count(Downtime.id))) == 0


# --- exports of data stored before these checks (findings 4 and 5) ---------------------------


def _poison_stored_data(db: Session, world: World) -> None:
    """What an attacker stored before input was checked: formulas and a NUL."""
    order = db.get(Order, world.orders["M01"])
    assert order is not None
    order.number = DDE
    # PostgreSQL cannot store NUL at all; SQLite can, and other C0 controls fit in both
    nul = "\x00" if db.get_bind().dialect.name == "sqlite" else "\x01"
    order.note = f'=HYPERLINK("http://evil.example","x"){nul}\x07'
    lot = db.get(PlanLot, world.lots["M01"])
    assert lot is not None
    lot.code = f"{DDE}/MB"
    db.commit()


def _cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_exports_write_user_text_as_text_never_as_formula(db: Session, world: World) -> None:
    _poison_stored_data(db, world)
    orders_file, plan_file = io.BytesIO(), io.BytesIO()
    assert export_orders_xlsx(db, orders_file) == 2  # the NUL no longer breaks the export
    plan = db.get(Plan, world.plan)
    assert plan is not None
    export_plan_xlsx(db, plan, plan_file)
    for content in (orders_file.getvalue(), plan_file.getvalue()):
        cells = _cells(content)
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        texts = {c.value for c in cells if isinstance(c.value, str)}
        assert DDE in texts or f"{DDE}/MB" in texts
        assert all(c.quotePrefix for c in cells if str(c.value).startswith("="))
    notes = {c.value for c in _cells(orders_file.getvalue()) if str(c.value).startswith("=HYP")}
    assert notes == {'=HYPERLINK("http://evil.example","x")\ufffd\ufffd'}


@pytest.mark.parametrize("member", [True, "M01<x>", 2**70])
def test_member_reference_is_an_id_or_a_code(
    client: TestClient, world: World, db: Session, member: Any
) -> None:
    before = count_orders(db)
    body = order_body(member=member)
    response = client.post(f"{API}/orders", json=body, headers=world.headers("planner"))
    assert response.status_code == 422, response.text
    assert any(f.startswith("member") for f in fields(response))
    assert count_orders(db) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("note", "a\x00b"), ("note", DDE), ("quantity_kg", "nan"), ("due_at", "9999-12-31T08:00")],
)
def test_web_order_form_rejects_what_the_api_rejects(
    client: TestClient, world: World, db: Session, field: str, value: str
) -> None:
    token = page_login(client, "m01")
    before = count_orders(db)
    fields_ = {"compound": "C-M01", "quantity_kg": "2500", "due_at": soon(12).isoformat()}
    response = post_form(client, "/orders/new", token, **{**fields_, field: value})
    assert response.status_code == 422, response.text[:300]
    assert count_orders(db) == before
