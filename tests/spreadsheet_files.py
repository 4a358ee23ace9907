"""Spreadsheets for the import tests: a workbook with one data sheet, and what a downloaded
template holds (the columns its help sheet documents, the example sheet's header and rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook

from mixshare.spreadsheets import EXAMPLE_SHEET, HELP_SHEET


def write_xlsx(path: Path, title: str, header: Sequence[object], rows: list[list[object]]) -> Path:
    """A workbook at ``path`` whose one sheet ``title`` holds ``header`` and ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@dataclass(frozen=True)
class Template:
    sheetnames: list[str]
    documented: set[object]  # the first column of the help sheet: the columns it explains
    header: list[str]  # the example sheet's
    example: list[list[object]]


def read_template(path: Path) -> Template:
    book = load_workbook(path)
    help_rows = book[HELP_SHEET].iter_rows(min_row=2, values_only=True)
    example = book[EXAMPLE_SHEET]
    header = next(example.iter_rows(max_row=1, values_only=True))
    return Template(
        sheetnames=book.sheetnames,
        documented={row[0] for row in help_rows},
        header=[str(cell) for cell in header],
        example=[list(row) for row in example.iter_rows(min_row=2, values_only=True)],
    )
