"""Importing member companies and their users from .xlsx/.csv, and the documented template.

One row per user (or per member, with the user columns left empty). The member's own columns
may sit on its first row only; later rows may repeat them but not contradict them. A member
that exists is updated where the file says something else; a user that exists with the same
member and role is left alone. A row with no member and a center role (planner, operator,
quality, center_admin) is a user of the center's staff.

Passwords are never in the file: every new user gets a random initial password, returned in
``ImportResult.passwords`` for the caller to show once (the CLI prints them; the upload page
shows them to the admin who uploaded). Nothing is written unless every row is valid.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.members import service as members
from mixshare.members.models import Member
from mixshare.members.service import MemberIn
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    as_float,
    as_text,
    convert_cells,
    read_rows,
    rejected,
    validated_row,
    write_template,
)
from mixshare.users import service as users
from mixshare.users.models import CENTER_ROLES, MEMBER_ROLES, User
from mixshare.users.schemas import Language, Role
from mixshare.validation import Text, Username

SHEET = "Members"
MEMBER_COLUMNS = {  # column → MemberIn field
    "member": "code",
    "member_name": "name",
    "member_name_en": "name_en",
    "products": "products",
    "priority_weight": "priority_weight",
}
USER_COLUMNS = ("username", "role", "full_name", "language")
COLUMNS = (*MEMBER_COLUMNS, *USER_COLUMNS)
REQUIRED = ("member",)
ALIASES = {"成员": "member", "成员代码": "member", "名称": "member_name", "用户名": "username",
           "角色": "role", "姓名": "full_name", "语言": "language"}  # fmt: skip
HEADERS = {
    "member": "成员代码 / member",
    "member_name": "成员名称 / member_name",
    "member_name_en": "英文名称 / member_name_en",
    "products": "主要产品 / products",
    "priority_weight": "优先权重 / priority_weight",
    "username": "用户名 / username",
    "role": "角色 / role",
    "full_name": "姓名 / full_name",
    "language": "语言 / language",
}
HELP = [
    ("member", "是 / yes", "成员企业代码：大写字母、数字、- 或 _，2–16 位，如 M01；"
     "中心员工账号此列留空",
     "Member company code: capitals, digits, - or _, 2–16 characters, e.g. M01; empty for "
     "a user of the center's staff"),
    ("member_name", "新成员必填 / new members", "成员企业名称（写在该成员的第一行即可）",
     "Company name (on the member's first row is enough)"),
    ("member_name_en", "否 / no", "英文名称", "English name"),
    ("products", "否 / no", "主要产品，如 输送带", "Main products, e.g. conveyor belts"),
    ("priority_weight", "否 / no", "优先权重 0.1–10，默认 1（计划时乘以订单的拖期权重）",
     "Priority weight 0.1–10, default 1 (multiplies the tardiness weight of its orders)"),
    ("username", "否 / no",
     "用户名（留空 = 只导入成员）；不写密码：新用户获得随机初始密码，仅显示一次",
     "Username (empty: the member only). No passwords in the file: each new user gets a "
     "random initial password, shown once"),
    ("role", "有用户名时必填 / with a username",
     "角色：member_user 成员用户 / member_admin 成员管理员；中心员工：planner 计划员 / "
     "operator 操作工 / quality 质检 / center_admin 中心管理员",
     "Role: member_user or member_admin; for the center's staff planner, operator, quality "
     "or center_admin"),
    ("full_name", "否 / no", "姓名", "Full name"),
    ("language", "否 / no", "界面语言 zh_CN 或 en，默认 zh_CN",
     "Language zh_CN or en, default zh_CN"),
    ("", "", "已存在的成员按本文件更新名称等；已存在且成员与角色相同的用户保持不变。"
             "任何一行有错误则整个文件都不导入。",
     "Existing members are updated to the file; an existing user with the same member and "
     "role is left alone. If any row has an error, nothing is imported."),
    ("", "", f"只导入 {SHEET} 工作表；“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。",
     f"Only the {SHEET} sheet is imported; the '{EXAMPLE_SHEET}' sheet is an example and is "
     "never imported."),
]  # fmt: skip
EXAMPLE = [
    ("M01", "天台输送带有限公司", "Tiantai Conveyor Belt Co.", "输送带 conveyor belts", 1.0,
     "m01.admin", "member_admin", "王芳", "zh_CN"),
    ("M01", None, None, None, None, "m01.li", "member_user", "李强", "zh_CN"),
    ("M02", "洪畴胶管厂", "Hongchou Hose Works", "胶管 hoses", 1.2, None, None, None, None),
    (None, None, None, None, None, "planner.zhang", "planner", "张伟", "zh_CN"),
]  # fmt: skip
CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    **{c: as_text for c in COLUMNS},
    "member": lambda cell: (as_text(cell) or "").upper() or None,
    "priority_weight": as_float,
    "role": lambda cell: (as_text(cell) or "").lower() or None,
}
INITIAL_PASSWORD_BYTES = 12  # 16 characters of token_urlsafe


class UserRow(BaseModel):
    """A user as one row gives it (the password is made here, never read)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    username: Username
    role: Role
    full_name: Text = Field(default="", max_length=120)
    language: Language = "zh_CN"


@dataclass
class _Member:
    code: str
    rows: list[SheetRow] = field(default_factory=list)
    values: dict[str, tuple[Any, SheetRow]] = field(default_factory=dict)


@dataclass
class _User:
    row: SheetRow
    spec: UserRow
    member: str | None


@dataclass
class _Parsed:
    members: dict[str, _Member] = field(default_factory=dict)
    users: list[_User] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _add_member_values(parsed: _Parsed, row: SheetRow, values: dict[str, Any]) -> None:
    code = values.get("member")
    if code is None:
        return
    group = parsed.members.setdefault(code, _Member(code))
    group.rows.append(row)
    for column in MEMBER_COLUMNS:
        if column not in values:
            continue
        first = group.values.setdefault(column, (values[column], row))
        if first[0] != values[column]:
            message = f"differs from row {first[1].number} of the same member ({first[0]})"
            parsed.problems.append(row.problem(column, message))


def _add_user(parsed: _Parsed, row: SheetRow, values: dict[str, Any]) -> None:
    if not any(values.get(c) for c in USER_COLUMNS):
        return
    data = {c: values[c] for c in USER_COLUMNS if c in values}
    spec, found = validated_row(row, data, UserRow, {c: c for c in USER_COLUMNS})
    parsed.problems += found
    if spec is None:
        return
    member = values.get("member")
    if spec.role in MEMBER_ROLES and member is None:
        parsed.problems.append(row.problem("member", f"a {spec.role} belongs to a member"))
    elif spec.role in CENTER_ROLES and member is not None:
        message = f"{spec.role} is a role of the center's staff: leave member empty"
        parsed.problems.append(row.problem("role", message))
    else:
        parsed.users.append(_User(row, spec, member))


def _parsed(rows: list[SheetRow]) -> _Parsed:
    parsed = _Parsed()
    for row in rows:
        values, bad = convert_cells(row, CONVERTERS)
        parsed.problems += bad
        # The cells that could be read are checked too: every bad cell is named at once.
        _add_member_values(parsed, row, values)
        _add_user(parsed, row, values)
    return parsed


def _member_spec(session: Session, group: _Member) -> tuple[MemberIn | None, list[Problem]]:
    """The member as the file says, filled from the stored one where the file is silent."""
    first = group.rows[0]
    try:
        stored: Member | None = members.get_by_code(session, group.code)
    except NotFound:
        stored = None
    data: dict[str, Any] = {"code": group.code}
    if stored is not None:
        data |= {f: getattr(stored, f) for f in MEMBER_COLUMNS.values() if f != "code"}
    data |= {MEMBER_COLUMNS[c]: v for c, (v, _row) in group.values.items()}
    columns = {f: c for c, f in MEMBER_COLUMNS.items()}
    row_of = {MEMBER_COLUMNS[c]: r for c, (_v, r) in group.values.items()}
    spec, found = validated_row(first, data, MemberIn, columns)
    # Each problem at the row that gave the value (member attributes may sit on any row).
    located = []
    for problem in found:
        field_name = next((f for f, c in columns.items() if problem.location.endswith(c)), None)
        row = row_of.get(field_name or "", first)
        column = columns.get(field_name or "")
        located.append(row.problem(column, problem.message) if column else problem)
    return spec, located


def _user_problems(session: Session, parsed: _Parsed) -> list[Problem]:
    problems = []
    first_row: dict[str, int] = {}
    for user in parsed.users:
        name = user.spec.username
        if name in first_row:
            problems.append(user.row.problem("username", f"repeats row {first_row[name]}"))
            continue
        first_row[name] = user.row.number
        existing = users.get_by_username(session, name)
        if existing is not None and not _same_user(existing, user):
            message = "taken by another user (another member or role): change it on /users"
            problems.append(user.row.problem("username", message))
    return problems


def _same_user(existing: User, user: _User) -> bool:
    member_code = existing.member.code if existing.member is not None else None
    return existing.role == user.spec.role and member_code == user.member


def import_members(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Create or update every member and create every new user of ``path`` or, if any row is
    wrong, nothing; raises ``ValidationFailed`` naming every bad cell. New users' initial
    passwords are in the result's ``passwords`` (never stored in clear, never in the file)."""
    name = Path(path).name
    if member_id is not None:
        raise ValidationFailed([Problem(name, "members are imported by the center admin")])
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    parsed = _parsed(rows)
    specs: list[MemberIn] = []
    for group in parsed.members.values():
        spec, found = _member_spec(session, group)
        parsed.problems += found
        if spec is not None:
            specs.append(spec)
    parsed.problems += _user_problems(session, parsed)
    if parsed.problems:
        raise rejected(name, parsed.problems)
    result = ImportResult(name, len(rows))
    _write_members(session, specs, result)
    _write_users(session, parsed.users, result)
    return result


def _write_members(session: Session, specs: list[MemberIn], result: ImportResult) -> None:
    for spec in specs:
        try:
            stored = members.get_by_code(session, spec.code)
        except NotFound:
            members.create_member(session, spec)
            result.created.append(spec.code)
            continue
        changes = spec.model_dump(exclude={"code"})
        if any(getattr(stored, f) != v for f, v in changes.items()):
            members.update_member(session, stored.id, changes)
            result.updated.append(spec.code)
        else:
            result.unchanged.append(spec.code)


def _write_users(session: Session, rows: list[_User], result: ImportResult) -> None:
    for user in rows:
        if users.get_by_username(session, user.spec.username) is not None:
            result.unchanged.append(user.spec.username)
            continue
        password = secrets.token_urlsafe(INITIAL_PASSWORD_BYTES)
        member = members.get_by_code(session, user.member).id if user.member else None
        data = {**user.spec.model_dump(), "password": password, "member_id": member}
        users.create_user(session, data)
        result.created.append(user.spec.username)
        result.passwords[user.spec.username] = password


def template_members(target: str | Path | IO[bytes]) -> None:
    """Write the members import template (data sheet, example sheet, help sheet)."""
    write_template(target, SHEET, [HEADERS[c] for c in COLUMNS], EXAMPLE, HELP)
