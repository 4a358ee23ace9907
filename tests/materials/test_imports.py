"""Materials from a spreadsheet: the template documents every column, a good file creates and
updates, a bad file names every bad cell and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.materials.imports import COLUMNS, SHEET, import_materials, template_materials
from mixshare.materials.models import Material
from mixshare.spreadsheets import EXAMPLE_SHEET, HELP_SHEET
from tests import spreadsheet_files
from tests.spreadsheet_files import read_template


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    return spreadsheet_files.write_xlsx(path, SHEET, header or COLUMNS, rows)


def stored(session: Session) -> dict[str, tuple[str, str, float, float]]:
    rows = session.scalars(select(Material))
    return {m.code: (m.name, m.category, m.density, m.price_per_kg) for m in rows}


def test_template_documents_every_column_and_its_example_imports(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "materials.xlsx"
    template_materials(path)
    template = read_template(path)
    assert template.sheetnames == [SHEET, EXAMPLE_SHEET, HELP_SHEET]
    assert set(COLUMNS) <= template.documented
    # The example, pasted into the data sheet, is a valid file.
    example = write_xlsx(tmp_path / "ex.xlsx", template.example, template.header)
    result = import_materials(session, example)
    assert len(result.created) == len(template.example)


def test_good_file_creates_new_and_updates_known_codes(session: Session, tmp_path: Path) -> None:
    session.add(Material(code="N330", name="old name", category="filler", density=1.8))
    session.add(Material(code="ZNO", name="zinc oxide", category="chemical", density=5.6))
    session.commit()
    rows: list[list[object]] = [
        ["NR", "natural rubber", "polymer", 0.93, 14.5],
        ["N330", "carbon black N330", "filler", 1.8, 8.2],
        ["ZNO", "zinc oxide", "chemical", 5.6, 0],
    ]
    result = import_materials(session, write_xlsx(tmp_path / "m.xlsx", rows))
    session.commit()
    assert (result.created, result.updated, result.unchanged) == (["NR"], ["N330"], ["ZNO"])
    assert stored(session)["N330"] == ("carbon black N330", "filler", 1.8, 8.2)
    assert stored(session)["NR"] == ("natural rubber", "polymer", 0.93, 14.5)


def test_bad_cells_are_all_named_and_nothing_changes(session: Session, tmp_path: Path) -> None:
    session.add(Material(code="N330", name="carbon black", category="filler", density=1.8))
    session.commit()
    before = stored(session)
    rows: list[list[object]] = [
        ["NR", "natural rubber", "polymer", 0.93, 14.5],  # good, but the file fails as a whole
        ["N330", "renamed", "filler", "heavy", 8.2],  # row 3: density not a number
        ["BAD CODE", "x", "rubber", 1, -1],  # row 4: code, category, price
        ["NR", "again", "polymer", 1, 1],  # row 5: repeats row 2
    ]
    with pytest.raises(ValidationFailed) as caught:
        import_materials(session, write_xlsx(tmp_path / "bad.xlsx", rows))
    text = str(caught.value)
    for cell in (
        "row 3, column density",
        "row 4, column code",
        "row 4, column category",
        "row 4, column price_per_kg",
        "row 5, column code",
    ):
        assert f"bad.xlsx, sheet {SHEET}, {cell}" in text, (cell, text)
    assert "row 2," not in text  # the good row has nothing to report
    session.rollback()
    assert stored(session) == before


def test_a_member_may_not_import_materials(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [["NR", "natural rubber", "polymer", 0.93, 1]])
    with pytest.raises(ValidationFailed, match="center's staff"):
        import_materials(session, path, member_id=1)
