"""The changeover rule editor: rules in order, the matrix on a line with the reason for each
forbidden switch, adding and deleting a rule; the reference lists a center extends."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.compounds.models import ChangeoverRule, ColourClass
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form


def forbidden_rows(html: str) -> list[tuple[str, str, str]]:
    table = html.split('data-testid="forbidden"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", table)


def test_editor_shows_the_matrix_and_why_a_switch_is_forbidden(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "planner")
    assert "M01.C-M01.v1/MB" in client.get("/changeover-rules").text
    assert forbidden_rows(client.get("/changeover-rules").text) == []  # "anything goes"
    added = post_form(
        client, "/changeover-rules/new", token, priority="5", name="M02 never after M01",
        from_compound="M01.C-M01", to_compound="M02.C-M02", forbidden="1",
    )  # fmt: skip
    assert added.status_code == 303
    html = client.get("/changeover-rules").text
    assert 'data-rule="5"' in html
    rows = forbidden_rows(html)
    # the reason in the page's language (it was English on the Chinese page)
    assert ("M01.C-M01.v1/MB", "M02.C-M02.v1/MB", "规则 5「M02 never after M01」禁止") in rows
    english = forbidden_rows(client.get("/changeover-rules?lang=en").text)
    assert ("M01.C-M01.v1/MB", "M02.C-M02.v1/MB", "rule 5 'M02 never after M01' forbids") in english
    assert all(a.startswith("M01.") and b.startswith("M02.") for a, b, _ in rows)
    rule_id = db.scalars(select(ChangeoverRule.id).where(ChangeoverRule.priority == 5)).one()
    assert post_form(client, f"/changeover-rules/{rule_id}/delete", token).status_code == 303
    db.expire_all()
    assert db.get(ChangeoverRule, rule_id) is None
    actions = set(db.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "changeover_rule")))  # fmt: skip
    assert actions == {"create", "delete"}


def test_no_matching_rule_is_named_as_such(client: TestClient, world: World, db: Session) -> None:
    for rule in db.scalars(select(ChangeoverRule)):
        rule.same_compound = True  # only campaigns remain allowed
    db.commit()
    page_login(client, "admin")
    rows = forbidden_rows(client.get("/changeover-rules").text)
    assert ("M01.C-M01.v1/MB", "M02.C-M02.v1/MB", "没有匹配的规则") in rows
    english = forbidden_rows(client.get("/changeover-rules?lang=en").text)
    assert ("M01.C-M01.v1/MB", "M02.C-M02.v1/MB", "no rule matches") in english


def test_a_bad_rule_comes_back_with_its_fields_marked(client: TestClient, world: World) -> None:
    token = page_login(client, "planner")
    bad = post_form(client, "/changeover-rules/new", token, priority="x", name="", to_colour="pink")
    assert bad.status_code == 422
    assert {"priority", "name"} <= set(re.findall(r'data-field-error="([^"]+)"', bad.text))


def test_admin_adds_a_colour_class(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "admin")
    added = post_form(client, "/reference/colours", token, code="white", name="白色")
    assert added.status_code == 303
    assert db.scalars(select(ColourClass.code).where(ColourClass.code == "white")).one()
    again = post_form(client, "/reference/colours", token, code="white")
    assert again.status_code == 422 and "exists" in again.text
    assert 'data-colour="white"' in client.get("/reference").text
