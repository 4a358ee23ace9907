"""Tariff versions from a spreadsheet: the template round-trips, a filled file adds a version
(the open-ended one before it now ends the day before), importing it again changes nothing,
and a bad file names every bad cell and adds nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.tariffs import service
from mixshare.tariffs.imports import import_tariffs, template_tariffs
from mixshare.tariffs.models import Tariff

ALL = "1,2,3,4,5,6,7,8,9,10,11,12"


def filled(path: Path, rows: list[tuple[object, ...]]) -> Path:
    template_tariffs(path)
    book = load_workbook(path)
    for row in rows:
        book["Tariffs"].append(list(row))
    book.save(path)
    return path


def version(
    code: str, start: str, flat: float = 0.6, end_hour: int = 24
) -> list[tuple[object, ...]]:
    return [
        (code, f"test {code}", "", start, None, flat, None, ALL, 0, 8, "valley", 0.4),
        (code, None, None, None, None, None, None, ALL, 8, 17, "peak", 1.6),
        (code, None, None, None, None, None, None, ALL, 17, end_hour, "flat", 1),
    ]


def codes(session: Session) -> list[tuple[str, date, date | None]]:
    session.expire_all()
    rows = session.scalars(select(Tariff).order_by(Tariff.valid_from))
    return [(t.code, t.valid_from, t.valid_to) for t in rows]


def test_the_template_alone_imports_nothing(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    template_tariffs(path)
    with pytest.raises(ValidationFailed, match="no data rows"):
        import_tariffs(session, path)


def test_a_new_version_ends_the_one_before_and_a_second_import_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    service.load_seed_tariffs(session)
    session.commit()
    path = filled(tmp_path / "t.xlsx", version("T-2032", "2032-01-01"))
    assert import_tariffs(session, path).created == ["T-2032"]
    session.commit()
    assert codes(session)[-1] == ("T-2032", date(2032, 1, 1), None)
    assert codes(session)[-2][2] == date(2031, 12, 31)
    assert service.tariff_on(session, date(2032, 6, 1)).code == "T-2032"
    assert import_tariffs(session, path).unchanged == ["T-2032"]


def test_a_bad_file_names_every_bad_cell_and_adds_nothing(session: Session, tmp_path: Path) -> None:
    rows = [
        *version("T-A", "2032-01-01"),
        *version("T-B", "2033-01-01", end_hour=23),  # hour 23 has no price
        ("T-C", "x", "", "2034-01-01", None, 0.6, None, "13", 0, 24, "cheap", 1),
        ("T-A", "other name", None, None, None, None, None, ALL, 0, 1, "flat", 1),
    ]
    path = filled(tmp_path / "bad.xlsx", rows)
    with pytest.raises(ValidationFailed) as caught:
        import_tariffs(session, path)
    text = "\n".join(str(p) for p in caught.value.problems)
    where = "bad.xlsx, sheet Tariffs, row"
    assert f"{where} 8, column months: months are distinct numbers from 1 to 12" in text
    assert f"{where} 8, column period" in text
    assert f"{where} 9, column name: differs from row 2 of this tariff" in text
    assert "hours without a price: month 1 hour 23" in text
    assert codes(session) == []


def test_versions_of_a_file_take_over_in_date_order_and_an_overlap_names_its_cell(
    session: Session, tmp_path: Path
) -> None:
    later_first = [*version("T-2033", "2033-01-01"), *version("T-2032", "2032-01-01")]
    assert set(import_tariffs(session, filled(tmp_path / "t.xlsx", later_first)).created) == {
        "T-2032", "T-2033"}  # fmt: skip
    session.commit()
    assert codes(session) == [
        ("T-2032", date(2032, 1, 1), date(2032, 12, 31)),
        ("T-2033", date(2033, 1, 1), None),
    ]
    inside: list[tuple[object, ...]] = [
        ("T-X", "x", "", "2032-06-01", "2032-06-30", 0.6, None, ALL, 0, 24, "flat", 1)
    ]
    with pytest.raises(ValidationFailed) as caught:
        import_tariffs(session, filled(tmp_path / "x.xlsx", inside))
    text = "\n".join(str(p) for p in caught.value.problems)
    assert ("x.xlsx, sheet Tariffs, row 2, column valid_from: overlaps tariff T-2032, "
            "in force 2032-01-01 to 2032-12-31") in text  # fmt: skip
    assert len(codes(session)) == 2
