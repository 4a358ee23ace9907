"""Materials pages: the center admin creates and edits; a member's users see only the materials
their own recipes use, and never the prices."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.materials.models import Material
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form


def listed(html: str) -> set[str]:
    return set(re.findall(r'data-material="([^"]+)"', html))


def test_admin_creates_and_edits_a_material(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "admin")
    bad = post_form(client, "/materials/new", token, code="ZNO", name="", category="rubber")
    assert bad.status_code == 422
    assert {"name", "category"} <= set(re.findall(r'data-field-error="([^"]+)"', bad.text))
    good = post_form(
        client, "/materials/new", token, code="ZNO", name="氧化锌", category="chemical",
        density="5.6", price_per_kg="22",
    )  # fmt: skip
    assert good.status_code == 303
    made = db.scalars(select(Material).where(Material.code == "ZNO")).one()
    assert (made.name, made.density, made.price_per_kg) == ("氧化锌", 5.6, 22.0)
    saved = post_form(
        client, f"/materials/{made.id}", token, name="zinc oxide", category="chemical",
        density="5.6", price_per_kg="21",
    )  # fmt: skip
    assert saved.status_code == 303
    db.expire_all()
    assert db.get(Material, made.id).price_per_kg == 21.0  # type: ignore[union-attr]
    assert "ZNO" in listed(client.get("/materials").text)


def test_member_sees_only_materials_of_its_own_recipes(
    client: TestClient, world: World, db: Session
) -> None:
    db.add(Material(code="SECRET-RESIN", name="resin", category="chemical"))
    db.commit()
    page_login(client, "m01")
    html = client.get("/materials").text
    assert listed(html) == {"NR", "SBR", "N330", "S"}  # the recipe of C-M01
    assert "Price" not in html and "单价" not in html
    page_login(client, "admin")
    assert {"SECRET-RESIN", "OIL", "TBBS"} <= listed(client.get("/materials").text)


def test_materials_and_rules_upload_on_the_import_page(
    client: TestClient, world: World, db: Session
) -> None:
    from tests.web.test_upload_page import upload

    token = page_login(client, "planner")  # plans, so may upload rules, but not materials
    csv = b"code,name,category\nZNO,zinc oxide,chemical\n"
    assert upload(client, token, "materials", "m.csv", csv).status_code == 404
    rules = b"priority,name,same_compound\n1,campaign,yes\n2,bad,perhaps\n"
    refused = upload(client, token, "rules", "rules.csv", rules)
    assert refused.status_code == 422 and "rules.csv, row 3, column same_compound" in refused.text
    token = page_login(client, "admin")
    assert upload(client, token, "materials", "m.csv", csv).status_code == 200
    assert db.scalars(select(Material.name).where(Material.code == "ZNO")).one() == "zinc oxide"
