"""Importing lab results from .csv/.xlsx (``mixshare import lab-results FILE``).

One row per result: line, batch, test, value, measured_at, note. Every cell is checked and
every problem reported with its row and column; the results are stored only when the whole
file is clean, so a file with one bad cell stores nothing. The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
from mixshare.quality import service
from mixshare.settings import now_local
from mixshare.spreadsheets import (
    Cell,
    ImportResult,
    SheetRow,
    as_datetime,
    as_float,
    as_text,
    convert_cells,
    read_rows,
    rejected,
)
from mixshare.users.models import User
from mixshare.validation import to_local_naive

SHEET = "Results"
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
    session: Session, path: str | Path, user: User | None = None, now: datetime | None = None
) -> ImportResult:
    """Store every result of ``path`` or, if any cell is wrong, none (``ValidationFailed``)."""
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
        stored = service.record_results(session, entries, user, source="csv", now=now)
    except ValidationFailed as exc:
        problems += exc.problems
    if problems:
        raise rejected(name, sorted(problems, key=_row_order))
    return ImportResult(name, len(rows), created=[str(r.id) for r in stored])


def _row_order(problem: Problem) -> tuple[int, str]:
    """Problems sorted by row number (as the file reads), then by where."""
    marker = ", row "
    if marker in problem.location:
        number = problem.location.split(marker, 1)[1].split(",", 1)[0]
        if number.isdigit():
            return int(number), problem.location
    return 0, problem.location
