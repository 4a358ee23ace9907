from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.compounds import service as compounds
from mixshare.compounds.imports import COLUMNS, import_compounds, template_compounds
from mixshare.compounds.models import CompoundVersion
from mixshare.errors import ValidationFailed
from mixshare.materials.models import Material
from mixshare.spreadsheets import EXAMPLE_SHEET, HELP_SHEET
from tests import spreadsheet_files
from tests.orders.conftest import build_center

HEADER = list(COLUMNS)
ATTRS = ["M01", "Belt cover", "NR", "black", "yes", 1.15, "no", "yes", 160, 240, 7200, 10080]


def good_rows() -> list[list[object]]:
    """Two compounds: BELT (attributes on the first row only) and SEAL (masterbatch-only)."""
    blank = [None] * (len(ATTRS) - 1)
    return [
        ["BELT", *ATTRS, "MB", "NR-SMR20", 70],
        ["BELT", "M01", *blank, "MB", "SBR1502", 30],
        ["BELT", "M01", *blank, "MB", "N330", 50],
        ["BELT", "M01", *blank, "FB", "SULFUR", 2],
        ["SEAL", "M01", "Seal", "SBR", "black", "no", 1.2, "no", "no", None, None, None, None,
         "MB", "SBR1502", 100],
    ]  # fmt: skip


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    return spreadsheet_files.write_xlsx(path, "Compounds", HEADER, rows)


def versions(session: Session) -> int:
    return session.scalar(select(func.count(CompoundVersion.id))) or 0


@pytest.fixture
def center(session: Session) -> Session:
    build_center(session)
    session.add_all(Material(code=c, name=c, category="chemical") for c in ("STEARIC", "CBS"))
    session.commit()
    return session


def test_good_xlsx_imports_every_compound(center: Session, tmp_path: Path) -> None:
    result = import_compounds(center, write_xlsx(tmp_path / "c.xlsx", good_rows()))
    assert (result.rows, result.created) == (5, ["M01.BELT.v1", "M01.SEAL.v1"])
    belt = compounds.latest_version(compounds.get_by_code(center, 1, "BELT"))
    assert (belt.staining, belt.max_dump_temp_c, belt.phr_total("MB")) == (True, 160, 150)
    seal = compounds.latest_version(compounds.get_by_code(center, 1, "SEAL"))
    assert (seal.has_final, seal.min_rest_minutes) == (False, 240)


def test_good_csv_imports_and_reimport_versions_only_changes(
    center: Session, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([HEADER, *good_rows()])
    assert len(import_compounds(center, path).created) == 2
    center.commit()
    rows = good_rows()
    rows[2][-1] = 55  # more carbon black in BELT
    result = import_compounds(center, write_xlsx(tmp_path / "c2.xlsx", rows))
    assert (result.created, result.unchanged) == (["M01.BELT.v2"], ["M01.SEAL.v1"])


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (4, "member", "M99", "unknown member"),
        (0, "family", "PVC", "unknown polymer family"),
        (0, "density", 3.5, "less than or equal to 2.5"),
        (0, "density", "heavy", "not a number"),
        (0, "staining", "maybe", "not yes/no"),
        (0, "compound", "BAD CODE", "ASCII letters, digits"),
        (1, "family", "SBR", "differs from row 2"),
        (1, "material", "UNOBTAINIUM", "unknown material"),
        (2, "phr", -5, "greater than 0"),
        (3, "stage", "XB", "Input should be 'MB' or 'FB'"),
    ],
)
def test_bad_cell_names_row_column_and_reason(
    center: Session, tmp_path: Path, row: int, column: str, value: object, reason: str
) -> None:
    rows = good_rows()
    rows[row][HEADER.index(column)] = value
    with pytest.raises(ValidationFailed) as exc:
        import_compounds(center, write_xlsx(tmp_path / "bad.xlsx", rows))
    located = [p for p in exc.value.problems if p.location.endswith(f"column {column}")]
    assert located, exc.value.problems
    assert located[0].location == f"bad.xlsx, sheet Compounds, row {row + 2}, column {column}"
    assert reason in located[0].message
    assert versions(center) == 0


def test_polymer_sum_and_limits_are_reported(center: Session, tmp_path: Path) -> None:
    rows = good_rows()
    rows[1][-1] = 20  # NR 70 + SBR 20 = 90 phr of polymer
    rows[4][HEADER.index("min_rest_minutes")] = 600
    rows[4][HEADER.index("max_age_minutes")] = 300
    with pytest.raises(ValidationFailed) as exc:
        import_compounds(center, write_xlsx(tmp_path / "bad.xlsx", rows))
    text = str(exc.value)
    assert "bad.xlsx, sheet Compounds, row 2, column phr: the polymers" in text
    assert "sum to 90" in text
    assert "row 6: max_age_minutes (300) must be greater than min_rest_minutes (600)" in text
    assert versions(center) == 0


def test_one_bad_compound_imports_nothing_not_even_new_versions(
    center: Session, tmp_path: Path
) -> None:
    import_compounds(center, write_xlsx(tmp_path / "c.xlsx", good_rows()))
    center.commit()
    rows = good_rows()
    rows[2][-1] = 55  # would make BELT v2 ...
    rows[4][HEADER.index("material")] = "NOPE"  # ... but SEAL is broken
    before = versions(center)
    with pytest.raises(ValidationFailed):
        import_compounds(center, write_xlsx(tmp_path / "bad.xlsx", rows))
    center.commit()
    assert versions(center) == before == 2


def test_compound_no_line_may_run(center: Session, tmp_path: Path) -> None:
    from mixshare.compounds.models import ChangeoverRule

    center.add(ChangeoverRule(priority=1, name="no SBR", to_family="SBR", forbidden=True))
    with pytest.raises(ValidationFailed) as exc:
        import_compounds(center, write_xlsx(tmp_path / "c.xlsx", good_rows()))
    [problem] = exc.value.problems
    assert problem.location == "c.xlsx, sheet Compounds, row 6"
    assert "no line may run stage MB" in problem.message


def test_malformed_file(center: Session, tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    path.write_text("member,compound\n")
    with pytest.raises(ValidationFailed) as exc:
        import_compounds(center, path)
    assert str(exc.value).startswith("c.xlsx: not a readable .xlsx workbook")


def test_template_is_documented_and_its_example_never_imports(
    center: Session, tmp_path: Path
) -> None:
    path = tmp_path / "template.xlsx"
    template_compounds(path)
    book = load_workbook(path)
    assert book.sheetnames == ["Compounds", EXAMPLE_SHEET, HELP_SHEET]
    assert book["Compounds"].max_row == 1  # the sheet that is imported holds no example
    help_rows = list(book[HELP_SHEET].iter_rows(values_only=True))
    assert {r[0] for r in help_rows[1:] if r[0]} == set(HEADER)
    assert all(r[2] and r[3] for r in help_rows[1:])
    with pytest.raises(ValidationFailed) as exc:
        import_compounds(center, path)  # as downloaded: nothing to import
    assert "no data rows" in str(exc.value)
    assert versions(center) == 0
    for row in book[EXAMPLE_SHEET].iter_rows(min_row=2, values_only=True):
        book["Compounds"].append(row)  # the example copied onto the Compounds sheet imports
    book.save(path)
    assert import_compounds(center, path).created == ["M01.CV-NR-70.v1"]


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (0, "compound", "<b>BELT</b>", "ASCII letters, digits"),
        (0, "name", '=HYPERLINK("http://evil.example")', "formula"),
        (0, "name", "-2+3+cmd|'/C calc'!A0", "formula"),
        (1, "material", "SBR1502\x00", "ASCII letters, digits"),
        (0, "density", "NaN", "not a finite number"),
    ],
)
def test_hostile_cells_name_row_column_and_reason(
    center: Session, tmp_path: Path, row: int, column: str, value: object, reason: str
) -> None:
    rows = good_rows()
    rows[row][HEADER.index(column)] = value
    path = tmp_path / "bad.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    with pytest.raises(ValidationFailed) as exc:
        import_compounds(center, path)
    located = [p for p in exc.value.problems if p.location.endswith(f"column {column}")]
    assert located, exc.value.problems
    assert located[0].location == f"bad.csv, row {row + 2}, column {column}"
    assert reason in located[0].message
    assert versions(center) == 0


def test_a_recipe_of_thousands_of_ingredients_is_rejected(center: Session, tmp_path: Path) -> None:
    blank = [None] * (len(ATTRS) - 1)
    rows = [["BELT", *ATTRS, "MB", "NR-SMR20", 100]]
    rows += [["BELT", "M01", *blank, "MB", "N330", 1] for _ in range(2_000)]
    with pytest.raises(ValidationFailed) as exc:
        import_compounds(center, write_xlsx(tmp_path / "long.xlsx", rows))
    assert any("at most 60" in p.message for p in exc.value.problems), exc.value.problems[:3]
    assert versions(center) == 0
