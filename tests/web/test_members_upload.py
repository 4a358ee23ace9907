"""The center admin uploads members and their users; the page shows each new user's initial
password once (a working password), and the audit entry does not hold it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.users import service as users
from tests.web.conftest import World
from tests.web.pages_helpers import page_login
from tests.web.test_upload_page import upload


def test_admin_uploads_members_and_sees_initial_passwords_once(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "admin")
    csv = ("member,member_name,username,role\nM03,成员三,m03boss,member_admin\n").encode()
    answer = upload(client, token, "members", "members.csv", csv)
    assert answer.status_code == 200, answer.text[:300]
    shown = answer.text.split('data-testid="initial-passwords"', 1)[1].split("</section>", 1)[0]
    [(name, password)] = re.findall(r"<tr><td>([^<]+)</td><td><code>([^<]+)</code>", shown)
    assert name == "m03boss"
    boss = users.get_by_username(db, "m03boss")
    assert boss is not None and users.verify_password(boss.password_hash, password)
    entries = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "members"))
    assert all(password not in str(e.detail) for e in entries)
    assert password not in client.get("/imports").text
    planner = page_login(client, "planner")
    assert upload(client, planner, "members", "members.csv", csv).status_code == 404


def test_every_import_kind_label_is_translated() -> None:
    from mixshare.uploads import registry
    from mixshare.web import i18n

    for kind in registry.all_kinds():
        assert i18n.gettext("zh_CN", kind.label) != kind.label, kind.name
