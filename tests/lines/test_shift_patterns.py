"""Shift patterns: per weekday (three shifts Monday to Saturday) and rotating (crews on an
8-day cycle) from the template, the working time they give, and a bad file refused whole."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.lines import shift_patterns
from mixshare.lines.calendars import working_spans
from mixshare.lines.imports import import_shifts, template_shifts
from mixshare.lines.models import Calendar
from mixshare.spreadsheets import EXAMPLE_SHEET

MONDAY = datetime(2031, 3, 3)


def filled(path: Path, rows: list[tuple[object, ...]]) -> Path:
    template_shifts(path)
    book = load_workbook(path)
    for row in rows:
        book["Shifts"].append(list(row))
    book.save(path)
    return path


def calendar(session: Session, name: str) -> Calendar:
    session.expire_all()
    found = session.scalar(select(Calendar).where(Calendar.name == name))
    assert found is not None
    return found


def test_weekday_parsing() -> None:
    assert shift_patterns.parse_weekdays("Mon-Sat") == "012345"
    assert shift_patterns.parse_weekdays("周一至周六") == "012345"
    assert shift_patterns.parse_weekdays("Sat-Mon") == "056"
    assert shift_patterns.parse_weekdays("") == "0123456"
    with pytest.raises(ValueError, match="not weekdays"):
        shift_patterns.parse_weekdays("Mon-Someday")
    assert shift_patterns.parse_cycle_days("1-4, 7") == "0,1,2,3,6"


def test_the_template_alone_imports_nothing(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "shifts.xlsx"
    template_shifts(path)
    assert EXAMPLE_SHEET in load_workbook(path).sheetnames
    with pytest.raises(ValidationFailed, match="no data rows"):
        import_shifts(session, path)


def test_weekday_and_rotating_patterns_give_their_working_time(
    session: Session, tmp_path: Path
) -> None:
    path = filled(
        tmp_path / "shifts.xlsx",
        [
            ("Mon-Sat", None, None, "early", None, "06:00", 8, "Mon-Sat", None),
            ("Mon-Sat", None, None, "late", None, "14:00", 8, "周一-周六", None),
            ("Mon-Sat", None, None, "night", None, "22:00", 8, "Mon-Sat", None),
            ("4 crews", 8, "2031-03-03", "day", "A", "08:00", 12, None, "1-2"),
            ("4 crews", None, None, "night", "A", "20:00", 12, None, "3-4"),
        ],
    )
    assert import_shifts(session, path).created == ["Mon-Sat", "4 crews"]
    session.commit()
    week = working_spans(calendar(session, "Mon-Sat"), MONDAY, MONDAY.replace(day=10))
    # Monday 06:00 to Sunday 06:00: the Saturday night shift runs into Sunday
    assert week == [(MONDAY.replace(hour=6), MONDAY.replace(day=9, hour=6))]
    rotating = working_spans(calendar(session, "4 crews"), MONDAY, MONDAY.replace(day=19))
    # crew A: cycle days 1-2 days 08-20, days 3-4 nights 20-08, days 5-8 off; again from day 9
    days = [(3, 8, 3, 20), (4, 8, 4, 20), (5, 20, 6, 8), (6, 20, 7, 8)]
    expected = [
        (MONDAY.replace(day=d1 + shift, hour=h1), MONDAY.replace(day=d2 + shift, hour=h2))
        for shift in (0, 8)
        for d1, h1, d2, h2 in days
    ]
    assert rotating == expected
    again = filled(
        tmp_path / "again.xlsx",
        [("Mon-Sat", None, None, "day", None, "08:00", 10, "Mon-Fri", None)],
    )
    assert import_shifts(session, again).updated == ["Mon-Sat"]
    session.commit()
    assert [s.name for s in calendar(session, "Mon-Sat").shifts] == ["day"]


def test_a_bad_file_names_every_bad_cell_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    path = filled(
        tmp_path / "bad.xlsx",
        [
            ("W", None, None, "early", None, "25:00", 8, "Mon-Sat", None),
            ("W", None, None, "late", None, "14:00", 30, "Someday", None),
            ("R", 8, None, "day", "A", "08:00", 12, None, "1-2"),
            ("R2", 4, "2031-03-03", "day", "A", "08:00", 12, None, "1-9"),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_shifts(session, path)
    text = "\n".join(str(p) for p in caught.value.problems)
    where = "bad.xlsx, sheet Shifts, row"
    assert f"{where} 2, column start: not a clock time" in text
    assert f"{where} 3, column weekdays: not weekdays" in text
    assert f"{where} 4, column calendar: a rotating pattern needs both" in text
    assert f"{where} 5, column calendar: shift day: a day beyond the 4-day cycle" in text
    assert session.scalars(select(Calendar)).all() == []
