"""Maintenance windows from a spreadsheet: a filled template adds them; a bad file (unknown
line, a window ending before it starts, two windows of a line overlapping) names every bad
cell and adds none."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.lines.imports import import_downtimes, template_downtimes
from mixshare.lines.models import Downtime, Line


def filled(path: Path, rows: list[tuple[object, ...]]) -> Path:
    template_downtimes(path)
    book = load_workbook(path)
    for row in rows:
        book["Maintenance"].append(list(row))
    book.save(path)
    return path


@pytest.fixture
def two_lines(session: Session) -> None:
    session.add_all(
        Line(code=c, name=c, net_volume_l=400, rated_power_kw=1000) for c in ("L1", "L2")
    )
    session.commit()


def windows(session: Session) -> list[tuple[int, str]]:
    session.expire_all()
    return [(d.line_id, f"{d.start:%m-%d %H}") for d in session.scalars(select(Downtime))]


def test_the_template_alone_imports_nothing(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    template_downtimes(path)
    with pytest.raises(ValidationFailed, match="no data rows"):
        import_downtimes(session, path)


def test_a_filled_file_adds_the_windows(session: Session, two_lines: None, tmp_path: Path) -> None:
    path = filled(
        tmp_path / "m.xlsx",
        [
            ("L1", "2031-03-04 06:00", "2031-03-04 14:00", None, "weekly"),
            ("l2", "2031-03-05 06:00", "2031-03-05 14:00", "outage", ""),
        ],
    )
    result = import_downtimes(session, path)
    session.commit()
    assert result.created == ["L1 2031-03-04 06:00", "l2 2031-03-05 06:00"]
    kinds = sorted(d.kind for d in session.scalars(select(Downtime)))
    assert kinds == ["maintenance", "outage"]


def test_a_bad_file_names_every_bad_cell_and_adds_nothing(
    session: Session, two_lines: None, tmp_path: Path
) -> None:
    path = filled(
        tmp_path / "bad.xlsx",
        [
            ("L1", "2031-03-04 06:00", "2031-03-04 14:00", None, "fine alone"),
            ("L1", "2031-03-04 10:00", "2031-03-04 18:00", None, "overlaps row 2"),
            ("L9", "2031-03-04 06:00", "2031-03-04 14:00", None, ""),
            ("L2", "2031-03-04 06:00", "2031-03-04 14:00", "repair", ""),
            ("L2", "2031-03-06 14:00", "2031-03-06 06:00", None, ""),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_downtimes(session, path)
    text = "\n".join(str(p) for p in caught.value.problems)
    where = "bad.xlsx, sheet Maintenance, row"
    assert f"{where} 3, column start: overlaps the maintenance of L1" in text
    assert f"{where} 4, column line: unknown line" in text
    assert f"{where} 5, column kind" in text
    assert f"{where} 6, column end: the window must end after it starts" in text
    assert windows(session) == []  # the rows added before the bad ones were taken back
