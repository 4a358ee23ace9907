"""Holidays, whole or part day: the template round-trips, a bad file names every bad cell and
changes nothing, and the planner's available time leaves exactly the closed part out."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.lines.imports import import_holidays, template_holidays
from mixshare.lines.models import Downtime, Holiday
from mixshare.planning.problem_builder import build_problem
from mixshare.spreadsheets import EXAMPLE_SHEET
from tests.planning.conftest import DEMO_MONDAY, demo_session  # noqa: F401  (fixture)

WEDNESDAY, THURSDAY = date(2031, 3, 5), date(2031, 3, 6)
DAY = 24 * 60


def filled_template(path: Path, rows: list[tuple[object, ...]]) -> Path:
    template_holidays(path)
    book = load_workbook(path)
    sheet = book["Holidays"]
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def closed(intervals: tuple[object, ...], minute: int) -> bool:
    return any(i.start <= minute < i.end for i in intervals)  # type: ignore[attr-defined]


def test_the_template_alone_imports_nothing(demo_session: Session, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "holidays.xlsx"
    template_holidays(path)
    assert EXAMPLE_SHEET in load_workbook(path).sheetnames
    with pytest.raises(ValidationFailed, match="no data rows"):
        import_holidays(demo_session, path)


def test_a_bad_file_names_every_bad_cell_and_changes_nothing(
    demo_session: Session,  # noqa: F811
    tmp_path: Path,
) -> None:
    before = demo_session.scalars(select(Holiday)).all()
    path = filled_template(
        tmp_path / "holidays.xlsx",
        [
            ("2031-03-05", "good one", ""),
            ("2031-13-01", "bad day", ""),
            ("2031-03-07", "", "no such shift"),
            ("2031-03-05", "twice", "25:00-26:00"),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_holidays(demo_session, path)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "holidays.xlsx, sheet Holidays, row 3, column day" in text
    assert "row 4, column name" in text
    assert "row 4, column open_shifts: unknown shift no such shift" in text
    assert "row 5, column day: repeats row 2" in text
    assert "row 5, column open_shifts" in text
    assert demo_session.scalars(select(Holiday)).all() == before


def test_part_day_holiday_leaves_only_its_shift_to_the_planner(
    demo_session: Session,  # noqa: F811
    tmp_path: Path,
) -> None:
    demo_session.execute(delete(Downtime))  # only the holidays close the lines this week
    path = filled_template(
        tmp_path / "holidays.xlsx",
        [("2031-03-05", "one shift runs", "早班 morning"), ("2031-03-06", "closed", None)],
    )
    result = import_holidays(demo_session, path)
    assert result.created == ["2031-03-05", "2031-03-06"]
    start = datetime.combine(DEMO_MONDAY, datetime.min.time())
    problem = build_problem(demo_session, start=start, days=7).problem
    for line in problem.lines:
        wednesday, thursday = 2 * DAY, 3 * DAY
        assert not closed(line.unavailable, wednesday - 1)  # Tuesday night runs
        assert closed(line.unavailable, wednesday) and closed(line.unavailable, wednesday + 359)
        # the morning shift, 06:00-14:00, is the only time the planner may use on Wednesday
        assert not any(closed(line.unavailable, wednesday + m) for m in range(360, 840))
        assert closed(line.unavailable, wednesday + 840)
        assert all(closed(line.unavailable, thursday + m) for m in range(0, DAY, 30))
        # Thursday's night shift does not start, so Friday runs again with its early shift
        assert closed(line.unavailable, 4 * DAY) and closed(line.unavailable, 4 * DAY + 359)
        assert not closed(line.unavailable, 4 * DAY + 360)
    # importing the file again changes the existing days in place
    again = import_holidays(demo_session, path)
    assert again.updated == ["2031-03-05", "2031-03-06"] and again.created == []


def test_a_night_shift_that_does_not_start_on_a_holiday_does_not_run_after_midnight(
    demo_session: Session,  # noqa: F811
) -> None:
    """With only the early shift open on Wednesday, Wednesday's night crew never comes: the
    line used to run Thursday 00:00-06:00 (the night shift's tail) with nobody there, because
    the holiday closed only its clock day."""
    demo_session.execute(delete(Downtime))
    demo_session.add(Holiday(day=WEDNESDAY, name="open day", open_shifts="早班 morning"))
    demo_session.flush()
    start = datetime.combine(DEMO_MONDAY, datetime.min.time())
    problem = build_problem(demo_session, start=start, days=7).problem
    wednesday, thursday = 2 * DAY, 3 * DAY
    for line in problem.lines:
        assert not any(closed(line.unavailable, wednesday + m) for m in range(360, 840))
        assert all(closed(line.unavailable, thursday + m) for m in range(0, 360, 10))
        assert not closed(line.unavailable, thursday + 360)
