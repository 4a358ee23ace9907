"""Reading ``.xlsx`` and ``.csv`` files into rows with provenance, and writing simple sheets.

Importers see every row as a :class:`SheetRow` that knows its file, sheet and row number, so
each problem they report can name the exact cell. A file that cannot be read at all (not a
spreadsheet, empty, header columns missing) is rejected as a whole with ``ValidationFailed``
naming the file.

Files are bounded before they are expanded: at most ``MAX_FILE_BYTES`` on disk and
``MAX_XLSX_EXPANDED_BYTES`` unzipped, and at most ``MAX_ROWS`` data rows, so a small
file that unzips to millions of rows is rejected in a second instead of running for
minutes. At most ``MAX_PROBLEMS`` problems are listed ("... and N more").

Every export writes its cells through :func:`append_row`: text from users is always a text
cell, never a formula, and characters an .xlsx cannot hold are replaced, so one member's
note can neither run in a colleague's Excel nor break the export for the whole center.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ValidationError

from mixshare.errors import Problem, ValidationFailed, pydantic_problems

M = TypeVar("M", bound=BaseModel)
Cell = str | int | float | bool | datetime | date | time | None

MAX_ROWS = 20_000  # data rows per file: ten times a busy month of the whole center
MAX_RAW_ROWS = 100_000  # rows read at all, blank ones included
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_XLSX_EXPANDED_BYTES = 200 * 1024 * 1024  # a zip bomb is refused before it is unzipped
MAX_PROBLEMS = 200
ROW_START = re.compile(rb"<(?:\w+:)?row[\s/>]")  # <row ...>, also with a namespace prefix


@dataclass(frozen=True)
class SheetRow:
    """One data row: ``values`` maps column key to the cell (``None`` when empty)."""

    file: str
    sheet: str
    number: int  # as the user sees it: the header is row 1
    values: dict[str, Cell]

    def location(self, column: str | None = None) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        parts.append(f"row {self.number}")
        if column:
            parts.append(f"column {column}")
        return ", ".join(parts)

    def problem(self, column: str | None, message: str) -> Problem:
        """A problem with one cell, carrying the cell's value as written."""
        value = self.values.get(column) if column else None
        return Problem(self.location(column), message, "" if value is None else str(value))


@dataclass
class ImportResult:
    """What an import did; ``created`` lists the keys (order numbers, compound keys) written."""

    file: str
    rows: int
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # reference data changed in place
    # Accepted, but worth a look (an order due before it can be done): one sentence each.
    warnings: list[str] = field(default_factory=list)
    # Initial passwords of new users (username → password): shown once by the caller, never
    # stored or logged, so kept out of the text and the repr.
    passwords: dict[str, str] = field(default_factory=dict, repr=False)

    def __str__(self) -> str:
        """One line for the CLI: ``orders.xlsx: 12 rows, 12 created (A-1 … A-12)``."""
        text = f"{self.file}: {self.rows} rows, {len(self.created)} created"
        if self.created:
            shown = (
                self.created[0]
                if len(self.created) == 1
                else (f"{self.created[0]} … {self.created[-1]}")
            )
            text += f" ({shown})"
        if self.updated:
            text += f", {len(self.updated)} updated"
        if self.unchanged:
            text += f", {len(self.unchanged)} unchanged"
        for warning in self.warnings:
            text += f"\nwarning: {warning}"
        return text


def normalise_header(text: object) -> list[str]:
    """Keys a header cell may stand for: ``"数量 kg / quantity_kg"`` → both parts, lowercased.

    Headers may be bilingual; any part that matches a known column or alias is accepted.
    """
    if text is None:
        return []
    raw = str(text).replace("\n", "/")
    parts = [p.strip().lower() for p in raw.split("/")]
    return [p for p in [str(text).strip().lower(), *parts] if p]


def _column_map(
    header: Sequence[object], columns: Sequence[str], aliases: Mapping[str, str]
) -> dict[int, str]:
    """Position → column key for the header cells that name a known column."""
    known = {c.lower(): c for c in columns} | {a.lower(): c for a, c in aliases.items()}
    mapping: dict[int, str] = {}
    for index, text in enumerate(header):
        for candidate in normalise_header(text):
            if candidate in known and known[candidate] not in mapping.values():
                mapping[index] = known[candidate]
                break
    return mapping


def _reject(path: Path, message: str) -> ValidationFailed:
    return ValidationFailed([Problem(path.name, message)])


def _too_many_rows(path: Path) -> ValidationFailed:
    return _reject(
        path, f"more than {MAX_ROWS:,} rows: split the file into parts of at most {MAX_ROWS:,}"
    )


def _bounded(path: Path, rows: Iterable[tuple[Cell, ...]]) -> list[tuple[Cell, ...]]:
    """The rows, or ``ValidationFailed`` as soon as there are too many (never all of them)."""
    table: list[tuple[Cell, ...]] = []
    filled = 0
    for row in rows:
        table.append(row)
        filled += any(c is not None for c in row)
        if filled > MAX_ROWS + 1 or len(table) > MAX_RAW_ROWS:  # + 1: the header
            raise _too_many_rows(path)
    return table


def _rows_in_sheet_xml(stream: IO[bytes], limit: int) -> int:
    """How many ``<row>`` elements the sheet XML holds, counting no further than ``limit``.

    openpyxl scans a whole sheet that lacks its ``<dimension>`` element before the first row
    is returned (a minute for 2 M rows), so rows are counted here first, on the raw stream.
    """
    count, pending = 0, b""
    while chunk := stream.read(2**20):
        pending += chunk
        cut = pending.rfind(b"<")  # a tag that starts before the last "<" is whole
        done, pending = (pending[:cut], pending[cut:]) if cut > 0 else (pending, b"")
        count += len(ROW_START.findall(done))
        if count > limit:
            return count
    return count + len(ROW_START.findall(pending))


def _check_archive(path: Path) -> None:
    """Refuse a workbook that unzips too far or holds too many rows, before openpyxl reads it."""
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
            if expanded > MAX_XLSX_EXPANDED_BYTES:
                mib = MAX_XLSX_EXPANDED_BYTES // 2**20
                raise _reject(path, f"unzips to more than {mib} MiB; split the file")
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as stream:
                        if _rows_in_sheet_xml(stream, MAX_RAW_ROWS) > MAX_RAW_ROWS:
                            raise _too_many_rows(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _reject(path, f"not a readable .xlsx workbook ({exc.__class__.__name__})") from exc


def _data_sheet(path: Path, names: list[str], wanted: str | None) -> str:
    """``wanted`` if the book has it, else the first sheet that is not help or example."""
    if wanted is not None and wanted in names:
        return wanted
    data = [n for n in names if n not in (HELP_SHEET, EXAMPLE_SHEET)]
    if not data:
        raise _reject(path, f"no sheet to import (the {EXAMPLE_SHEET} sheet is never imported)")
    return data[0]


def _xlsx_table(path: Path, sheet: str | None) -> tuple[str, list[tuple[Cell, ...]]]:
    _check_archive(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise _reject(path, f"not a readable .xlsx workbook ({exc.__class__.__name__})") from exc
    try:
        chosen = _data_sheet(path, book.sheetnames, sheet)
        data = book[chosen]
        # A <dimension> that claims fewer rows than the sheet holds would make openpyxl stop
        # early and skip rows silently; the rows were counted above, so read them all.
        data.reset_dimensions()
        table = _bounded(path, (tuple(r) for r in data.iter_rows(values_only=True)))
    finally:
        book.close()
    return chosen, table


def _csv_table(path: Path) -> list[tuple[Cell, ...]]:
    try:
        # utf-8-sig drops the BOM that Excel writes with "CSV UTF-8".
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _reject(path, "not UTF-8 text; save the file as 'CSV UTF-8'") from exc
    except OSError as exc:
        raise _reject(path, f"cannot be read ({exc.strerror})") from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    cells = (tuple(cell.strip() or None for cell in row) for row in reader)
    try:
        return _bounded(path, cells)
    except csv.Error as exc:  # a cell over the csv module's 128 KiB limit, a stray NUL, ...
        raise ValidationFailed(
            [Problem(f"{path.name}, row {reader.line_num}", f"cannot be read as CSV ({exc})")]
        ) from exc


def _rows(
    path: Path, sheet_name: str, table: list[tuple[Cell, ...]], mapping: dict[int, str]
) -> Iterator[SheetRow]:
    for number, cells in enumerate(table[1:], start=2):
        values: dict[str, Cell] = {key: None for key in mapping.values()}
        for index, key in mapping.items():
            if index < len(cells):
                cell = cells[index]
                values[key] = cell.strip() or None if isinstance(cell, str) else cell
        if any(v is not None for v in values.values()):
            yield SheetRow(path.name, sheet_name, number, values)


def read_rows(
    path: str | Path,
    columns: Sequence[str],
    required: Iterable[str],
    sheet: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> list[SheetRow]:
    """Data rows of ``path`` (.xlsx: ``sheet`` or the first sheet; .csv), blank rows skipped.

    ``columns`` are the known column keys; header cells may also use ``aliases``. Unknown
    header columns are ignored. Raises ``ValidationFailed`` naming the file if it is not a
    spreadsheet, has no header row, or lacks a ``required`` column.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise _reject(path, "file not found")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _reject(path, f"larger than {MAX_FILE_BYTES // 2**20} MiB; split the file")
    if suffix == ".xlsx":
        sheet_name, table = _xlsx_table(path, sheet)
    elif suffix == ".csv":
        sheet_name, table = "", _csv_table(path)
    else:
        raise _reject(path, f"unsupported file type {suffix or '(none)'}; use .xlsx or .csv")
    while table and all(c is None for c in table[0]):
        table = table[1:]  # leading blank lines before the header
    if not table:
        raise _reject(path, "the file is empty: no header row")
    mapping = _column_map(table[0], columns, aliases or {})
    missing = [c for c in required if c not in mapping.values()]
    if missing:
        where = f"{path.name}, sheet {sheet_name}" if sheet_name else path.name
        raise ValidationFailed(
            [Problem(where, f"header row lacks required column {c!r}") for c in missing]
        )
    return list(_rows(path, sheet_name, table, mapping))


def rejected(file: str, problems: list[Problem]) -> ValidationFailed:
    """The error for a rejected file: its first ``MAX_PROBLEMS`` problems, and how many more."""
    if len(problems) <= MAX_PROBLEMS:
        return ValidationFailed(problems)
    more = len(problems) - MAX_PROBLEMS
    summary = Problem(file, f"... and {more:,} more problems (the first {MAX_PROBLEMS} are listed)")
    return ValidationFailed([*problems[:MAX_PROBLEMS], summary])


def in_row_order(problem: Problem) -> tuple[int, str]:
    """Sort key: problems by row number (as the file reads), then by where; problems of no
    row (the file, a sheet) first."""
    marker = ", row "
    if marker in problem.location:
        number = problem.location.split(marker, 1)[1].split(",", 1)[0]
        if number.isdigit():
            return int(number), problem.location
    return 0, problem.location


# --- cell conversion: each raises ValueError with a reason a person understands ------------

TRUE_WORDS = {"true", "yes", "y", "1", "x", "是", "有", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "无", "f"}
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def as_text(cell: Cell) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel turns a code like 1001 into 1001.0
    return str(cell).strip() or None


def as_float(cell: Cell) -> float | None:
    if cell is None:
        return None
    if isinstance(cell, bool | datetime | date | time):
        raise ValueError("not a number")
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        try:
            value = float(str(cell).replace(",", "").replace("，", ""))
        except ValueError:
            raise ValueError("not a number") from None
    if not math.isfinite(value):  # "NaN", "inf" and "1e999" parse as floats
        raise ValueError("not a finite number")
    return value


def as_int(cell: Cell) -> int | None:
    value = as_float(cell)
    if value is None:
        return None
    if not value.is_integer():
        raise ValueError("not a whole number")
    return int(value)


def as_bool(cell: Cell) -> bool | None:
    if cell is None or isinstance(cell, bool):
        return cell
    text = str(cell).strip().lower()
    if isinstance(cell, int | float):
        text = str(int(cell)) if float(cell).is_integer() else text
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("not yes/no (use true/false, yes/no, 1/0, 是/否)")


def as_datetime(cell: Cell) -> datetime | None:
    """A date or date-time; a date alone means 00:00 of that day (center local time)."""
    if cell is None:
        return None
    if isinstance(cell, datetime):
        return cell
    if isinstance(cell, date):
        return datetime.combine(cell, time())
    if not isinstance(cell, str):
        raise ValueError("not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    text = cell.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)  # also accepts a UTC offset
    except ValueError:
        raise ValueError("not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)") from None


def convert_cells(
    row: SheetRow, converters: Mapping[str, Callable[[Cell], Any]]
) -> tuple[dict[str, Any], list[Problem]]:
    """Typed values of the row's non-empty cells (one converter per column), and a problem
    for each cell that could not be read."""
    values: dict[str, Any] = {}
    problems = []
    for column, convert in converters.items():
        try:
            value = convert(row.values.get(column))
        except ValueError as exc:
            problems.append(row.problem(column, str(exc)))
            continue
        if value is not None:
            values[column] = value
    return values, problems


# --- writing ---------------------------------------------------------------------------------


def text_cell(sheet: Worksheet, text: str) -> SheetCell:
    """A cell that shows ``text`` exactly and is never a formula.

    openpyxl turns any string starting with "=" into a formula; the cell is made a text cell
    again, and marked with Excel's own quote prefix (the hidden ' that OWASP recommends) so
    that editing it in Excel keeps it text. The value itself stays unchanged, so an export
    imports back as it was. Characters that XML 1.0 cannot carry (NUL, other C0 controls in
    old data) are shown as U+FFFD instead of making the whole workbook fail.
    """
    cell = SheetCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
    cell.data_type = "s"
    if text.startswith(("=", "+", "-", "@", "\t", "\r")):
        cell.quotePrefix = True
    return cell


def append_row(sheet: Worksheet, values: Iterable[object]) -> None:
    """Append a row; every string becomes a :func:`text_cell`, other values stay typed."""
    sheet.append([text_cell(sheet, v) if isinstance(v, str) else v for v in values])


def autosize(sheet: Worksheet, minimum: int = 8, maximum: int = 60) -> None:
    """Fit column widths to the longest cell; CJK characters count double (full width)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = cell.value.isoformat(" ") if isinstance(cell.value, datetime) else cell.value
            longest = max(_display_width(line) for line in str(text).split("\n"))
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width + 2, minimum), maximum)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# Excel forbids "/" in sheet names; the full-width solidus reads the same.
HELP_SHEET = "说明 ／ Help"
# The template's example lives on a sheet of its own, which imports never read.
EXAMPLE_SHEET = "示例 ／ Example"


def write_help_sheet(book: Workbook, rows: Sequence[tuple[str, str, str, str]]) -> None:
    """The help sheet: column, required, 中文说明, English explanation."""
    help_sheet = book.create_sheet(HELP_SHEET)
    append_row(help_sheet, ["列 / Column", "必填 / Required", "说明", "Explanation"])
    for row in rows:
        append_row(help_sheet, row)
    autosize(help_sheet)


# --- one record per row: shared by the reference-data imports (materials, members, rules) ---


def validated_row(
    row: SheetRow, data: Mapping[str, Any], model: type[M], columns: Mapping[str, str]
) -> tuple[M | None, list[Problem]]:
    """``data`` (field → typed value) as ``model``, or the problems located at their cells;
    ``columns`` maps a model field to the column that gave it."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for problem in pydantic_problems(exc):
            field_name = problem.location.split(".")[0]
            column = columns.get(field_name)
            message = (
                "required value is empty"
                if problem.message == "Field required"
                else (problem.message)
            )
            problems.append(
                row.problem(column, message) if column else Problem(row.location(), message)
            )
        return None, problems


def write_template(
    target: str | Path | IO[bytes],
    sheet_name: str,
    headers: Sequence[str],
    example: Iterable[Sequence[object]],
    help_rows: Sequence[tuple[str, str, str, str]],
) -> None:
    """An import template: the empty data sheet with its header, an example sheet (never
    imported) and the help sheet describing every column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = sheet_name
    append_row(sheet, headers)
    sheet.freeze_panes = "A2"
    autosize(sheet)
    sample = book.create_sheet(EXAMPLE_SHEET)
    append_row(sample, headers)
    for values in example:
        append_row(sample, values)
    sample.freeze_panes = "A2"
    autosize(sample)
    write_help_sheet(book, help_rows)
    book.save(target)  # a path or a binary file object (the CLI writes to stdout)
