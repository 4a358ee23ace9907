"""Importing a contract version from .csv/.xlsx (``mixshare import contract FILE``).

One row per price, like the tariff import: rows are grouped by contract code, and the
version's own values (name, valid_from, sharing_rule, storage_free_days, source) are read from
the group's first row (later rows may leave them empty but not contradict them). A code that
exists already is left alone when the file gives the same version, and refused otherwise
(versions are not edited: a change is a new code valid from a later month). Every problem
names its file, row and column; nothing is written unless the whole file is clean.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from mixshare.billing import contracts
from mixshare.billing.schemas import ContractIn, PriceIn
from mixshare.errors import Problem, ValidationFailed, pydantic_problems
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    as_float,
    as_text,
    convert_cells,
    read_rows,
    rejected,
    validated_row,
    write_template,
)

SHEET = "Contract"
CONTRACT_LEVEL = ("contract", "name", "valid_from", "sharing_rule", "storage_free_days", "source")
PRICE_LEVEL = ("item", "key", "stage", "price")
COLUMNS = (*CONTRACT_LEVEL, *PRICE_LEVEL)
REQUIRED = ("contract", "item", "price")
ALIASES = {
    "合同": "contract",
    "code": "contract",
    "名称": "name",
    "生效月份": "valid_from",
    "分摊规则": "sharing_rule",
    "免费存放天数": "storage_free_days",
    "依据": "source",
    "项目": "item",
    "类别": "key",
    "段": "stage",
    "价格": "price",
}
HEADERS = {
    "contract": "合同版本代码 / contract",
    "name": "名称 / name",
    "valid_from": "生效月份 / valid_from",
    "sharing_rule": "固定费用分摊规则 / sharing_rule",
    "storage_free_days": "免费存放天数 / storage_free_days",
    "source": "依据 / source",
    "item": "收费项目 / item",
    "key": "类别 / key",
    "stage": "段 / stage",
    "price": "价格 元 / price",
}
HELP = [
    ("contract", "是 / yes", "合同版本代码，如 C-2027-01", "Contract version code, e.g. C-2027-01"),
    ("name", "首行 / first row", "名称", "Name"),
    (
        "valid_from",
        "首行 / first row",
        "生效月份 YYYY-MM（月初生效，至下一版本）",
        "First month in force, YYYY-MM (until the next version)",
    ),
    (
        "sharing_rule",
        "首行 / first row",
        "固定费用分摊：shapley / nucleolus / proportional",
        "How the fixed costs are shared: shapley, nucleolus or proportional (tonnes)",
    ),
    (
        "storage_free_days",
        "否 / no",
        "入库后免费存放天数，默认 0",
        "Days in store free of charge after mixing, default 0",
    ),
    ("source", "否 / no", "依据（合同编号、会议纪要）", "Source (contract number, minutes)"),
    (
        "item",
        "是 / yes",
        "tolling 加工费 元/吨；cleaning 洗车胶 元/车；lab_test 检验 元/项；storage 仓储 元/吨·天；"
        "fixed 固定费用 元/月",
        "tolling yuan/t; cleaning yuan per cleaning batch; lab_test yuan per test; storage yuan "
        "per tonne-day; fixed yuan a month",
    ),
    (
        "key",
        "视项目 / per item",
        "tolling：胶料类别（产品类别代码）；lab_test：检验方法代码或 *；"
        "fixed：费用名称（折旧、人工、废气处理、管理费）",
        "tolling: compound class (product class code); lab_test: test method code or *; fixed: "
        "cost item (depreciation, staff, treatment, overheads)",
    ),
    ("stage", "tolling", "段：MB / RM / FB（仅加工费）", "Stage MB, RM or FB (tolling only)"),
    ("price", "是 / yes", "价格，元", "Price in yuan"),
    (
        "",
        "",
        "每行一个价格；同一合同的多行按代码归组。能耗按各成员自己批次的分时电费转嫁，无需价格。",
        "One row per price; rows are grouped by contract code. Energy is passed through at the "
        "TOU cost of each member's own batches and needs no price.",
    ),
    (
        "",
        "",
        f"只导入 {SHEET} 工作表；“{EXAMPLE_SHEET}”工作表仅为示例。"
        "任何一行有错误，则整个文件都不导入。",
        f"Only the {SHEET} sheet is imported; the '{EXAMPLE_SHEET}' sheet is an example. If any "
        "row has an error, nothing is imported.",
    ),
]
EXAMPLE = [
    (
        "C-2027-01",
        "加工合同 2027",
        "2027-01",
        "shapley",
        3,
        "董事会 2026-12",
        "tolling",
        "sheet_hose_belt",
        "MB",
        180,
    ),
    ("C-2027-01", None, None, None, None, None, "tolling", "sheet_hose_belt", "FB", 150),
    ("C-2027-01", None, None, None, None, None, "cleaning", None, None, 1500),
    ("C-2027-01", None, None, None, None, None, "lab_test", "*", None, 35),
    ("C-2027-01", None, None, None, None, None, "storage", None, None, 4),
    ("C-2027-01", None, None, None, None, None, "fixed", "depreciation", None, 300000),
]
CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "contract": as_text,
    "name": as_text,
    "valid_from": as_text,
    "sharing_rule": as_text,
    "storage_free_days": as_float,
    "source": as_text,
    "item": as_text,
    "key": as_text,
    "stage": as_text,
    "price": as_float,
}
PRICE_COLUMNS = {"item": "item", "key": "key", "stage": "stage", "price": "price"}


def _valid_from(cell: Cell) -> str | None:
    """A month as YYYY-MM (a date cell, or text YYYY-MM or YYYY-MM-01)."""
    if cell is None:
        return None
    if hasattr(cell, "strftime"):
        return f"{cell:%Y-%m-%d}"
    return as_text(cell)


CONVERTERS["valid_from"] = _valid_from


def _price(row: SheetRow, values: dict[str, Any]) -> tuple[PriceIn | None, list[Problem]]:
    data = {k: values[k] for k in PRICE_LEVEL if k in values}
    return validated_row(row, data, PriceIn, PRICE_COLUMNS)


def _header(
    rows: list[SheetRow], values: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[Problem]]:
    """The version's own values from the group's first row; later rows must agree."""
    header = {k: values[0].get(k) for k in CONTRACT_LEVEL if values[0].get(k) is not None}
    problems = []
    for row, row_values in zip(rows[1:], values[1:], strict=True):
        for column in CONTRACT_LEVEL:
            given = row_values.get(column)
            if given is not None and given != header.get(column):
                message = f"contradicts the contract's first row (row {rows[0].number})"
                problems.append(row.problem(column, message))
    return header, problems


def _contract(
    rows: list[SheetRow], values: list[dict[str, Any]], prices: list[PriceIn]
) -> tuple[ContractIn | None, list[Problem]]:
    header, problems = _header(rows, values)
    seen: dict[tuple[str, str, str], int] = {}
    for row, price in zip(rows, prices, strict=True):
        key = (price.item, price.key, price.stage)
        if key in seen:
            problems.append(row.problem("item", f"the same price is given in row {seen[key]}"))
        seen.setdefault(key, row.number)
    if problems:
        return None, problems
    data = {
        "code": header.get("contract"),
        "name": header.get("name"),
        "valid_from": header.get("valid_from"),
        "sharing_rule": header.get("sharing_rule"),
        "storage_free_days": header.get("storage_free_days", 0.0),
        "source": header.get("source", ""),
        "prices": prices,
    }
    try:
        return ContractIn.model_validate(data), []
    except ValidationError as exc:
        first = rows[0]
        columns = {"code": "contract", "storage_free_days": "storage_free_days"}
        return None, [
            first.problem(
                columns.get(p.location.split(".")[0], p.location.split(".")[0]), p.message
            )
            if p.location.split(".")[0] in CONTRACT_LEVEL or p.location.split(".")[0] in columns
            else Problem(first.location(), p.message)
            for p in pydantic_problems(exc)
        ]


def _located(problems: list[Problem], rows: list[SheetRow]) -> list[Problem]:
    """Reference problems (``prices.N.key``) at the row and column that gave them."""
    located = []
    for problem in problems:
        parts = problem.location.split(".")
        if len(parts) == 3 and parts[0] == "prices" and parts[1].isdigit():
            row = rows[int(parts[1])]
            located.append(Problem(row.location(parts[2]), problem.message, problem.value))
        else:
            column = {"code": "contract", "valid_from": "valid_from"}.get(parts[0])
            located.append(Problem(rows[0].location(column), problem.message, problem.value))
    return located


def import_contract(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Import the file's contract versions: all or nothing. The caller commits."""
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    name = Path(path).name
    problems: list[Problem] = []
    groups: dict[str, tuple[list[SheetRow], list[dict[str, Any]], list[PriceIn]]] = {}
    for row in rows:
        values, cell_problems = convert_cells(row, CONVERTERS)
        price, price_problems = _price(row, values) if not cell_problems else (None, [])
        problems += cell_problems + price_problems
        code = values.get("contract")
        if price is None or code is None:
            if code is None and not cell_problems:
                problems.append(row.problem("contract", "required value is empty"))
            continue
        group = groups.setdefault(code, ([], [], []))
        group[0].append(row)
        group[1].append(values)
        group[2].append(price)
    specs = []
    for group_rows, values_list, prices in groups.values():
        spec, group_problems = _contract(group_rows, values_list, prices)
        problems += group_problems
        if spec is not None:
            problems += _located(contracts.reference_problems(session, spec), group_rows)
            specs.append((spec, group_rows))
    if problems:
        raise rejected(name, problems)
    if not rows:
        raise ValidationFailed([Problem(name, "the file holds no contract rows")])
    result = ImportResult(name, len(rows))
    for spec, group_rows in specs:
        try:
            contract, created = contracts.create(session, spec)
        except ValidationFailed as exc:
            raise rejected(name, _located(exc.problems, group_rows)) from exc
        (result.created if created else result.unchanged).append(contract.code)
    return result


def template_contract(target: str | Path | IO[bytes]) -> None:
    write_template(target, SHEET, [HEADERS[c] for c in COLUMNS], EXAMPLE, HELP)
