"""Importing the center's lines and calendar data from .xlsx/.csv, with a documented template
each: lines (stages and rates), shift patterns (per weekday or rotating), holidays (whole or
part day). Every import is all or nothing
and names every bad cell; a row for a key that exists already (the same line code, the same
day, …) updates it, so a file can be imported again after a correction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed, pydantic_problems
from mixshare.lines import holidays, shift_patterns
from mixshare.lines import service as lines
from mixshare.lines.holidays import HolidayIn
from mixshare.lines.models import Calendar
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    as_datetime,
    as_float,
    as_int,
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


# --- lines -------------------------------------------------------------------------------

LINE_SHEET = "Lines"
LINE_LEVEL = ("line", "name", "mixer_type", "net_volume_l", "rated_power_kw", "calendar")
STAGE_LEVEL = ("stage", "fill_factor", "cycle_minutes", "kwh_per_kg")
LINE_COLUMNS = (*LINE_LEVEL, *STAGE_LEVEL)
LINE_REQUIRED = ("line", "stage", "fill_factor", "cycle_minutes", "kwh_per_kg")
LINE_ALIASES = {
    "产线": "line",
    "code": "line",
    "名称": "name",
    "机型": "mixer_type",
    "mixer": "mixer_type",
    "净容积": "net_volume_l",
    "净容积 l": "net_volume_l",
    "volume": "net_volume_l",
    "额定功率": "rated_power_kw",
    "额定功率 kw": "rated_power_kw",
    "power": "rated_power_kw",
    "日历": "calendar",
    "阶段": "stage",
    "填充系数": "fill_factor",
    "周期": "cycle_minutes",
    "周期 min": "cycle_minutes",
    "cycle": "cycle_minutes",
    "单耗": "kwh_per_kg",
    "单耗 kwh/kg": "kwh_per_kg",
}
LINE_HEADERS = {
    "line": "产线 / line",
    "name": "名称 / name",
    "mixer_type": "机型 / mixer_type",
    "net_volume_l": "净容积 L / net_volume_l",
    "rated_power_kw": "额定功率 kW / rated_power_kw",
    "calendar": "日历 / calendar",
    "stage": "阶段 / stage",
    "fill_factor": "填充系数 / fill_factor",
    "cycle_minutes": "周期 min / cycle_minutes",
    "kwh_per_kg": "单耗 kWh/kg / kwh_per_kg",
}
LINE_HELP = [
    ("line", "是 / yes", "产线代码，如 L1（最多 16 字符）；已有产线则按本文件更新",
     "Line code, e.g. L1 (at most 16 characters); a known line is updated to this file"),
    ("name", "首行 / first row", "产线名称", "Line name"),
    ("mixer_type", "否 / no", "密炼机型，如 420 L 切线型", "Mixer type, e.g. 420 L tangential"),
    ("net_volume_l", "首行 / first row", "密炼室净容积（升）；每车重量 = 净容积 × 密度 × 填充系数",
     "Net chamber volume (litres); batch kg = volume × compound density × fill factor"),
    ("rated_power_kw", "首行 / first row", "额定功率 kW", "Rated power kW"),
    ("calendar", "否 / no", "班次日历名称（见“日历”页，先导入 shifts）；留空 = 全天候",
     "Shift calendar name (see Calendars; import shifts first); empty = around the clock"),
    ("stage", "是 / yes",
     "该线可做的阶段：MB 母炼 / RM 返炼 / FB 终炼；每阶段一行，文件中未列出的阶段该线不再做",
     "A stage the line may run: MB, RM or FB, one row each; stages not listed are removed"),
    ("fill_factor", "是 / yes", "填充系数 0.4–0.95", "Fill factor 0.4–0.95"),
    ("cycle_minutes", "是 / yes", "每车周期（分钟），> 0，≤ 60",
     "Cycle per batch (minutes), > 0, ≤ 60"),
    ("kwh_per_kg", "是 / yes", "比能耗 kWh/kg，> 0，≤ 5", "Specific energy kWh/kg, > 0, ≤ 5"),
    ("", "", "每行一个阶段；同一产线的多行按产线代码归组，产线属性写在第一行即可（后续行可留空，"
             "但不得矛盾）。",
     "One row per stage, grouped by line code; line attributes on the first row (later rows "
     "may leave them empty but not contradict them)."),
    ("", "", _only_text(LINE_SHEET), _only_text_en(LINE_SHEET)),
]  # fmt: skip
LINE_EXAMPLE = [
    ("L1", "1 号线 Line 1", "420 L tangential", 420, 1500, "3-shift", "MB", 0.72, 3.0, 0.2),
    ("L1", None, None, None, None, None, "FB", 0.72, 2.6, 0.12),
    ("L2", "2 号线 Line 2", "370 L intermeshing", 370, 1300, "3-shift", "MB", 0.7, 3.2, 0.2),
    ("L2", None, None, None, None, None, "FB", 0.7, 2.2, 0.12),
]
LINE_CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "line": as_text,
    "name": as_text,
    "mixer_type": as_text,
    "net_volume_l": as_float,
    "rated_power_kw": as_float,
    "calendar": as_text,
    "stage": lambda cell: (as_text(cell) or "").upper() or None,
    "fill_factor": as_float,
    "cycle_minutes": as_float,
    "kwh_per_kg": as_float,
}
LINE_FIELD_COLUMNS = {
    "code": "line",
    "name": "name",
    "mixer_type": "mixer_type",
    "net_volume_l": "net_volume_l",
    "rated_power_kw": "rated_power_kw",
    "calendar_id": "calendar",
}


def _line_groups(
    rows: list[SheetRow],
) -> tuple[dict[str, list[tuple[SheetRow, dict[str, Any]]]], list[Problem]]:
    groups: dict[str, list[tuple[SheetRow, dict[str, Any]]]] = {}
    problems: list[Problem] = []
    for row in rows:
        values, bad = convert_cells(row, LINE_CONVERTERS)
        problems += bad
        code = values.get("line")
        if code is None:
            if not any(p.location == row.location("line") for p in bad):
                problems.append(row.problem("line", "required value is empty"))
            continue
        groups.setdefault(code, []).append((row, values))
    return groups, problems


def _line_data(
    group: list[tuple[SheetRow, dict[str, Any]]], calendars: dict[str, int]
) -> tuple[dict[str, Any], list[Problem]]:
    """The group's line attributes (first row; later rows may not contradict) and stages."""
    first_row, first = group[0]
    data: dict[str, Any] = {"code": first["line"]}
    problems: list[Problem] = []
    for column in LINE_LEVEL[1:]:
        if column in first:
            data[column] = first[column]
        for row, values in group[1:]:
            if column in values and values[column] != first.get(column):
                problems.append(
                    row.problem(column, f"differs from row {first_row.number} of this line")
                )
    calendar = data.pop("calendar", None)
    if calendar is not None:
        if calendar.casefold() in calendars:
            data["calendar_id"] = calendars[calendar.casefold()]
        else:
            problems.append(first_row.problem("calendar", "unknown calendar; import shifts first"))
    data["stages"] = [{k: v for k, v in values.items() if k in STAGE_LEVEL} for _, values in group]
    return data, problems


def _stage_problems(
    group: list[tuple[SheetRow, dict[str, Any]]], problems: list[Problem]
) -> list[Problem]:
    """``stages.1.cycle_minutes`` problems moved to the cell of that stage's row."""
    located = []
    for problem in problems:
        parts = problem.location.split(".")
        message = (
            "required value is empty" if problem.message == "Field required" else (problem.message)
        )
        if parts[0] == "stages" and len(parts) >= 2 and parts[1].isdigit():
            at_stage = parts[2] if len(parts) > 2 and parts[2] in STAGE_LEVEL else "stage"
            located.append(group[int(parts[1])][0].problem(at_stage, message))
        elif parts[0] == "stages":
            located.append(group[-1][0].problem("stage", message))
        else:
            located.append(group[0][0].problem(LINE_FIELD_COLUMNS.get(parts[0]), message))
    return located


def import_lines(session: Session, path: str | Path, member_id: int | None = None) -> ImportResult:
    """Create or update every line of ``path`` (its stages replaced by the file's) or, if
    any cell is wrong, none."""
    name, rows = _rows_of(path, member_id, LINE_COLUMNS, LINE_REQUIRED, LINE_SHEET, LINE_ALIASES)
    calendars = {c.name.casefold(): c.id for c in session.scalars(select(Calendar))}
    groups, problems = _line_groups(rows)
    parsed: list[lines.LineIn] = []
    for group in groups.values():
        data, found = _line_data(group, calendars)
        problems += found
        try:
            parsed.append(lines.LineIn.model_validate(data))
        except ValidationError as exc:
            problems += _stage_problems(group, pydantic_problems(exc))
    if problems:
        raise rejected(name, problems)
    result = ImportResult(name, len(rows))
    for spec in parsed:
        _line, created = lines.save_line(session, spec)
        (result.created if created else result.updated).append(spec.code)
    return result


def template_lines(target: str | Path | IO[bytes]) -> None:
    headers = [LINE_HEADERS[c] for c in LINE_COLUMNS]
    write_template(target, LINE_SHEET, headers, LINE_EXAMPLE, LINE_HELP)


# --- shift patterns ----------------------------------------------------------------------

SHIFT_SHEET = "Shifts"
SHIFT_COLUMNS = (
    "calendar", "cycle_days", "cycle_start", "shift", "crew", "start", "hours", "weekdays",
    "days",
)  # fmt: skip
SHIFT_REQUIRED = ("calendar", "shift", "start", "hours")
SHIFT_ALIASES = {
    "日历": "calendar",
    "轮班周期": "cycle_days",
    "周期天数": "cycle_days",
    "周期起始": "cycle_start",
    "班次": "shift",
    "班组": "crew",
    "开始": "start",
    "开始时间": "start",
    "时长": "hours",
    "小时": "hours",
    "星期": "weekdays",
    "周期内天": "days",
    "cycle day": "days",
}
SHIFT_HEADERS = {
    "calendar": "日历 / calendar",
    "cycle_days": "轮班周期天数 / cycle_days",
    "cycle_start": "周期第 1 天 / cycle_start",
    "shift": "班次 / shift",
    "crew": "班组 / crew",
    "start": "开始时间 / start",
    "hours": "时长 h / hours",
    "weekdays": "星期 / weekdays",
    "days": "周期内天 / days",
}
SHIFT_HELP = [
    ("calendar", "是 / yes", "日历名称；文件中列出的日历，其班次整体替换为本文件的",
     "Calendar name; each calendar in the file gets exactly the file's shifts"),
    ("cycle_days", "否 / no",
     "轮班：周期天数（2–56），写在该日历第一行；留空 = 按星期排班",
     "Rotating pattern: cycle length in days (2–56), on the calendar's first row; "
     "empty = by weekday"),
    ("cycle_start", "否 / no", "轮班：周期第 1 天的日期 YYYY-MM-DD",
     "Rotating pattern: the date of cycle day 1, YYYY-MM-DD"),
    ("shift", "是 / yes", "班次名称，如 早班（假日可按此名称保留班次）",
     "Shift name, e.g. early (a part-day holiday names shifts by it)"),
    ("crew", "否 / no", "班组，如 A（仅作显示）", "Crew, e.g. A (shown only)"),
    ("start", "是 / yes", "开始时间 HH:MM；可跨零点", "Start HH:MM; a shift may run past midnight"),
    ("hours", "是 / yes", "时长（小时），> 0，≤ 24", "Length in hours, > 0, ≤ 24"),
    ("weekdays", "否 / no",
     "按星期排班时：工作日，如 Mon-Sat、周一-周六、Mon,Wed,Fri；留空 = 每天",
     "By weekday: the days worked, e.g. Mon-Sat, 周一-周六, Mon,Wed,Fri; empty = every day"),
    ("days", "轮班时 / rotating",
     "轮班时：该班次在周期内的工作日（从 1 数），如 1-4 或 1,2,5",
     "Rotating: the cycle days the shift works (counted from 1), e.g. 1-4 or 1,2,5"),
    ("", "", _only_text(SHIFT_SHEET), _only_text_en(SHIFT_SHEET)),
]  # fmt: skip
SHIFT_EXAMPLE = [
    ("3 班 周一至周六 / 3 shifts Mon-Sat", None, None, "早班 early", None, "06:00", 8, "Mon-Sat",
     None),
    ("3 班 周一至周六 / 3 shifts Mon-Sat", None, None, "中班 late", None, "14:00", 8, "Mon-Sat",
     None),
    ("3 班 周一至周六 / 3 shifts Mon-Sat", None, None, "夜班 night", None, "22:00", 8, "Mon-Sat",
     None),
    ("4 班组 12 h 四班两倒 / 4 crews 12 h", 8, "2026-01-05", "白班 day", "A", "08:00", 12, None,
     "1-2"),
    ("4 班组 12 h 四班两倒 / 4 crews 12 h", None, None, "夜班 night", "A", "20:00", 12, None,
     "3-4"),
    ("4 班组 12 h 四班两倒 / 4 crews 12 h", None, None, "白班 day", "C", "08:00", 12, None,
     "5-6"),
    ("4 班组 12 h 四班两倒 / 4 crews 12 h", None, None, "夜班 night", "C", "20:00", 12, None,
     "7-8"),
]  # fmt: skip


def _clock_cell(cell: Cell) -> int | None:
    if cell is None:
        return None
    if isinstance(cell, datetime):
        return cell.hour * 60 + cell.minute
    return shift_patterns.parse_clock(cell)


def _text_via(parse: Callable[[str], str]) -> Callable[[Cell], str | None]:
    def convert(cell: Cell) -> str | None:
        text = as_text(cell)
        return None if text is None else parse(text)

    return convert


SHIFT_CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "calendar": as_text,
    "cycle_days": as_int,
    "cycle_start": _day,
    "shift": as_text,
    "crew": as_text,
    "start": _clock_cell,
    "hours": as_float,
    "weekdays": _text_via(shift_patterns.parse_weekdays),
    "days": _text_via(shift_patterns.parse_cycle_days),
}
SHIFT_FIELD_COLUMNS = {
    "name": "shift",
    "start_minute": "start",
    "duration_minutes": "hours",
    "weekdays": "weekdays",
    "cycle_days": "days",
    "crew": "crew",
}


def _shift_data(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": values.get("shift"), "start_minute": values.get("start")}
    hours = values.get("hours")
    data["duration_minutes"] = None if hours is None else round(hours * 60)
    for key, column in (("weekdays", "weekdays"), ("cycle_days", "days"), ("crew", "crew")):
        if column in values:
            data[key] = values[column]
    return data


def _calendar_problems(
    group: list[tuple[SheetRow, dict[str, Any]]], problems: list[Problem]
) -> list[Problem]:
    """``shifts.2.start_minute`` → that shift's row and column; the rest → the first row."""
    located = []
    for problem in problems:
        parts = problem.location.split(".")
        message = (
            "required value is empty" if problem.message == "Field required" else (problem.message)
        )
        if parts[0] == "shifts" and len(parts) >= 3 and parts[1].isdigit():
            row = group[int(parts[1])][0]
            located.append(row.problem(SHIFT_FIELD_COLUMNS.get(parts[2], "shift"), message))
        elif parts[0] in ("cycle_days", "cycle_start"):
            located.append(group[0][0].problem(parts[0], message))
        else:
            located.append(group[0][0].problem("calendar", message))
    return located


def import_shifts(session: Session, path: str | Path, member_id: int | None = None) -> ImportResult:
    """Create or replace every shift pattern of ``path`` or, if any cell is wrong, none."""
    name, rows = _rows_of(
        path, member_id, SHIFT_COLUMNS, SHIFT_REQUIRED, SHIFT_SHEET, SHIFT_ALIASES
    )
    groups: dict[str, list[tuple[SheetRow, dict[str, Any]]]] = {}
    problems: list[Problem] = []
    for row in rows:
        values, bad = convert_cells(row, SHIFT_CONVERTERS)
        problems += bad
        if bad:
            continue
        if values.get("calendar") is None:
            problems.append(row.problem("calendar", "required value is empty"))
            continue
        groups.setdefault(values["calendar"], []).append((row, values))
    parsed: list[shift_patterns.CalendarIn] = []
    for calendar, group in groups.items():
        first = group[0][1]
        for row, values in group[1:]:
            for column in ("cycle_days", "cycle_start"):
                if column in values and values[column] != first.get(column):
                    message = f"differs from row {group[0][0].number} of this calendar"
                    problems.append(row.problem(column, message))
        data = {
            "name": calendar,
            "cycle_days": first.get("cycle_days"),
            "cycle_start": first.get("cycle_start"),
            "shifts": [_shift_data(values) for _, values in group],
        }
        try:
            parsed.append(shift_patterns.CalendarIn.model_validate(data))
        except ValidationError as exc:
            problems += _calendar_problems(group, pydantic_problems(exc))
    if problems:
        raise rejected(name, problems)
    result = ImportResult(name, len(rows))
    for spec in parsed:
        _calendar, created = shift_patterns.save_calendar(session, spec)
        (result.created if created else result.updated).append(spec.name)
    return result


def template_shifts(target: str | Path | IO[bytes]) -> None:
    headers = [SHIFT_HEADERS[c] for c in SHIFT_COLUMNS]
    write_template(target, SHIFT_SHEET, headers, SHIFT_EXAMPLE, SHIFT_HELP)


# --- maintenance windows -----------------------------------------------------------------

DOWNTIME_SHEET = "Maintenance"
DOWNTIME_COLUMNS = ("line", "start", "end", "kind", "reason")
DOWNTIME_ALIASES = {
    "产线": "line",
    "开始": "start",
    "开始时间": "start",
    "结束": "end",
    "结束时间": "end",
    "类型": "kind",
    "原因": "reason",
}
DOWNTIME_HEADERS = [
    "产线 / line",
    "开始时间 / start",
    "结束时间 / end",
    "类型 / kind",
    "原因 / reason",
]
DOWNTIME_HELP = [
    ("line", "是 / yes", "产线代码，如 L1", "Line code, e.g. L1"),
    ("start", "是 / yes", "开始时间 YYYY-MM-DD HH:MM（中心当地时间）",
     "Start YYYY-MM-DD HH:MM (center local time)"),
    ("end", "是 / yes", "结束时间；不能已过去，最长 60 天；同一产线的时段不得重叠",
     "End; not in the past, at most 60 days after the start; windows of a line may not overlap"),
    ("kind", "否 / no", "maintenance 计划检修（默认）/ outage 故障停机",
     "maintenance (default) or outage"),
    ("reason", "否 / no", "原因，最多 200 字", "Reason, at most 200 characters"),
    ("", "", _only_text(DOWNTIME_SHEET), _only_text_en(DOWNTIME_SHEET)),
]  # fmt: skip
DOWNTIME_EXAMPLE = [
    ("L1", "2026-03-04 06:00", "2026-03-04 14:00", "maintenance", "每周检修 weekly maintenance"),
    ("L2", "2026-03-05 06:00", "2026-03-05 14:00", "maintenance", "每周检修 weekly maintenance"),
]
DOWNTIME_CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "line": as_text,
    "start": as_datetime,
    "end": as_datetime,
    "kind": lambda cell: (as_text(cell) or "").lower() or None,
    "reason": as_text,
}


def import_downtimes(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Add every maintenance window (or outage) of ``path`` or, if any cell is wrong or two
    windows of a line overlap, none."""
    name, rows = _rows_of(
        path, member_id, DOWNTIME_COLUMNS, ("line", "start", "end"), DOWNTIME_SHEET,
        DOWNTIME_ALIASES,
    )  # fmt: skip
    codes = {line.code.casefold(): line.id for line in lines.get_all(session)}
    problems: list[Problem] = []
    result = ImportResult(name, len(rows))
    # Each window is added in a savepoint, so that a later one overlapping it is found; the
    # savepoint is rolled back if any row is wrong.
    savepoint = session.begin_nested()
    for row in rows:
        values, bad = convert_cells(row, DOWNTIME_CONVERTERS)
        problems += bad
        code = values.pop("line", None)
        if code is not None and code.casefold() not in codes:
            problems.append(row.problem("line", "unknown line"))
        if bad or code is None or code.casefold() not in codes:
            continue
        data = {**values, "line_id": codes[code.casefold()]}
        try:
            downtime = lines.create_downtime(session, data)
        except ValidationFailed as exc:
            for problem in exc.problems:
                column = problem.location if problem.location in DOWNTIME_COLUMNS else "end"
                message = (
                    "required value is empty"
                    if problem.message == "Field required"
                    else (problem.message)
                )
                problems.append(row.problem(column, message))
            continue
        result.created.append(f"{code} {downtime.start:%Y-%m-%d %H:%M}")
    if problems:
        savepoint.rollback()
        raise rejected(name, problems)
    savepoint.commit()
    return result


def template_downtimes(target: str | Path | IO[bytes]) -> None:
    write_template(target, DOWNTIME_SHEET, DOWNTIME_HEADERS, DOWNTIME_EXAMPLE, DOWNTIME_HELP)
