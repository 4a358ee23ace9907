"""Importing line meter readings from .csv/.xlsx (``mixshare import meter-readings FILE``).

One row per reading: line, meter, read_at, cumulative_kwh (the meter's counter). A counter
never goes backwards: a reading below an earlier one of the same line and meter (in the file
or already stored) is refused with its row and the reading it contradicts. Every problem is
reported; nothing is stored unless the whole file is clean. The caller commits.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
from mixshare.ledger.models import MeterReading
from mixshare.lines.models import Line
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
    write_template,
)
from mixshare.validation import check_text, to_local_naive

SHEET = "Readings"
COLUMNS = ("line", "meter", "read_at", "cumulative_kwh")
REQUIRED = COLUMNS
ALIASES = {
    "产线": "line",
    "电表": "meter",
    "表号": "meter",
    "抄表时间": "read_at",
    "读数时间": "read_at",
    "累计电量": "cumulative_kwh",
    "累计电量 kwh": "cumulative_kwh",
}
CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "line": as_text,
    "meter": lambda cell: None if (text := as_text(cell)) is None else check_text(text),
    "read_at": as_datetime,
    "cumulative_kwh": as_float,
}
MAX_KWH = 1e12  # a counter beyond this is a typo, not a meter


Reading = tuple[datetime, float, str]  # when, kWh, where it comes from (row or "stored")


def _parse(
    row: SheetRow, lines: dict[str, int]
) -> tuple[tuple[int, str, Reading] | None, list[Problem]]:
    values, problems = convert_cells(row, CONVERTERS)
    bad = {p.location for p in problems}
    for column in REQUIRED:
        if column not in values and row.location(column) not in bad:
            problems.append(row.problem(column, "required value is empty"))
    line = values.get("line")
    if line is not None and line not in lines:
        problems.append(row.problem("line", "no line with this code"))
    kwh = values.get("cumulative_kwh")
    if kwh is not None and not 0 <= kwh <= MAX_KWH:
        problems.append(row.problem("cumulative_kwh", "a meter counter is from 0 to 10^12 kWh"))
    meter = values.get("meter")
    if meter is not None and len(meter) > 40:
        problems.append(row.problem("meter", "at most 40 characters"))
    if problems:
        return None, problems
    at: datetime = values["read_at"]
    at = to_local_naive(at) if at.tzinfo else at
    reading = (at, float(values["cumulative_kwh"]), row.location("cumulative_kwh"))
    return (lines[values["line"]], str(values["meter"]), reading), []


def _stored(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], list[Reading]]:
    found: dict[tuple[int, str], list[Reading]] = defaultdict(list)
    for line_id, meter in keys:
        query = select(MeterReading.read_at, MeterReading.cumulative_kwh).where(
            MeterReading.line_id == line_id, MeterReading.meter == meter
        )
        for at, kwh in session.execute(query):
            found[line_id, meter].append((at, float(kwh), "stored"))
    return found


def _backwards(new: list[Reading], stored: list[Reading]) -> list[Problem]:
    """A problem for each new reading that repeats a time with another value, or lies below
    an earlier reading (or above a later one) of the same meter."""
    problems = []
    known = {at: (kwh, where) for at, kwh, where in stored}
    for at, kwh, where in new:
        if at in known and known[at][0] != kwh:
            said, other = known[at]
            message = f"another reading of this meter at {at:%Y-%m-%d %H:%M} says {said:.12g} kWh"
            problems.append(Problem(where, f"{message} ({other})", f"{kwh:.12g}"))
        known.setdefault(at, (kwh, where))
    ordered = sorted(known.items())
    for (at0, (kwh0, where0)), (at1, (kwh1, where1)) in itertools.pairwise(ordered):
        if kwh1 < kwh0:
            problems.append(_going_back((at0, kwh0, where0), (at1, kwh1, where1)))
    return problems


def _going_back(earlier: Reading, later: Reading) -> Problem:
    """The later reading is blamed, unless it is the stored one (then the file's earlier)."""
    (at0, kwh0, where0), (at1, kwh1, where1) = earlier, later
    blamed, value, other = (where1, kwh1, where0) if where1 != "stored" else (where0, kwh0, where1)
    message = (
        f"the meter goes backwards: {kwh1:.12g} kWh at {at1:%Y-%m-%d %H:%M} is less than "
        f"{kwh0:.12g} kWh at {at0:%Y-%m-%d %H:%M} ({other})"
    )
    return Problem(blamed, message, f"{value:.12g}")


def import_meter_readings(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Store every reading of ``path`` or, if any is wrong, none (``ValidationFailed``).
    A reading already stored with the same value is left alone."""
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    name = Path(path).name
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    lines = {code: line_id for code, line_id in session.execute(select(Line.code, Line.id))}
    by_meter: dict[tuple[int, str], list[Reading]] = defaultdict(list)
    problems: list[Problem] = []
    for row in rows:
        parsed, found = _parse(row, lines)
        problems += found
        if parsed is not None:
            by_meter[parsed[0], parsed[1]].append(parsed[2])
    stored = _stored(session, set(by_meter))
    for key, readings in by_meter.items():
        problems += _backwards(readings, stored.get(key, []))
    if problems:
        raise rejected(name, problems)
    return _store(session, name, len(rows), by_meter, stored)


def _store(
    session: Session,
    name: str,
    count: int,
    by_meter: dict[tuple[int, str], list[Reading]],
    stored: dict[tuple[int, str], list[Reading]],
) -> ImportResult:
    result = ImportResult(name, count)
    now = now_local()
    for (line_id, meter), readings in by_meter.items():
        known = {at for at, _kwh, _where in stored.get((line_id, meter), [])}
        for at, kwh, _where in readings:
            label = f"{meter}@{at:%Y-%m-%d %H:%M}"
            if at in known:
                result.unchanged.append(label)
                continue
            known.add(at)
            session.add(
                MeterReading(
                    line_id=line_id,
                    meter=meter,
                    read_at=at,
                    cumulative_kwh=kwh,
                    source=name[:200],
                    imported_at=now,
                )
            )
            result.created.append(label)
    session.flush()
    return result


HEADERS = ("产线 / line", "电表 / meter", "抄表时间 / read_at", "累计电量 kWh / cumulative_kwh")
HELP = [
    ("line", "是 / yes", "产线代码，如 L1", "Line code, e.g. L1"),
    ("meter", "是 / yes", "电表编号（一条产线可有多块表）",
     "Meter id (a line may have several meters)"),
    ("read_at", "是 / yes", "抄表时间 YYYY-MM-DD HH:MM（中心当地时间）",
     "When it was read, YYYY-MM-DD HH:MM (center time)"),
    ("cumulative_kwh", "是 / yes", "电表累计读数 kWh；不得小于同一电表更早的读数",
     "The meter's cumulative kWh; never less than an earlier reading of the same meter"),
    ("", "", "文件中任何一格有错误，则整个文件都不导入；错误信息会指出行、列和原因。",
     "If any cell is wrong, nothing is imported; each error names row, column and reason."),
]  # fmt: skip


def template_meter_readings(target: str | Path | IO[bytes]) -> None:
    """The meter-readings template: an empty Readings sheet, an example sheet, a help sheet."""
    example = [
        ["L1", "L1-main", "2026-12-01 00:00", 1250000.0],
        ["L1", "L1-main", "2026-12-02 00:00", 1268450.5],
    ]
    write_template(target, SHEET, HEADERS, example, HELP)
