"""Importing orders from .xlsx/.csv, and the documented template for it.

Every row is checked and every problem reported (file, sheet, row, column, value, reason);
orders are added to the session only when the whole file is clean, so a file with one bad
row imports nothing. The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed, pydantic_problems
from mixshare.orders.models import Order
from mixshare.orders.schemas import MAX_ORDER_KG, OrderCreate, local_naive
from mixshare.orders.service import OrderChecker
from mixshare.settings import now_local
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    append_row,
    as_datetime,
    as_float,
    as_text,
    autosize,
    convert_cells,
    read_rows,
    rejected,
    write_help_sheet,
)

SHEET = "Orders"
COLUMNS = ("number", "member", "compound", "stage", "quantity_kg", "due_at", "release_at", "note")
REQUIRED = ("member", "compound", "quantity_kg", "due_at")
# Header texts people actually write; bilingual template headers match by either half.
ALIASES = {
    "订单号": "number",
    "order number": "number",
    "成员": "member",
    "成员企业": "member",
    "胶料": "compound",
    "胶料代码": "compound",
    "阶段": "stage",
    "数量": "quantity_kg",
    "数量 kg": "quantity_kg",
    "quantity": "quantity_kg",
    "交货期": "due_at",
    "交货时间": "due_at",
    "due": "due_at",
    "到料时间": "release_at",
    "release": "release_at",
    "备注": "note",
}
HEADERS = {
    "number": "订单号 / number",
    "member": "成员 / member",
    "compound": "胶料 / compound",
    "stage": "阶段 / stage",
    "quantity_kg": "数量 kg / quantity_kg",
    "due_at": "交货时间 / due_at",
    "release_at": "到料时间 / release_at",
    "note": "备注 / note",
}
STAGE_WORDS = {
    "final": "final",
    "fb": "final",
    "终炼": "final",
    "终炼胶": "final",
    "masterbatch": "masterbatch",
    "mb": "masterbatch",
    "母炼": "masterbatch",
    "母炼胶": "masterbatch",
}
HELP = [
    ("number", "否 / no", "订单号；留空则自动生成（成员代码-年周-序号）；同一成员内不得重复",
     "Order number; leave empty to generate <member>-YYWW-NNNN; unique per member"),
    ("member", "是 / yes", "成员企业代码，如 M01", "Member company code, e.g. M01"),
    ("compound", "是 / yes", "该成员的胶料代码；订购其最新版本",
     "The member's compound code; its latest version is ordered"),
    ("stage", "否 / no",
     "final = 终炼胶（默认）；masterbatch = 母炼胶。仅母炼的胶料只能订 masterbatch",
     "final (default) or masterbatch; masterbatch-only compounds accept only masterbatch"),
    ("quantity_kg", "是 / yes", f"数量，千克；大于 0，不超过 {MAX_ORDER_KG:,.0f}",
     f"Quantity in kg; more than 0, at most {MAX_ORDER_KG:,.0f}"),
    ("due_at", "是 / yes",
     "交货时间 YYYY-MM-DD HH:MM（中心当地时间；只写日期即当日 0:00）；不能早于现在",
     "Due date YYYY-MM-DD HH:MM (center local time; a date alone means 00:00); not in the past"),
    ("release_at", "否 / no", "原料到厂时间，此前不能投料；不能晚于交货时间",
     "When the raw materials are at the center; nothing is mixed before; not after due"),
    ("note", "否 / no", "备注，最多 400 字", "Note, at most 400 characters"),
    ("", "", "文件中任何一行有错误，则整个文件都不导入；错误信息会指出行、列和原因。",
     "If any row has an error, nothing is imported; each error names row, column and reason."),
    ("", "", f"只导入 {SHEET} 工作表（最多 20,000 行）；"
             f"“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。",
     f"Only the {SHEET} sheet is imported (at most 20,000 rows); the '{EXAMPLE_SHEET}' sheet "
     "is an example and is never imported."),
]  # fmt: skip


def _stage(cell: Cell) -> str | None:
    text = as_text(cell)
    if text is None:
        return None
    stage = STAGE_WORDS.get(text.lower())
    if stage is None:
        raise ValueError("unknown stage; use final or masterbatch")
    return stage


CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "number": as_text,
    "member": as_text,
    "compound": as_text,
    "stage": _stage,
    "quantity_kg": as_float,
    "due_at": as_datetime,
    "release_at": as_datetime,
    "note": as_text,
}


def _located(row: SheetRow, problems: list[Problem]) -> list[Problem]:
    """Service problems (located by field name) moved to the row's cells."""
    located = []
    for p in problems:
        column = p.location if p.location in COLUMNS else None
        message = "required value is empty" if p.message == "Field required" else p.message
        located.append(row.problem(column, message))
    return located


def _check_row(
    row: SheetRow, checker: OrderChecker, first_row: dict[tuple[str | None, str], int]
) -> tuple[Order | None, list[Problem]]:
    values, problems = convert_cells(row, CONVERTERS)
    key = _number_key(row)
    if key is not None and first_row[key] != row.number:
        first = first_row[key]
        message = f"order number appears twice for this member in the file (first in row {first})"
        problems.append(row.problem("number", message))
    bad_columns = {p.location for p in problems}
    try:
        data = OrderCreate.model_validate(values)
    except ValidationError as exc:
        problems += [
            p for p in _located(row, pydantic_problems(exc)) if p.location not in bad_columns
        ]
        found = _lookups(row, values, checker)
        # one problem per cell: a value the schema rejected is not also looked up
        reported = {p.location for p in problems} | bad_columns
        return None, problems + [p for p in found if p.location not in reported]
    # A row with a bad optional cell still gets the database checks, so it is reported whole.
    order, found = checker.check(data)
    problems += [p for p in _located(row, found) if p.location not in bad_columns]
    return (None if problems else order), problems


def _lookups(row: SheetRow, values: dict[str, Any], checker: OrderChecker) -> list[Problem]:
    """Member, compound, number and date checks for a row that failed validation for other
    reasons, so that all of the row's problems are reported at once."""
    problems: list[Problem] = []
    member = None
    if "member" in values:
        member, problems = checker.member(values["member"])
        if member is not None and "compound" in values:
            problems += checker.version(member, values["compound"], None)[1]
    if "number" in values and member is not None:
        problems += checker.number_free(values["number"], member.id)
    due, release = values.get("due_at"), values.get("release_at")
    problems += checker.dates(
        local_naive(due) if due else None, local_naive(release) if release else None
    )
    return _located(row, problems)


def _number_key(row: SheetRow) -> tuple[str | None, str] | None:
    """(member cell, order number) of a row that gives a number: numbers are unique per
    member, so two members' rows may carry the same one."""
    number = as_text(row.values.get("number"))
    return None if number is None else (as_text(row.values.get("member")), number)


def _first_rows(rows: list[SheetRow]) -> dict[tuple[str | None, str], int]:
    first: dict[tuple[str | None, str], int] = {}
    for row in rows:
        key = _number_key(row)
        if key is not None:
            first.setdefault(key, row.number)
    return first


def import_orders(
    session: Session,
    path: str | Path,
    member_id: int | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Add every order of ``path`` or, if any row is wrong, none; raises ``ValidationFailed``
    listing every problem. ``member_id`` limits the file to that member's orders."""
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    name = Path(path).name
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    first_row = _first_rows(rows)
    taken = {number for _, number in first_row}
    checker = OrderChecker(session, now or now_local(), member_id, taken=taken)
    orders: list[Order] = []
    problems: list[Problem] = []
    for row in rows:
        order, found = _check_row(row, checker, first_row)
        problems += found
        if order is not None:
            orders.append(order)
    if problems:
        raise rejected(name, problems)
    session.add_all(orders)
    session.flush()
    from mixshare.planning.due_check import due_warnings  # planning builds on orders

    warnings = [w.message() for w in due_warnings(session, orders, checker.now)]
    return ImportResult(name, len(rows), created=[o.number for o in orders], warnings=warnings)


def template_orders(target: str | Path | IO[bytes], now: datetime | None = None) -> None:
    """Write the order import template: an empty Orders sheet with its header, an example
    sheet (never imported, so the example cannot become a real order) and a help sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = SHEET
    _header(sheet)
    stages = DataValidation(type="list", formula1='"final,masterbatch"', allow_blank=True)
    sheet.add_data_validation(stages)
    stages.add("D2:D10000")
    autosize(sheet)
    example = book.create_sheet(EXAMPLE_SHEET)
    _header(example)
    due = (now or now_local()).replace(hour=8, minute=0, second=0, microsecond=0)
    append_row(
        example,
        [None, "M01", "CV-NR-60", "final", 12000, due + timedelta(days=14),
         due + timedelta(days=7), "示例：填写在 Orders 工作表 / example: fill in the Orders sheet"],
    )  # fmt: skip
    for column in ("F", "G"):
        example[f"{column}2"].number_format = "yyyy-mm-dd hh:mm"
    autosize(example)
    write_help_sheet(book, HELP)
    book.save(target)  # a path or a binary file object (the CLI writes to stdout)


def _header(sheet: Worksheet) -> None:
    append_row(sheet, [HEADERS[c] for c in COLUMNS])
    sheet.freeze_panes = "A2"
