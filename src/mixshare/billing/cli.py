"""``mixshare statement``: a member's monthly statement (table, JSON, PDF or xlsx), the month's
summary, closing a month and credit notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mixshare.billing import exports, service
from mixshare.cli_common import err, exit_on_error
from mixshare.db import session_scope

statement_app = typer.Typer(
    help="Monthly statements: show or export a member's, close a month, issue credit notes.",
    invoke_without_command=True,
)
console = Console(highlight=False)

Month = Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")]


@statement_app.callback()
def statement(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", help="The month, YYYY-MM.")] = None,
    member: Annotated[
        str | None, typer.Option("--member", help="Member code; without it: the month's summary.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write FILE.pdf or FILE.xlsx.")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """A member's statement of the month: lines with quantity, unit price and amount, and why it
    pays its share of the fixed costs (a draft until the month is closed)."""
    if ctx.invoked_subcommand is not None:
        return
    if month is None:
        err.print("[red]error:[/red] --month YYYY-MM is required")
        raise typer.Exit(2)
    with exit_on_error():
        with session_scope() as session:
            if member is None:
                _print_summary(service.month_summary(session, month=month), format)
                return
            document = service.statement(session, month=month, member=member)
        if output is not None:
            exports.write(document, output)
            console.print(
                f"{escape(str(output))}: statement {month} {escape(member)}, "
                f"{document['total']:,.2f} yuan"
            )
            return
    if format == "json":
        print(json.dumps(document, ensure_ascii=False, indent=1))
        return
    _print_statement(document)


@statement_app.command("close")
def close(month: Month) -> None:
    """Close the month: every member's statement is stored and frozen (corrections become
    credit notes)."""
    with exit_on_error(), session_scope() as session:
        closed = service.close_month(session, month=month)
        total = closed.total_cents / 100
        text = f"{month} closed: {closed.statements} statements, {total:,.2f} yuan"
    console.print(text)


@statement_app.command("credit")
def credit(
    month: Month,
    member: Annotated[str, typer.Option("--member", help="Member code.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (printed on the credit note).")],
    amount: Annotated[
        float | None,
        typer.Option(
            "--amount",
            help="Credit this many yuan; without it: recompute the month "
            "and credit or charge the difference line by line.",
        ),
    ] = None,
) -> None:
    """Issue a credit note on a closed statement (never an edit of it)."""
    with exit_on_error(), session_scope() as session:
        note = service.credit_note(
            session, month=month, member=member, reason=reason, amount=amount
        )
        text = f"{note.number}: {note.total_cents / 100:,.2f} yuan on ST-{month}-{member}"
    console.print(text)


def _num(value: Any, digits: int = 2) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _print_statement(document: dict[str, Any]) -> None:
    status = document["number"] or f"draft as of {document['as_of'] or 'month end'}"
    console.print(
        f"[bold]对账单 statement {document['month']} · {escape(document['member'])} "
        f"{escape(document['member_name'])}[/bold] ({status}; contract "
        f"{escape(document['contract']['code'])}, fixed costs by "
        f"{document['contract']['sharing_rule']})"
    )
    table = Table()
    for column in ("item", "quantity", "unit", "unit price", "amount"):
        table.add_column(column, justify="left" if column in ("item", "unit") else "right")
    for line in document["lines"]:
        table.add_row(
            escape(line["description"]),
            _num(line["quantity"], 3),
            line["unit"],
            _num(line["unit_price"], 4),
            _num(line["amount"]),
        )
    table.add_row("[bold]total[/bold]", "", "", "", f"[bold]{_num(document['total'])}[/bold]")
    console.print(table)
    fixed = document["fixed"]
    if fixed:
        console.print(
            f"fixed costs: stand-alone {_num(fixed['stand_alone'])}, Shapley value "
            f"{_num(fixed['shapley'])} of a game total {_num(fixed['game_total'])}; the "
            f"{fixed['rule']} share of the center's {_num(fixed['pool'])} is "
            f"{_num(fixed['charge'])}: saving {_num(fixed['saving'])} against a center of its own"
        )
    for note in document["credit_notes"]:
        console.print(
            f"credit note {note['number']}: {_num(note['total'])} ({escape(note['reason'])})"
        )
    if document["credit_notes"]:
        console.print(f"balance: {_num(document['balance'])}")


def _print_summary(summary: dict[str, Any], format: str) -> None:
    if format == "json":
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]statements {summary['month']}[/bold] ({summary['status']})")
    table = Table()
    table.add_column("member")
    table.add_column("total", justify="right")
    for member, total in summary["members"].items():
        shown = total if isinstance(total, float) else total["statement"] + total["credit_notes"]
        table.add_row(member, _num(shown))
    table.add_row("[bold]month[/bold]", f"[bold]{_num(summary['total'])}[/bold]")
    console.print(table)
    for category, amount in summary.get("by_category", {}).items():
        console.print(f"{category}: {_num(amount)}")
    if "energy_ledger_cost" in summary:
        console.print(f"energy ledger cost of the month: {_num(summary['energy_ledger_cost'])}")
