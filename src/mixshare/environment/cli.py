"""``mixshare ledger environment --month YYYY-MM``: the month's environment ledger as a table or
JSON (the workbook is ``mixshare export environment``)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mixshare.cli_common import exit_on_error
from mixshare.db import session_scope
from mixshare.environment import service

console = Console(highlight=False)
MonthOption = Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")]
FormatOption = Annotated[Literal["table", "json"], typer.Option("--format", help="table or json.")]


def environment(month: MonthOption, format: FormatOption = "table") -> None:
    """VOC (as NMHC) by emission factor and by stack monitoring side by side, particulates,
    limits compared, treatment unit, waste and zero-waste indicators of the month."""
    with exit_on_error(), session_scope() as session:
        document = service.month_document(service.month_ledger(session, month))
    if format == "json":
        print(json.dumps(document, ensure_ascii=False, indent=1))
        return
    _print(document)


def _num(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _print(doc: dict[str, Any]) -> None:
    console.print(f"environment ledger {doc['month']}: rubber input {_num(doc['rubber_input_t'])} t"
                  f" ({doc['rubber_input_basis']})")  # fmt: skip
    table = Table(title="VOC (as NMHC) by method")
    for column in ("method", "kg", "kg/t", "basis"):
        table.add_column(column, justify="right" if column.startswith("kg") else "left")
    factor, stack = doc["voc"]
    classes = " + ".join(f"{c['product_class']} {c['t']:.3f} t × {c['factor_kg_t']} kg/t"
                         for c in factor["classes"]) or "0"  # fmt: skip
    basis = (f"({classes}) × (1 − {factor['capture_efficiency']} × "
             f"{factor['treatment_efficiency']})")  # fmt: skip
    if factor["missing"]:
        basis += f"; missing: {'; '.join(factor['missing'])}"
    table.add_row(factor["method"], _num(factor["kg"]), _num(factor["kg_per_t"]), escape(basis))
    table.add_row(stack["method"], _num(stack["kg"]), _num(stack["kg_per_t"]),
                  f"{stack['hours_read']} of {stack['hours_in_month']} hours read")  # fmt: skip
    pm = doc["particulates"]
    missing = "; missing: " + "; ".join(pm["missing"]) if pm["missing"] else ""
    table.add_row("particulates", _num(pm["kg"]), "", escape(pm["method"] + missing))
    console.print(table)
    limits = Table(title="limits")
    for column in ("parameter", "limit", "readings", "exceedances", "worst", "status", "source"):
        limits.add_column(column)
    for c in doc["limits"]:
        bound = "≤" if c["bound"] == "max" else "≥"
        source = c["source"] + ("" if c["verified"] else " [not verified]")
        limit = f"{bound} {c['limit']:g} {c['unit']}"
        counts = (str(c["readings"]), str(c["exceedances"]), _num(c["worst"], 1))
        limits.add_row(c["parameter"], limit, *counts, c["status"], escape(source))
    console.print(limits)
    indicators = Table(title="zero-waste indicators (per tonne of rubber input)")
    indicators.add_column("indicator")
    indicators.add_column("value", justify="right")
    for name, value in doc["zero_waste_indicators"].items():
        indicators.add_row(name, _num(value))
    console.print(indicators)
