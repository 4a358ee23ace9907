"""Lines from a spreadsheet: the template round-trips, a filled file creates and then updates
lines (stages the file leaves out are removed), a bad file names every bad cell and changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.lines import service as lines
from mixshare.lines.imports import import_lines, template_lines
from mixshare.lines.models import Calendar, Line, Shift
from mixshare.spreadsheets import EXAMPLE_SHEET


def filled(path: Path, rows: list[tuple[object, ...]]) -> Path:
    template_lines(path)
    book = load_workbook(path)
    for row in rows:
        book["Lines"].append(list(row))
    book.save(path)
    return path


def stages(session: Session, code: str) -> dict[str, tuple[float, float, float]]:
    session.expire_all()
    line = lines.get_by_code(session, code)
    return {s.stage: (s.fill_factor, s.cycle_minutes, s.kwh_per_kg) for s in line.stage_settings}


def snapshot(session: Session) -> list[tuple[str, str, float, int | None]]:
    session.expire_all()
    rows = session.scalars(select(Line).order_by(Line.code))
    return [(r.code, r.name, r.net_volume_l, r.calendar_id) for r in rows]


def test_the_template_alone_imports_nothing(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "lines.xlsx"
    template_lines(path)
    assert EXAMPLE_SHEET in load_workbook(path).sheetnames
    with pytest.raises(ValidationFailed, match="no data rows"):
        import_lines(session, path)


def test_a_filled_file_creates_then_updates_lines(session: Session, tmp_path: Path) -> None:
    calendar = Calendar(name="3 shifts Mon-Sat")
    calendar.shifts = [Shift(name="A", start_minute=360, duration_minutes=480, weekdays="012345")]
    session.add(calendar)
    session.commit()
    first = filled(
        tmp_path / "lines.xlsx",
        [
            ("K1", "Kneader 1", "270 L", 270, 900, "3 shifts Mon-Sat", "MB", 0.7, 3.5, 0.22),
            ("K1", None, None, None, None, None, "RM", 0.7, 2.5, 0.1),
            ("K1", "Kneader 1", None, 270, None, None, "fb", 0.68, 2.4, 0.12),
            ("K2", "Kneader 2", "", 190, 700, None, "FB", 0.7, 2.0, 0.1),
        ],
    )
    result = import_lines(session, first)
    session.commit()
    assert result.created == ["K1", "K2"]
    assert stages(session, "K1") == {
        "MB": (0.7, 3.5, 0.22),
        "RM": (0.7, 2.5, 0.1),
        "FB": (0.68, 2.4, 0.12),
    }
    assert lines.get_by_code(session, "K1").calendar_id == calendar.id
    assert lines.get_by_code(session, "K2").calendar_id is None
    # batch size follows the model: volume × density × fill factor
    assert lines.batch_kg(270, 1.15, 0.7) == pytest.approx(217.35)
    second = filled(
        tmp_path / "again.xlsx",
        [("K1", "Kneader One", "270 L", 280, 900, None, "MB", 0.72, 3.2, 0.2)],
    )
    assert import_lines(session, second).updated == ["K1"]
    session.commit()
    assert stages(session, "K1") == {"MB": (0.72, 3.2, 0.2)}  # RM and FB were removed
    assert snapshot(session)[0] == ("K1", "Kneader One", 280, None)


def test_a_bad_file_names_every_bad_cell_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    session.add(Line(code="K9", name="kept", net_volume_l=100, rated_power_kw=100))
    session.commit()
    before = snapshot(session)
    path = filled(
        tmp_path / "bad.xlsx",
        [
            ("K1", "Kneader 1", None, -5, 900, "no such calendar", "MB", 0.7, 3.5, 0.22),
            ("K1", "Other name", None, None, None, None, "XB", 2, 0, 0.1),
            ("K9", "kept", None, 100, 100, None, "MB", "many", 3, 0.2),
            (None, "no code", None, 100, 100, None, "MB", 0.7, 3, 0.2),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_lines(session, path)
    text = "\n".join(str(p) for p in caught.value.problems)
    where = "bad.xlsx, sheet Lines, row"
    assert f"{where} 2, column calendar: unknown calendar" in text
    assert f"{where} 2, column net_volume_l" in text
    assert f"{where} 3, column name: differs from row 2 of this line" in text
    assert f"{where} 3, column stage" in text
    assert f"{where} 4, column fill_factor: not a number" in text
    assert f"{where} 5, column line: required value is empty" in text
    assert snapshot(session) == before
