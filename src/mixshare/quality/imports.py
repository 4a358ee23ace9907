"""Importing lab results from .csv/.xlsx (``mixshare import lab-results FILE``).

One row per result: line, batch, test, value, measured_at, note. Every cell is checked and
every problem reported with its row and column; the results are stored only when the whole
file is clean, so a file with one bad cell stores nothing. The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
from mixshare.quality import service
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
    in_row_order,
    read_rows,
    rejected,
    write_help_sheet,
)
from mixshare.users.models import User
from mixshare.validation import to_local_naive

SHEET = "Results"
# the demo's and a new center's test codes (mixshare.quality.models.TestMethod, seeded)
TEST_CODES = ("MOONEY", "MDR_ML", "MDR_MH", "MDR_TS2", "MDR_T90", "HARDNESS_A", "DENSITY")
COLUMNS = ("line", "batch", "test", "value", "measured_at", "note")
REQUIRED = ("batch", "test", "value")
ALIASES = {
    "产线": "line",
    "批次": "batch",
    "批号": "batch",
    "检测项目": "test",
    "项目": "test",
    "结果": "value",
    "数值": "value",
    "检测时间": "measured_at",
    "备注": "note",
}
CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "line": as_text,
    "batch": as_text,
    "test": as_text,
    "value": as_float,
    "measured_at": as_datetime,
    "note": as_text,
}


def _entry(row: SheetRow, values: dict[str, Any]) -> service.ResultIn:
    measured = values.get("measured_at")
    return service.ResultIn(
        test=values["test"],
        value=values["value"],
        line=values.get("line"),
        batch=values["batch"],
        measured_at=to_local_naive(measured) if measured and measured.tzinfo else measured,
        note=values.get("note", ""),
        at=row.location,
    )


def import_lab_results(
    session: Session,
    path: str | Path,
    member_id: int | None = None,
    now: datetime | None = None,
    user: User | None = None,
) -> ImportResult:
    """Store every result of ``path`` or, if any cell is wrong, none (``ValidationFailed``);
    ``member_id`` limits the file to that member's batches."""
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    name = Path(path).name
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    entries, problems = [], []
    for row in rows:
        values, found = convert_cells(row, CONVERTERS)
        missing = [row.problem(c, "required value is empty") for c in REQUIRED if c not in values]
        bad = {p.location for p in found}
        problems += found + [p for p in missing if p.location not in bad]
        if not found and not missing:
            entries.append(_entry(row, values))
    try:
        now = now or now_local()
        stored = service.record_results(
            session, entries, user, source="csv", now=now, scope=member_id
        )
    except ValidationFailed as exc:
        problems += exc.problems
    if problems:
        raise rejected(name, sorted(problems, key=in_row_order))
    return ImportResult(name, len(rows), created=[str(r.id) for r in stored])


HEADERS = {
    "line": "产线 / line",
    "batch": "批次 / batch",
    "test": "检测项目 / test",
    "value": "结果 / value",
    "measured_at": "检测时间 / measured_at",
    "note": "备注 / note",
}
HELP = [
    ("line", "否 / no", "产线代码，如 L1（批次号在各产线唯一时可留空）",
     "Line code, e.g. L1 (may be empty when the batch code is unique)"),
    ("batch", "是 / yes", "产线报告的批次号", "The batch code as the line reported it"),
    ("test", "是 / yes", "检测项目代码：" + ", ".join(TEST_CODES),
     "Test code: " + ", ".join(TEST_CODES)),
    ("value", "是 / yes", "结果数值，单位见检测项目", "The value, in the test's unit"),
    ("measured_at", "否 / no", "检测时间 YYYY-MM-DD HH:MM；留空为导入时间",
     "When it was measured, YYYY-MM-DD HH:MM; empty: the time of the import"),
    ("note", "否 / no", "备注，最多 200 字", "Note, at most 200 characters"),
    ("", "", "文件中任何一格有错误，则整个文件都不导入；错误信息会指出行、列和原因。",
     "If any cell is wrong, nothing is imported; each error names row, column and reason."),
]  # fmt: skip


def template_lab_results(target: str | Path | IO[bytes]) -> None:
    """The lab-results import template: an empty Results sheet, an example sheet, a help sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = SHEET
    append_row(sheet, [HEADERS[c] for c in COLUMNS])
    example = book.create_sheet(EXAMPLE_SHEET)
    append_row(example, [HEADERS[c] for c in COLUMNS])
    append_row(example, ["L1", "L1-20261207-0001", "MOONEY", 62.5, "2026-12-07 14:00", ""])
    for written in (sheet, example):
        autosize(written)
    write_help_sheet(book, HELP)
    book.save(target)
