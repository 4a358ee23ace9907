"""Importing tariff versions from .xlsx/.csv, and the documented template for it.

One row per time-of-use band; rows are grouped by tariff code and the tariff's own values
(name, validity, flat price) are read from the group's first row (later rows may leave them
empty but not contradict them). Each tariff is a new version: an open-ended one in force
before it ends the day before it starts. A code that exists already is left alone when the
file gives the same validity and price, and refused otherwise (versions are not edited: give
the changed tariff a new code and a new valid_from). Nothing is written unless every row is
valid.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
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
    write_template,
)
from mixshare.tariffs import service
from mixshare.tariffs.models import Tariff

SHEET = "Tariffs"
TARIFF_LEVEL = (
    "tariff", "name", "source", "valid_from", "valid_to", "flat_price", "holiday_multiplier",
)  # fmt: skip
BAND_LEVEL = ("months", "start_hour", "end_hour", "period", "multiplier")
COLUMNS = (*TARIFF_LEVEL, *BAND_LEVEL)
REQUIRED = ("tariff", "months", "start_hour", "end_hour", "period", "multiplier")
ALIASES = {
    "电价": "tariff",
    "code": "tariff",
    "名称": "name",
    "依据": "source",
    "生效日期": "valid_from",
    "失效日期": "valid_to",
    "平段电价": "flat_price",
    "节假日系数": "holiday_multiplier",
    "月份": "months",
    "开始小时": "start_hour",
    "结束小时": "end_hour",
    "时段": "period",
    "系数": "multiplier",
}
HEADERS = {
    "tariff": "电价代码 / tariff",
    "name": "名称 / name",
    "source": "依据 / source",
    "valid_from": "生效日期 / valid_from",
    "valid_to": "失效日期 / valid_to",
    "flat_price": "平段电价 元/kWh / flat_price",
    "holiday_multiplier": "节假日深谷系数 / holiday_multiplier",
    "months": "月份 / months",
    "start_hour": "开始小时 / start_hour",
    "end_hour": "结束小时 / end_hour",
    "period": "时段 / period",
    "multiplier": "系数 / multiplier",
}
HELP = [
    ("tariff", "是 / yes", "电价版本代码，如 ZJ-2026（字母数字 . _ -）",
     "Tariff version code, e.g. ZJ-2026 (letters, digits, . _ -)"),
    ("name", "首行 / first row", "名称", "Name"),
    ("source", "否 / no", "依据文件，如 浙发改价格〔2024〕21号", "Source document"),
    ("valid_from", "首行 / first row",
     "生效日期 YYYY-MM-DD；此前无截止日期的版本自动截止于前一天",
     "First day in force; an open-ended earlier version then ends the day before"),
    ("valid_to", "否 / no", "失效日期（含）；留空 = 长期有效",
     "Last day in force; empty = open-ended"),
    ("flat_price", "首行 / first row", "平段电价 元/kWh", "Flat price, yuan per kWh"),
    ("holiday_multiplier", "否 / no", "节假日谷段改为深谷的系数，默认 0.2",
     "Multiplier of the holiday deep valley (replaces valley on holidays), default 0.2"),
    ("months", "是 / yes", "适用月份，如 1,7,8,12", "Months the band applies to, e.g. 1,7,8,12"),
    ("start_hour", "是 / yes", "开始小时 0–23", "First hour 0–23"),
    ("end_hour", "是 / yes", "结束小时 1–24（不含）", "End hour 1–24 (exclusive)"),
    ("period", "是 / yes", "时段：sharp 尖峰 / peak 高峰 / flat 平段 / valley 低谷",
     "Period: sharp, peak, flat or valley"),
    ("multiplier", "是 / yes", "相对平段电价的系数，如 尖峰 1.98、低谷 0.38",
     "Multiplier of the flat price, e.g. sharp 1.98, valley 0.38"),
    ("", "", "每行一个时段；每月每小时须恰好被一个时段覆盖。同一电价的多行按代码归组。",
     "One row per band; every hour of every month must be priced exactly once. Rows are "
     "grouped by tariff code."),
    ("", "", f"只导入 {SHEET} 工作表；“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。任何一行有错误，"
             "则整个文件都不导入。",
     f"Only the {SHEET} sheet is imported; the '{EXAMPLE_SHEET}' sheet is an example and is "
     "never imported. If any row has an error, nothing is imported."),
]  # fmt: skip
_ALL = "1,2,3,4,5,6,7,8,9,10,11,12"
EXAMPLE = [
    ("ZJ-2027", "浙江 大工业 分时电价 2027", "浙发改价格〔2024〕21号", "2027-01-01", None,
     0.64, 0.2, _ALL, 0, 8, "valley", 0.38),
    ("ZJ-2027", None, None, None, None, None, None, _ALL, 8, 11, "peak", 1.65),
    ("ZJ-2027", None, None, None, None, None, None, _ALL, 11, 13, "valley", 0.38),
    ("ZJ-2027", None, None, None, None, None, None, _ALL, 13, 17, "peak", 1.65),
    ("ZJ-2027", None, None, None, None, None, None, _ALL, 17, 24, "flat", 1.0),
]  # fmt: skip


def _day(cell: Cell) -> Any:
    moment = as_datetime(cell)
    return None if moment is None else moment.date()


def _months(cell: Cell) -> str | None:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return str(int(cell))
    return as_text(cell)


CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "tariff": as_text,
    "name": as_text,
    "source": as_text,
    "valid_from": _day,
    "valid_to": _day,
    "flat_price": as_float,
    "holiday_multiplier": as_float,
    "months": _months,
    "start_hour": as_int,
    "end_hour": as_int,
    "period": lambda cell: (as_text(cell) or "").lower() or None,
    "multiplier": as_float,
}
FIELD_COLUMNS = {"code": "tariff", **{c: c for c in TARIFF_LEVEL[1:]}}


def _located(group: list[tuple[SheetRow, dict[str, Any]]], problem: Problem) -> Problem:
    """A service problem (``bands.2.period``, ``valid_from``) at the cell it is about."""
    parts = problem.location.split(".")
    message = (
        "required value is empty" if problem.message == "Field required" else (problem.message)
    )
    if parts[0] == "bands" and len(parts) > 1 and parts[1].isdigit():
        column = parts[2] if len(parts) > 2 and parts[2] in BAND_LEVEL else "months"
        return group[int(parts[1])][0].problem(column, message)
    if parts[0] == "bands":
        return group[-1][0].problem("months", message)
    return group[0][0].problem(FIELD_COLUMNS.get(parts[0], "tariff"), message)


def _tariff_data(
    group: list[tuple[SheetRow, dict[str, Any]]],
) -> tuple[dict[str, Any], list[Problem]]:
    first_row, first = group[0]
    problems = [
        row.problem(column, f"differs from row {first_row.number} of this tariff")
        for row, values in group[1:]
        for column in TARIFF_LEVEL[1:]
        if column in values and values[column] != first.get(column)
    ]
    data: dict[str, Any] = {"code": first["tariff"]}
    data.update({c: first[c] for c in TARIFF_LEVEL[1:] if c in first})
    data["bands"] = [{k: v for k, v in values.items() if k in BAND_LEVEL} for _, values in group]
    return data, problems


def _same_version(existing: Tariff, data: dict[str, Any]) -> bool:
    return existing.valid_from == data.get("valid_from") and existing.flat_price == data.get(
        "flat_price"
    )


def _start(item: tuple[str, list[tuple[SheetRow, dict[str, Any]]]]) -> tuple[bool, Any]:
    """Versions in the order they take over (a group without valid_from last)."""
    first = item[1][0][1].get("valid_from")
    return first is None, first


def import_tariffs(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Add every new tariff version of ``path`` or, if any cell is wrong, none."""
    name = Path(path).name
    if member_id is not None:
        raise ValidationFailed([Problem(name, "tariffs are imported by the center's staff")])
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    groups: dict[str, list[tuple[SheetRow, dict[str, Any]]]] = {}
    problems: list[Problem] = []
    for row in rows:
        values, bad = convert_cells(row, CONVERTERS)
        problems += bad
        if not bad and "tariff" in values:
            groups.setdefault(values["tariff"], []).append((row, values))
        elif not bad:
            problems.append(row.problem("tariff", "required value is empty"))
    result = ImportResult(name, len(rows))
    # Versions are added in a savepoint (each may end the one before it); any problem takes
    # them all back.
    savepoint = session.begin_nested()
    for code, group in sorted(groups.items(), key=_start):  # each version ends the one before
        data, found = _tariff_data(group)
        problems += found
        existing = session.scalar(select(Tariff).where(Tariff.code == code))
        if existing is not None and _same_version(existing, data):
            result.unchanged.append(code)
            continue
        try:
            service.create_tariff(session, data)
        except ValidationFailed as exc:
            problems += [_located(group, p) for p in exc.problems]
            continue
        result.created.append(code)
    if problems:
        savepoint.rollback()
        raise rejected(name, problems)
    savepoint.commit()
    return result


def template_tariffs(target: str | Path | IO[bytes]) -> None:
    headers = [HEADERS[c] for c in COLUMNS]
    write_template(target, SHEET, headers, EXAMPLE, HELP)
