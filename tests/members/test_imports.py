"""Members and their users from a spreadsheet: members created or updated, users created with
an initial password that is never in the file, every bad cell named, nothing written on
rejection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mixshare.errors import ValidationFailed
from mixshare.members.imports import COLUMNS, SHEET, import_members, template_members
from mixshare.members.models import Member
from mixshare.spreadsheets import EXAMPLE_SHEET, HELP_SHEET
from mixshare.users import service as users
from mixshare.users.models import User
from tests import spreadsheet_files
from tests.spreadsheet_files import read_template


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    return spreadsheet_files.write_xlsx(path, SHEET, header or COLUMNS, rows)


def state(session: Session) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]]]:
    session.expire_all()
    found = session.scalars(select(Member).order_by(Member.code))
    accounts = session.scalars(select(User).order_by(User.username))
    return (
        [(m.code, m.name, m.priority_weight) for m in found],
        [(u.username, u.role) for u in accounts],
    )


def test_template_documents_every_column_and_its_example_imports(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "members.xlsx"
    template_members(path)
    template = read_template(path)
    assert template.sheetnames == [SHEET, EXAMPLE_SHEET, HELP_SHEET]
    assert set(COLUMNS) <= template.documented
    example = write_xlsx(tmp_path / "ex.xlsx", template.example, template.header)
    result = import_members(session, example)
    assert result.created == ["M01", "M02", "m01.admin", "m01.li", "planner.zhang"]


def test_good_file_creates_members_and_users_with_initial_passwords(
    session: Session, tmp_path: Path
) -> None:
    session.add(Member(code="M01", name="old name"))
    session.commit()
    rows: list[list[object]] = [
        ["M01", "天台输送带", None, "belts", 2, "m01boss", "member_admin", "王芳", None],
        ["M01", None, None, None, None, "m01clerk", "member_user", None, "en"],
        ["M02", "洪畴胶管", "Hongchou Hose", None, None, None, None, None, None],
        [None, None, None, None, None, "plan1", "planner", "张伟", None],
    ]
    result = import_members(session, write_xlsx(tmp_path / "m.xlsx", rows))
    session.commit()
    assert result.updated == ["M01"] and "M02" in result.created
    assert set(result.passwords) == {"m01boss", "m01clerk", "plan1"}
    members, accounts = state(session)
    assert members == [("M01", "天台输送带", 2.0), ("M02", "洪畴胶管", 1.0)]
    assert accounts == [("m01boss", "member_admin"), ("m01clerk", "member_user"),
                        ("plan1", "planner")]  # fmt: skip
    boss = users.get_by_username(session, "m01boss")
    assert boss is not None and boss.member is not None and boss.member.code == "M01"
    assert users.verify_password(boss.password_hash, result.passwords["m01boss"])
    secret = result.passwords["m01boss"]
    assert secret not in str(result) and secret not in repr(result)  # logs never see it
    # The same file again changes nothing and makes no new password.
    again = import_members(session, write_xlsx(tmp_path / "m.xlsx", rows))
    assert again.created == [] and again.passwords == {}


def test_bad_cells_are_named_and_nothing_changes(session: Session, tmp_path: Path) -> None:
    session.add(Member(code="M01", name="one"))
    session.commit()
    before = state(session)
    rows: list[list[object]] = [
        ["M01", "renamed", None, None, None, "ok.user", "member_user", None, None],  # fine
        ["M01", "another name", None, None, "heavy", "x", "member_boss", None, "fr"],  # row 3
        ["m 9", None, None, None, None, None, None, None, None],  # row 4: code, no name
        [None, None, None, None, None, "lost", "member_user", None, None],  # row 5
        ["M01", None, None, None, None, "ok.user", "member_user", None, None],  # row 6
    ]
    with pytest.raises(ValidationFailed) as caught:
        import_members(session, write_xlsx(tmp_path / "bad.xlsx", rows))
    text = str(caught.value)
    where = f"bad.xlsx, sheet {SHEET}"
    for cell in ("row 3, column member_name", "row 3, column priority_weight",
                 "row 3, column role", "row 3, column language", "row 4, column member",
                 "row 4, column member_name", "row 5, column member",
                 "row 6, column username"):  # fmt: skip
        assert f"{where}, {cell}" in text, (cell, text)
    session.rollback()
    assert state(session) == before


def test_cli_prints_each_initial_password_once(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixshare.cli import app

    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    rows: list[list[object]] = [
        ["M01", "one", None, None, None, "m01boss", "member_admin", None, None]
    ]
    path = write_xlsx(tmp_path / "m.xlsx", rows)
    result = CliRunner().invoke(app, ["import", "members", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "hand each user their password" in result.output
    line = next(li for li in result.output.splitlines() if "m01boss" in li and "│" in li)
    password = line.split("│")[2].strip()
    from mixshare.db import session_factory

    with session_factory(db_url)() as session:
        boss = users.get_by_username(session, "m01boss")
        assert boss is not None and users.verify_password(boss.password_hash, password)
