"""Catalogue forms: lines, maintenance windows, tariff versions and members, with CSRF, per-field
errors, audit entries and 404 for roles that may not use them."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.lines.models import Downtime, Line
from mixshare.members.models import Member
from mixshare.tariffs.models import Tariff
from tests.web.conftest import World, soon
from tests.web.pages_helpers import page_login, post_form

ALL = "1,2,3,4,5,6,7,8,9,10,11,12"


def field_errors(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-field-error="([^"]+)"', html))


def audited(db: Session, object_type: str) -> set[str]:
    query = select(AuditEntry.action).where(AuditEntry.object_type == object_type)
    return set(db.scalars(query))


def test_edit_line(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "admin")
    form = client.get(f"/lines/{world.line}/edit")
    assert form.status_code == 200 and 'name="MB_fill_factor"' in form.text
    bad = post_form(
        client,
        f"/lines/{world.line}/edit",
        token,
        name="",
        MB_enabled=1,
        MB_fill_factor=2,
        MB_cycle_minutes=3,
        MB_kwh_per_kg=0.2,
    )
    assert bad.status_code == 422
    assert {"name", "MB_fill_factor"} <= field_errors(bad.text)
    good = post_form(
        client,
        f"/lines/{world.line}/edit",
        token,
        name="Banbury",
        MB_enabled=1,
        MB_fill_factor=0.7,
        MB_cycle_minutes=3.5,
        MB_kwh_per_kg=0.21,
        FB_enabled=1,
        FB_fill_factor=0.7,
        FB_cycle_minutes=2,
        FB_kwh_per_kg=0.1,
    )
    assert good.status_code == 303, good.text
    db.expire_all()
    line = db.get(Line, world.line)
    assert line is not None and line.name == "Banbury"
    assert {s.stage: s.cycle_minutes for s in line.stage_settings} == {"MB": 3.5, "FB": 2.0}
    assert "update" in audited(db, "line")
    assert post_form(client, "/lines/9999/edit", token, name="x").status_code == 404


def test_maintenance_windows(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "planner")
    assert client.get("/downtimes/new").status_code == 200
    start = soon(3)
    fields = {"line_id": world.line, "kind": "maintenance", "reason": "rotor"}
    bad = post_form(
        client,
        "/downtimes/new",
        token,
        **fields,
        start=start.strftime("%Y-%m-%dT%H:%M"),
        end=(start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert bad.status_code == 422 and "end" in field_errors(bad.text)
    good = post_form(
        client,
        "/downtimes/new",
        token,
        **fields,
        start=start.strftime("%Y-%m-%dT%H:%M"),
        end=(start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert good.status_code == 303
    downtime = db.scalar(select(Downtime))
    assert downtime is not None and downtime.reason == "rotor"
    assert f'data-delete-downtime="{downtime.id}"' in client.get("/calendars").text
    deleted = post_form(client, f"/downtimes/{downtime.id}/delete", token)
    assert deleted.status_code == 303
    assert db.scalar(select(func.count(Downtime.id))) == 0
    assert audited(db, "downtime") == {"create", "delete"}
    assert post_form(client, f"/downtimes/{downtime.id}/delete", token).status_code == 404


def test_new_tariff_version(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "admin")
    form = client.get("/tariffs/new")
    assert form.status_code == 200 and "valley" in form.text  # starts from today's bands
    fields = {"name": "Zhejiang 2030", "valid_from": "2030-01-01", "flat_price": "0.7"}
    bad = post_form(
        client,
        "/tariffs/new",
        token,
        **fields,
        code="ZJ-2026",
        bands=f"{ALL} 0 12 valley 0.4\n{ALL} 12 24 cheap 1",
    )
    assert bad.status_code == 422
    assert {"code", "bands"} <= field_errors(bad.text)
    assert "line 2" in bad.text
    good = post_form(
        client,
        "/tariffs/new",
        token,
        **fields,
        code="ZJ-2030",
        bands=f"{ALL} 0 12 valley 0.4\n{ALL} 12 24 peak 1.8",
    )
    assert good.status_code == 303, good.text
    tariff = db.scalar(select(Tariff).where(Tariff.code == "ZJ-2030"))
    assert tariff is not None and len(tariff.bands) == 2
    assert "create" in audited(db, "tariff")


def test_members(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "admin")
    bad = post_form(client, "/members/new", token, code="M01", name="", priority_weight=50)
    assert bad.status_code == 422
    assert {"code", "name", "priority_weight"} <= field_errors(bad.text)
    good = post_form(client, "/members/new", token, code="m03", name="成员三", name_en="Three")
    assert good.status_code == 303
    member = db.scalar(select(Member).where(Member.code == "M03"))
    assert member is not None and member.name_en == "Three"
    edited = post_form(
        client, f"/members/{member.id}", token, name="成员三号", name_en="", products="hoses"
    )
    assert edited.status_code == 303
    db.expire_all()
    assert (member.name, member.products) == ("成员三号", "hoses")
    assert audited(db, "member") >= {"create", "update"}
    assert client.get("/members/99999").status_code == 404


def test_forms_need_csrf_and_the_right_role(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "admin")
    forged = post_form(client, "/members/new", "0" * 64, code="M09", name="x")
    assert forged.status_code in (400, 403)
    assert db.scalar(select(Member).where(Member.code == "M09")) is None
    client.cookies.clear()
    for name in ("planner", "m01admin"):
        client.cookies.clear()
        token = page_login(client, name)
        for path in ("/members/new", "/tariffs/new", f"/lines/{world.line}/edit"):
            assert client.get(path).status_code == 404, (name, path)
            assert post_form(client, path, token, code="X1", name="x").status_code == 404
    client.cookies.clear()
    token = page_login(client, "m01")
    assert client.get("/downtimes/new").status_code == 404
    assert post_form(client, "/downtimes/new", token, line_id=world.line).status_code == 404
