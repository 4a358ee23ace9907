"""``mixshare share-costs``: the month's cost game and its allocations."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mixshare.cli_common import exit_on_error
from mixshare.db import session_scope
from mixshare.errors import MixshareError
from mixshare.sharing import service as sharing
from mixshare.sharing.schemas import parse_month


def share_costs(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    format: Annotated[str, typer.Option(help="table or json")] = "table",
    source: Annotated[
        str,
        typer.Option(
            help="Demand from batches (mixed), orders (due) or auto (batches once the month is"
            " over)."
        ),
    ] = "auto",
) -> None:
    """Share the month's fixed costs: every coalition's stand-alone cost, Shapley value,
    nucleolus and tonnage shares, and the coalitions each rule gives a reason to leave."""
    with exit_on_error(ValueError):
        first = parse_month(month)
        if source not in ("auto", "batches", "orders"):
            raise MixshareError(f"--source must be auto, batches or orders, got {source!r}")
        if format not in ("table", "json"):
            raise MixshareError(f"--format must be table or json, got {format!r}")
        with session_scope() as session:
            result = sharing.share(session, first, source)  # type: ignore[arg-type]
            if format == "json":
                sys.stdout.write(json.dumps(sharing.as_json(result), ensure_ascii=False) + "\n")
                return
            _print_tables(result)


def _print_tables(result: sharing.Sharing) -> None:
    console = Console()
    whole = result.designs["*"]
    console.print(
        f"{result.month:%Y-%m}: demand from {result.source}, cost model valid from"
        f" {result.version.valid_from:%Y-%m}, {result.operating_days:g} operating days; the"
        f" shared center: {whole.lines} line(s) × {whole.shifts} shift(s),"
        f" {whole.treatment_units} treatment unit(s), {result.total:,.2f} yuan"
    )
    table = Table("member", "t", "line h", "alone", "center alone", *sharing.RULES)
    for share in sharing.member_shares(result):
        design = share.design
        table.add_row(
            share.member,
            f"{share.tonnes:,.1f}",
            f"{share.hours:,.1f}",
            f"{share.stand_alone:,.2f}",
            f"{design.lines}×{design.shifts}",
            *(f"{share.shares[rule]:,.2f}" for rule in sharing.RULES),
        )
    console.print(table)
    for rule in sharing.RULES:
        masks = result.blocking[rule]
        names = sharing.as_json(result)["core"][rule]["blocking"] if masks else []
        shown = ", ".join(names[:10]) + (f" … ({len(names)} in all)" if len(names) > 10 else "")
        console.print(f"{rule}: " + ("in the core" if not masks else f"blocked by {shown}"))
