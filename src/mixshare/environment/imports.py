"""Files the environment ledger imports: the stack monitoring system's hourly export and the
treatment unit's operation log. All or nothing; every problem names its row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.environment import service
from mixshare.environment.models import StackReading
from mixshare.environment.schemas import TreatmentDayIn
from mixshare.errors import Problem, ValidationFailed
from mixshare.settings import now_local
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    as_datetime,
    as_float,
    as_text,
    convert_cells,
    in_row_order,
    read_rows,
    rejected,
    validated_row,
    write_template,
)
from mixshare.validation import check_identifier

STAFF_ONLY = "environment data is imported by the center's staff"
HOUR = timedelta(hours=1)
DEFAULT_STACK = "DA001"  # the permit's name of the center's one mixing exhaust outlet


def _rows_of(
    path: str | Path, member_id: int | None, columns: tuple[str, ...],
    required: tuple[str, ...], aliases: dict[str, str],
) -> tuple[str, list[SheetRow]]:  # fmt: skip
    name = Path(path).name
    if member_id is not None:
        raise ValidationFailed([Problem(name, STAFF_ONLY)])
    rows = read_rows(path, columns, required, aliases=aliases)
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    return name, rows


def _hour(cell: Cell) -> datetime | None:
    moment = as_datetime(cell)
    if moment is not None and (moment.minute or moment.second or moment.microsecond):
        raise ValueError("not the start of an hour (YYYY-MM-DD HH:00)")
    return moment


def _stack(cell: Cell) -> str | None:
    """An outlet code as the permit names it (``DA001``): at most 24 letters, digits, . _ -."""
    text = as_text(cell)
    if text is not None and len(text) > 24:
        raise ValueError("an outlet code has at most 24 characters")
    return None if text is None else check_identifier(text)


def _reading(upper: float) -> Callable[[Cell], float | None]:
    def convert(cell: Cell) -> float | None:
        value = as_float(cell)
        if value is not None and not 0 <= value <= upper:
            raise ValueError(f"must lie between 0 and {upper:g}")
        return value

    return convert


# --- stack monitoring --------------------------------------------------------------------------

STACK_SHEET = "StackMonitoring"
STACK_COLUMNS = ("stack", "hour", "nmhc_mg_m3", "flow_m3_h", "pm_mg_m3")
STACK_REQUIRED = ("hour", "nmhc_mg_m3", "flow_m3_h")
STACK_ALIASES = {
    "排放口": "stack", "排口": "stack", "outlet": "stack",
    "监测时间": "hour", "时间": "hour", "time": "hour", "datetime": "hour",
    "非甲烷总烃": "nmhc_mg_m3", "非甲烷总烃 mg/m3": "nmhc_mg_m3", "nmhc": "nmhc_mg_m3",
    "标干流量": "flow_m3_h", "标干流量 m3/h": "flow_m3_h", "流量": "flow_m3_h", "flow": "flow_m3_h",
    "颗粒物": "pm_mg_m3", "颗粒物 mg/m3": "pm_mg_m3", "pm": "pm_mg_m3",
}  # fmt: skip
STACK_HEADERS = ["排放口 / stack", "监测时间 / hour", "非甲烷总烃 mg/m3 / nmhc_mg_m3",
                 "标干流量 m3/h / flow_m3_h", "颗粒物 mg/m3 / pm_mg_m3"]  # fmt: skip
STACK_CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "stack": _stack,
    "hour": _hour,
    "nmhc_mg_m3": _reading(100_000),
    "flow_m3_h": _reading(10_000_000),
    "pm_mg_m3": _reading(100_000),
}
STACK_HELP = [
    ("stack", "否 / no", f"排放口编号（如 {DEFAULT_STACK}）；留空 = {DEFAULT_STACK}",
     f"Outlet code (e.g. {DEFAULT_STACK}); empty = {DEFAULT_STACK}"),
    ("hour", "是 / yes", "小时起点 YYYY-MM-DD HH:00（中心当地时间）；每个排放口每小时一行，"
     "从第一小时到最后一小时不得缺失或重复",
     "Start of the hour YYYY-MM-DD HH:00 (center time); one row per outlet and hour, none "
     "missing or repeated from the file's first hour to its last"),
    ("nmhc_mg_m3", "是 / yes", "非甲烷总烃小时均值浓度 mg/m³", "NMHC hourly mean, mg/m³"),
    ("flow_m3_h", "是 / yes", "标干流量 m³/h", "Flow, m³/h (standard, dry)"),
    ("pm_mg_m3", "否 / no", "颗粒物小时均值浓度 mg/m³", "Particulates hourly mean, mg/m³"),
    ("", "", f"“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。任何一行有错误，则整个文件都不导入。",
     f"The '{EXAMPLE_SHEET}' sheet is an example and is never imported. If any row has an "
     "error, nothing is imported."),
]  # fmt: skip
STACK_EXAMPLE = [
    (DEFAULT_STACK, "2026-11-01 00:00", 4.2, 38_000, 3.1),
    (DEFAULT_STACK, "2026-11-01 01:00", 3.9, 37_500, 2.8),
]


@dataclass(frozen=True)
class _Hour:
    row: SheetRow
    stack: str
    hour: datetime
    nmhc: float
    flow: float
    pm: float | None


def _stack_hours(rows: list[SheetRow]) -> tuple[list[_Hour], list[Problem]]:
    hours: list[_Hour] = []
    problems: list[Problem] = []
    for row in rows:
        values, bad = convert_cells(row, STACK_CONVERTERS)
        problems += bad
        missing = [c for c in STACK_REQUIRED if c not in values and c not in
                   {p.location.rsplit("column ", 1)[-1] for p in bad}]  # fmt: skip
        problems += [row.problem(c, "required value is empty") for c in missing]
        if bad or missing:
            continue
        stack = values.get("stack", DEFAULT_STACK)
        nmhc, flow = values["nmhc_mg_m3"], values["flow_m3_h"]
        hours.append(_Hour(row, stack, values["hour"], nmhc, flow, values.get("pm_mg_m3")))
    return hours, problems


def _sequence_problems(hours: list[_Hour]) -> list[Problem]:
    """Each outlet's hours from its first to its last: none repeated, none missing."""
    problems: list[Problem] = []
    by_stack: dict[str, list[_Hour]] = {}
    for hour in hours:
        by_stack.setdefault(hour.stack, []).append(hour)
    for stack, readings in by_stack.items():
        readings.sort(key=lambda h: (h.hour, h.row.number))
        for before, after in pairwise(readings):
            gap = after.hour - before.hour
            if gap == timedelta(0):
                problems.append(after.row.problem(
                    "hour", f"{stack} {after.hour:%Y-%m-%d %H:00} is duplicated "
                    f"(row {before.row.number} has it already)"))  # fmt: skip
            elif gap > HOUR:
                first, last = before.hour + HOUR, after.hour - HOUR
                count = int(gap / HOUR) - 1
                span = f"{first:%Y-%m-%d %H:00}" + (
                    f" to {last:%Y-%m-%d %H:00}" if count > 1 else ""
                )
                problems.append(after.row.problem(
                    "hour", f"{stack}: {count} hour(s) missing before this row ({span}; "
                    f"the reading before is row {before.row.number})"))  # fmt: skip
    return problems


def _stored_problems(session: Session, hours: list[_Hour]) -> tuple[list[Problem], set[int]]:
    """Hours stored already: the same values are left alone, other values are refused."""
    if not hours:
        return [], set()
    first, last = min(h.hour for h in hours), max(h.hour for h in hours)
    stored = {
        (r.stack, r.hour): r
        for r in session.scalars(
            select(StackReading).where(StackReading.hour >= first, StackReading.hour <= last)
        )
    }
    problems, same = [], set()
    for h in hours:
        known = stored.get((h.stack, h.hour))
        if known is None:
            continue
        if (known.nmhc_mg_m3, known.flow_m3_h, known.pm_mg_m3) == (h.nmhc, h.flow, h.pm):
            same.add(h.row.number)
        else:
            problems.append(h.row.problem("hour", f"{h.stack} {h.hour:%Y-%m-%d %H:00} was "
                                          "imported before with other values"))  # fmt: skip
    return problems, same


def import_stack_monitoring(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Store every hourly reading of the monitoring system's export or, if any row is wrong
    (a bad value, an hour missing or duplicated), none."""
    name, rows = _rows_of(path, member_id, STACK_COLUMNS, STACK_REQUIRED, STACK_ALIASES)
    hours, problems = _stack_hours(rows)
    problems += _sequence_problems(hours)
    stored, same = _stored_problems(session, hours)
    problems += stored
    if problems:
        raise rejected(name, sorted(problems, key=in_row_order))
    result = ImportResult(name, len(rows))
    moment = now_local()
    for h in hours:
        key = f"{h.stack} {h.hour:%Y-%m-%d %H:00}"
        if h.row.number in same:
            result.unchanged.append(key)
            continue
        session.add(StackReading(stack=h.stack, hour=h.hour, nmhc_mg_m3=h.nmhc,
                                 flow_m3_h=h.flow, pm_mg_m3=h.pm, source_file=name[:200],
                                 imported_at=moment))  # fmt: skip
        result.created.append(key)
    session.flush()
    return result


def template_stack_monitoring(target: str | Path | IO[bytes]) -> None:
    write_template(target, STACK_SHEET, STACK_HEADERS, STACK_EXAMPLE, STACK_HELP)


# --- treatment log -------------------------------------------------------------------------------

TREATMENT_SHEET = "TreatmentLog"
TREATMENT_COLUMNS = ("unit", "day", "fan_hours", "combustion_temp_min_c",
                     "combustion_temp_avg_c", "carbon_changed_kg", "note")  # fmt: skip
TREATMENT_REQUIRED = ("day", "fan_hours")
TREATMENT_ALIASES = {
    "装置": "unit", "日期": "day", "date": "day", "风机运行小时": "fan_hours",
    "燃烧温度最低": "combustion_temp_min_c", "燃烧温度平均": "combustion_temp_avg_c",
    "活性炭更换 kg": "carbon_changed_kg", "活性炭更换": "carbon_changed_kg", "备注": "note",
}  # fmt: skip
TREATMENT_HEADERS = ["装置 / unit", "日期 / day", "风机运行小时 / fan_hours",
                     "燃烧温度最低 °C / combustion_temp_min_c",
                     "燃烧温度平均 °C / combustion_temp_avg_c",
                     "活性炭更换 kg / carbon_changed_kg", "备注 / note"]  # fmt: skip
TREATMENT_HELP = [
    ("unit", "否 / no", "治理设施编号；留空 = TU1", "Treatment unit code; empty = TU1"),
    ("day", "是 / yes", "日期 YYYY-MM-DD；同一装置同一天已有记录则更新",
     "Day YYYY-MM-DD; a unit's day recorded already is updated"),
    ("fan_hours", "是 / yes", "风机运行小时（0–24）", "Fan running hours (0–24)"),
    ("combustion_temp_min_c", "否 / no", "当天燃烧室最低温度 °C",
     "Lowest combustion temperature °C"),
    ("combustion_temp_avg_c", "否 / no", "当天燃烧室平均温度 °C",
     "Mean combustion temperature °C"),
    ("carbon_changed_kg", "否 / no", "当天更换的活性炭 kg（未更换留空）",
     "Activated carbon changed out that day, kg (empty: none)"),
    ("note", "否 / no", "备注", "Note"),
]  # fmt: skip
TREATMENT_EXAMPLE = [
    ("TU1", "2026-11-01", 22.5, 772, 801, "", ""),
    ("TU1", "2026-11-02", 23, 768, 795, 850, "更换活性炭 / carbon changed"),
]
TREATMENT_CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "unit": as_text, "day": lambda c: (d.date() if (d := as_datetime(c)) else None),
    "fan_hours": as_float, "combustion_temp_min_c": as_float,
    "combustion_temp_avg_c": as_float, "carbon_changed_kg": as_float, "note": as_text,
}  # fmt: skip


def import_treatment_log(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Record every day of the treatment unit's log or, if any cell is wrong, none."""
    name, rows = _rows_of(path, member_id, TREATMENT_COLUMNS, TREATMENT_REQUIRED,
                          TREATMENT_ALIASES)  # fmt: skip
    parsed: list[TreatmentDayIn] = []
    problems: list[Problem] = []
    first_row: dict[tuple[str, Any], int] = {}
    for row in rows:
        values, bad = convert_cells(row, TREATMENT_CONVERTERS)
        problems += bad
        day, found = validated_row(row, values, TreatmentDayIn, {c: c for c in TREATMENT_COLUMNS})
        problems += [p for p in found if p.location not in {b.location for b in bad}]
        if day is None:
            continue
        key = (day.unit, day.day)
        if key in first_row:
            problems.append(row.problem("day", f"repeats row {first_row[key]}"))
        first_row.setdefault(key, row.number)
        parsed.append(day)
    if problems:
        raise rejected(name, problems)
    result = ImportResult(name, len(rows))
    for day in parsed:
        service.record_treatment_day(session, data=day)
        result.created.append(f"{day.unit} {day.day.isoformat()}")
    return result


def template_treatment_log(target: str | Path | IO[bytes]) -> None:
    write_template(target, TREATMENT_SHEET, TREATMENT_HEADERS, TREATMENT_EXAMPLE, TREATMENT_HELP)
