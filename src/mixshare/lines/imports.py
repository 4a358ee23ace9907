"""Importing the center's calendar data from .xlsx/.csv, with a documented template each:
holidays (whole or part day). Every import is all or nothing and names every bad cell; a
row for a key that exists already (the same day, …) updates it, so a file can be imported
again after a correction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
from mixshare.lines import holidays
from mixshare.lines.holidays import HolidayIn
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    as_datetime,
    as_text,
    convert_cells,
    read_rows,
    rejected,
    validated_row,
    write_template,
)

STAFF_ONLY = "calendar data is imported by the center's staff"


def _only_text(name: str) -> str:
    return (
        f"只导入 {name} 工作表（最多 20,000 行）；“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。"
        "任何一行有错误，则整个文件都不导入。"
    )


def _only_text_en(name: str) -> str:
    return (
        f"Only the {name} sheet is imported (at most 20,000 rows); the '{EXAMPLE_SHEET}' sheet "
        "is an example and is never imported. If any row has an error, nothing is imported."
    )


def _rows_of(
    path: str | Path,
    member_id: int | None,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    sheet: str,
    aliases: dict[str, str],
) -> tuple[str, list[SheetRow]]:
    name = Path(path).name
    if member_id is not None:
        raise ValidationFailed([Problem(name, STAFF_ONLY)])
    rows = read_rows(path, columns, required, sheet=sheet, aliases=aliases)
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    return name, rows


def _day(cell: Cell) -> Any:
    moment = as_datetime(cell)
    if moment is None:
        return None
    if moment.hour or moment.minute or moment.second:
        raise ValueError("a day without a time (YYYY-MM-DD)")
    return moment.date()


# --- holidays ----------------------------------------------------------------------------

HOLIDAY_SHEET = "Holidays"
HOLIDAY_COLUMNS = ("day", "name", "open_shifts")
HOLIDAY_ALIASES = {
    "日期": "day",
    "date": "day",
    "名称": "name",
    "holiday": "name",
    "照常班次": "open_shifts",
    "open": "open_shifts",
    "shifts": "open_shifts",
}
HOLIDAY_HEADERS = ["日期 / day", "名称 / name", "照常班次 / open_shifts"]
HOLIDAY_HELP = [
    ("day", "是 / yes", "日期 YYYY-MM-DD；同一天已有假日则更新它",
     "Day YYYY-MM-DD; a day that is a holiday already is updated"),
    ("name", "是 / yes", "假日名称，如 国庆节", "Name, e.g. National Day"),
    ("open_shifts", "否 / no",
     "当天仍然生产的班次：班次名称（见“日历”页）或时段 HH:MM-HH:MM，多个用逗号分隔；"
     "留空 = 全天停产。产线日历中没有该班次则该线全天停产。",
     "What still runs that day: shift names (see the Calendars page) or clock windows "
     "HH:MM-HH:MM, comma-separated; empty = closed all day. A line whose calendar lacks the "
     "shift is closed all day."),
    ("", "", _only_text(HOLIDAY_SHEET), _only_text_en(HOLIDAY_SHEET)),
]  # fmt: skip
HOLIDAY_EXAMPLE = [
    ("2026-10-01", "国庆节 National Day", ""),
    ("2026-10-02", "国庆节 National Day (只开早班 / early shift only)", "早班 morning"),
    ("2026-10-03", "国庆节 National Day", "08:00-16:00"),
]
HOLIDAY_CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "day": _day,
    "name": as_text,
    "open_shifts": as_text,
}


def import_holidays(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Create or update every holiday of ``path`` or, if any cell is wrong, none."""
    name, rows = _rows_of(
        path, member_id, HOLIDAY_COLUMNS, ("day", "name"), HOLIDAY_SHEET, HOLIDAY_ALIASES
    )
    known = holidays.shift_names(session)
    parsed: list[HolidayIn] = []
    problems: list[Problem] = []
    first_row: dict[Any, int] = {}
    for row in rows:
        values, bad = convert_cells(row, HOLIDAY_CONVERTERS)
        problems += bad
        spec, found = validated_row(row, values, HolidayIn, {c: c for c in HOLIDAY_COLUMNS})
        problems += [p for p in found if p.location not in {b.location for b in bad}]
        problem = holidays.open_problem(values.get("open_shifts") or "", known)
        if problem is not None:
            problems.append(row.problem("open_shifts", problem))
        if spec is None:
            continue
        if spec.day in first_row:
            problems.append(row.problem("day", f"repeats row {first_row[spec.day]}"))
        first_row.setdefault(spec.day, row.number)
        parsed.append(spec)
    if problems:
        raise rejected(name, problems)
    result = ImportResult(name, len(rows))
    for spec in parsed:
        _holiday, created = holidays.save_holiday(session, spec)
        (result.created if created else result.updated).append(spec.day.isoformat())
    return result


def template_holidays(target: str | Path | IO[bytes]) -> None:
    write_template(target, HOLIDAY_SHEET, HOLIDAY_HEADERS, HOLIDAY_EXAMPLE, HOLIDAY_HELP)
