from __future__ import annotations

import csv
import re
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import event
from sqlalchemy.orm import Session

from mixshare import spreadsheets
from mixshare.compounds import service as compounds
from mixshare.errors import ValidationFailed
from mixshare.orders import service as orders
from mixshare.orders.imports import import_orders, template_orders
from mixshare.spreadsheets import EXAMPLE_SHEET, HELP_SHEET
from tests import spreadsheet_files

from .conftest import NOW, recipe

HEADER = ["number", "member", "compound", "stage", "quantity_kg", "due_at", "release_at", "note"]
DUE = NOW + timedelta(days=7)


def good_rows() -> list[list[object]]:
    return [
        ["A-0001", "M01", "BELT-NR-01", "final", 12000, DUE, None, "first"],
        [None, "M01", "BELT-NR-01", "masterbatch", "3,500", "2026-03-12 06:00", "2026-03-10", ""],
        [None, "M01", "BELT-NR-01", "终炼", 800.5, "2026/03/20", None, None],
    ]


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    return spreadsheet_files.write_xlsx(path, "Orders", header, rows)


def _csv_cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return "" if value is None else value


def write_csv(path: Path, rows: list[list[object]], bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else v.isoformat(" ") if isinstance(v, datetime) else v
                    for v in row
                ]
            )
    return path


def problems(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_good_xlsx_imports_every_row(center: Session, tmp_path: Path) -> None:
    result = import_orders(center, write_xlsx(tmp_path / "o.xlsx", good_rows()), now=NOW)
    assert result.rows == 3
    assert result.created == ["A-0001", "M01-2610-0001", "M01-2610-0002"]
    second = orders.get_by_number(center, "M01-2610-0001")
    assert (second.stage, second.quantity_kg) == ("masterbatch", 3500)
    assert second.due_at == datetime(2026, 3, 12, 6, 0)
    assert second.release_at == datetime(2026, 3, 10)
    assert orders.get_by_number(center, "M01-2610-0002").stage == "final"


@pytest.mark.parametrize("bom", [True, False])
def test_good_csv_imports_every_row(center: Session, tmp_path: Path, bom: bool) -> None:
    result = import_orders(center, write_csv(tmp_path / "o.csv", good_rows(), bom), now=NOW)
    assert len(result.created) == 3
    assert orders.count(center) == 3


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("member", "M99", "unknown member"),
        ("compound", "NOPE", "unknown compound for this member"),
        ("quantity_kg", -100, "at least 1 kg"),
        ("quantity_kg", 0, "at least 1 kg"),
        ("quantity_kg", 5_000_000, "absurd"),
        ("quantity_kg", "lots", "not a number"),
        ("due_at", NOW - timedelta(days=1), "due date is in the past"),
        ("due_at", "31.02.2026", "not a date"),
        ("due_at", None, "required value is empty"),
        ("stage", "half", "unknown stage"),
        ("release_at", DUE + timedelta(days=1), "release date is after the due date"),
    ],
)
def test_bad_cell_names_row_column_and_reason(
    center: Session, tmp_path: Path, column: str, value: object, reason: str
) -> None:
    rows = good_rows()
    rows[0][HEADER.index(column)] = value
    before = orders.count(center)
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, write_xlsx(tmp_path / "bad.xlsx", rows), now=NOW)
    [problem] = exc.value.problems
    assert problem.location == f"bad.xlsx, sheet Orders, row 2, column {column}"
    assert reason in problem.message
    center.rollback()
    assert orders.count(center) == before


def test_every_problem_of_every_row_is_reported(center: Session, tmp_path: Path) -> None:
    rows = good_rows()
    rows[0][1] = "M99"
    rows[1][4] = -1
    rows[1][5] = NOW - timedelta(hours=1)
    rows[1][6] = None
    rows[2][2] = "NOPE"
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, write_xlsx(tmp_path / "bad.xlsx", rows), now=NOW)
    locations = [p.location.split(", ", 2)[2] for p in exc.value.problems]
    assert locations == [
        "row 2, column member",
        "row 3, column quantity_kg",
        "row 3, column due_at",
        "row 4, column compound",
    ]
    assert orders.count(center) == 0


def test_duplicate_numbers_in_file_and_database(center: Session, tmp_path: Path) -> None:
    import_orders(center, write_xlsx(tmp_path / "first.xlsx", good_rows()[:1]), now=NOW)
    center.commit()
    rows = good_rows()
    rows[1][0] = "B-1"
    rows[2][0] = "B-1"
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, write_xlsx(tmp_path / "dup.xlsx", rows), now=NOW)
    assert problems(exc) == [
        "dup.xlsx, sheet Orders, row 2, column number: an order with this number already exists"
        " (value: 'A-0001')",
        "dup.xlsx, sheet Orders, row 4, column number: order number appears twice for this"
        " member in the file (first in row 3) (value: 'B-1')",
    ]
    assert orders.count(center) == 1


def test_two_members_may_carry_one_number_in_a_file(center: Session, tmp_path: Path) -> None:
    """Numbers are unique per member (issue 11, finding 11): a center file with the same
    number for two members imports both, and a member's own database number still clashes."""
    compounds.create_compound(center, recipe(member="M02", code="SEAL-02"))
    rows = [good_rows()[0], ["A-0001", "M02", "SEAL-02", "final", 900, DUE, None, None]]
    result = import_orders(center, write_xlsx(tmp_path / "both.xlsx", rows), now=NOW)
    assert result.created == ["A-0001", "A-0001"]
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, write_xlsx(tmp_path / "again.xlsx", rows[1:]), now=NOW)
    assert problems(exc) == [
        "again.xlsx, sheet Orders, row 2, column number: an order with this number already"
        " exists (value: 'A-0001')"
    ]


def test_member_scoped_import_rejects_other_members_rows(center: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, write_xlsx(tmp_path / "o.xlsx", good_rows()), member_id=2, now=NOW)
    assert {p.message for p in exc.value.problems} == {"unknown member"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("junk.xlsx", b"this is not a workbook", "not a readable .xlsx workbook"),
        ("empty.csv", b"", "the file is empty"),
        ("latin1.csv", "member,compound\nMü".encode("latin-1"), "not UTF-8"),
        ("orders.txt", b"member", "unsupported file type"),
        ("short.csv", b"member,compound\nM01,BELT-NR-01\n", "lacks required column 'quantity_kg'"),
        ("header-only.csv", ",".join(HEADER).encode(), "no data rows"),
    ],
)
def test_malformed_file_names_the_file(
    center: Session, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, path, now=NOW)
    assert exc.value.problems[0].location.startswith(name)
    assert reason in str(exc.value)


def test_bilingual_and_chinese_headers_are_understood(center: Session, tmp_path: Path) -> None:
    header = [
        "订单号",
        "成员 / member",
        "胶料",
        "阶段",
        "数量 kg / quantity_kg",
        "交货期",
        "x",
        "备注",
    ]
    path = write_xlsx(tmp_path / "zh.xlsx", good_rows(), header)
    assert len(import_orders(center, path, now=NOW).created) == 3


def test_template_is_documented_and_its_example_never_imports(
    center: Session, tmp_path: Path
) -> None:
    path = tmp_path / "template.xlsx"
    template_orders(path, now=NOW)
    book = load_workbook(path)
    assert book.sheetnames == ["Orders", EXAMPLE_SHEET, HELP_SHEET]
    assert [c.value for c in book["Orders"][1]][:2] == ["订单号 / number", "成员 / member"]
    assert book["Orders"].max_row == 1  # the sheet that is imported holds no example
    example = [c.value for c in book[EXAMPLE_SHEET][2]]
    assert example[1:3] == ["M01", "CV-NR-60"]
    help_rows = list(book[HELP_SHEET].iter_rows(values_only=True))
    assert {r[0] for r in help_rows[1:] if r[0]} == set(HEADER)
    assert all(r[2] and r[3] for r in help_rows[1:])  # Chinese and English for every column
    compounds.create_compound(center, recipe(code="CV-NR-60"))  # the example's compound
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, path, now=NOW)  # as downloaded: nothing to import
    assert "no data rows" in str(exc.value)
    assert orders.count(center) == 0
    # the example row copied onto the Orders sheet imports as a real order
    book["Orders"].append(example)
    book.save(path)
    assert import_orders(center, path, now=NOW).created == ["M01-2610-0001"]


def test_without_the_orders_sheet_the_example_sheet_is_still_not_read(
    center: Session, tmp_path: Path
) -> None:
    path = tmp_path / "template.xlsx"
    template_orders(path, now=NOW)
    book = load_workbook(path)
    del book["Orders"]
    book.save(path)
    compounds.create_compound(center, recipe(code="CV-NR-60"))
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, path, now=NOW)
    assert "no sheet to import" in str(exc.value)
    assert orders.count(center) == 0


# --- hostile and absurd files (issue 11, findings 1, 4, 5, 12) -------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("number", "<img/src/onerror=alert(1)>", "ASCII letters, digits"),
        ("number", "A-1/MB", "ASCII letters, digits"),
        ("compound", "=BELT-NR-01", "ASCII letters, digits"),
        ("note", '=HYPERLINK("http://evil.example","x")', "formula"),
        ("note", "=cmd|'/C calc'!A0", "formula"),
        ("note", "+1+cmd|'/C calc'!A0", "formula"),
        ("note", "a\x00b", "U+0000"),
        ("note", "\u202egnp.exe", "U+202E"),
        ("quantity_kg", "NaN", "not a finite number"),
        ("quantity_kg", "inf", "not a finite number"),
        ("quantity_kg", "1e-300", "at least 1 kg"),
        ("due_at", "9999-12-31", "between 2000 and 2100"),
        ("due_at", "2033-03-02", "more than five years ahead"),
    ],
)
def test_hostile_csv_cell_names_row_column_and_reason(
    center: Session, tmp_path: Path, column: str, value: object, reason: str
) -> None:
    rows = good_rows()
    rows[0][HEADER.index(column)] = value
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, write_csv(tmp_path / "bad.csv", rows), now=NOW)
    [problem] = exc.value.problems
    assert problem.location == f"bad.csv, row 2, column {column}"
    assert reason in problem.message
    center.rollback()
    assert orders.count(center) == 0


def test_oversized_csv_cell_is_a_clear_error_not_a_traceback(
    center: Session, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[1][HEADER.index("note")] = "x" * (129 * 1024)
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, write_csv(tmp_path / "big.csv", rows), now=NOW)
    [problem] = exc.value.problems
    assert problem.location == "big.csv, row 3"
    assert "cannot be read as CSV" in problem.message
    assert orders.count(center) == 0


def _many_rows(path: Path, count: int, member: str = "M01") -> Path:
    """A write-only workbook with ``count`` order rows (fast to write, like a real export)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Orders")
    sheet.append(HEADER)
    for _ in range(count):
        sheet.append([None, member, "BELT-NR-01", "final", 1000, DUE, None, None])
    book.save(path)
    return path


def test_files_over_the_row_cap_are_rejected_before_any_row_is_checked(
    center: Session, tmp_path: Path
) -> None:
    path = _many_rows(tmp_path / "huge.xlsx", spreadsheets.MAX_ROWS + 1)
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, path, now=NOW)
    assert time.monotonic() - started < 30
    [problem] = exc.value.problems
    assert problem.location == "huge.xlsx"
    assert "more than 20,000 rows" in problem.message
    assert orders.count(center) == 0


def test_problems_are_capped_with_how_many_more(center: Session, tmp_path: Path) -> None:
    path = _many_rows(tmp_path / "bad.xlsx", 500, member="M99")
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, path, now=NOW)
    found = exc.value.problems
    assert len(found) == spreadsheets.MAX_PROBLEMS + 1
    assert found[0].location == "bad.xlsx, sheet Orders, row 2, column member"
    assert found[-1].location == "bad.xlsx"
    assert "and 300 more problems" in found[-1].message
    assert orders.count(center) == 0


def test_a_workbook_that_unzips_too_far_is_refused_unread(
    center: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_xlsx(tmp_path / "bomb.xlsx", good_rows())
    monkeypatch.setattr(spreadsheets, "MAX_XLSX_EXPANDED_BYTES", 1024)
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, path, now=NOW)
    assert str(exc.value).startswith("bomb.xlsx: unzips to more than")
    assert orders.count(center) == 0


def test_a_sheet_without_dimension_and_with_a_million_rows_is_refused_in_seconds(
    center: Session, tmp_path: Path
) -> None:
    """The attack of finding 12: a small zip whose sheet XML lists far too many rows and no
    <dimension> (openpyxl alone would parse all of it before returning the first row)."""
    seed = write_xlsx(tmp_path / "seed.xlsx", good_rows())
    path = tmp_path / "million.xlsx"
    row = b'<row r="%d"><c t="inlineStr"><is><t>M01</t></is></c></row>'
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head = re.sub(rb"<dimension[^>]*>", b"", data[: data.index(b"<row")])
                header = data[data.index(b"<row") : data.index(b"</row>") + 6]
                rows = b"".join(row % r for r in range(2, 1_000_001))
                data = head + header + rows + b"</sheetData></worksheet>"
            dst.writestr(item.filename, data)
    assert path.stat().st_size < 10 * 2**20
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as exc:
        import_orders(center, path, now=NOW)
    assert time.monotonic() - started < 10
    assert str(exc.value) == (
        "million.xlsx: more than 20,000 rows: split the file into parts of at most 20,000"
    )
    assert orders.count(center) == 0


def test_a_dimension_that_understates_the_rows_does_not_hide_rows(
    center: Session, tmp_path: Path
) -> None:
    """openpyxl believes a sheet's <dimension>; a file claiming 2 rows must not import 2 of 4."""
    seed = write_xlsx(tmp_path / "seed.xlsx", good_rows())
    path = tmp_path / "short.xlsx"
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:H2"', data)
            dst.writestr(item.filename, data)
    assert len(import_orders(center, path, now=NOW).created) == 3


def test_import_queries_do_not_grow_with_the_rows(center: Session, tmp_path: Path) -> None:
    """20,000 rows imported in 445 s when member, compound and next number were queried (and
    the generated numbers searched) for every row; now they are asked once per file."""
    statements: list[str] = []
    engine = center.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        import_orders(center, _many_rows(tmp_path / "many.xlsx", 300), now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) < 30, selects[:40]
    assert orders.count(center) == 300


def test_import_warns_of_a_due_date_before_the_earliest_completion(
    center: Session, tmp_path: Path
) -> None:
    """Accepted, with a warning naming the earliest possible completion."""
    rows = [
        ["A-0001", "M01", "BELT-NR-01", "final", 12000, NOW + timedelta(minutes=30), None, ""],
        ["A-0002", "M01", "BELT-NR-01", "final", 800, DUE, None, ""],
    ]
    result = import_orders(center, write_xlsx(tmp_path / "o.xlsx", rows), now=NOW)
    assert result.created == ["A-0001", "A-0002"]
    assert len(result.warnings) == 1
    assert "A-0001" in result.warnings[0] and "earliest possible completion" in result.warnings[0]
    assert "warning: order A-0001" in str(result)
