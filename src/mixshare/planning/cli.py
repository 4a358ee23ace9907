"""``mixshare prices``: the planning prices of the money objective (versioned reference data)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mixshare.cli_common import exit_on_error
from mixshare.db import session_scope
from mixshare.planning import prices

prices_app = typer.Typer(
    help="Planning prices (yuan) the money objective adds up; versioned like tariffs.",
    no_args_is_help=True,
)
console = Console(highlight=False)


@prices_app.command("list")
def list_prices() -> None:
    """Every version of the planning prices, latest first."""
    table = Table(title="计划价格 / planning prices (yuan)")
    for column in ("code", "from", "to", "cleaning material", "cleaning kWh",
                   "changeover / h", "lateness / t·h", "source"):  # fmt: skip
        table.add_column(column, overflow="fold")
    with session_scope() as session:
        for version in prices.get_all(session):
            row = prices.read(version)
            table.add_row(
                escape(row["code"]), row["valid_from"], row["valid_to"] or "",
                f"{row['cleaning_material_yuan']:,.2f}", f"{row['cleaning_kwh']:,.1f}",
                f"{row['changeover_hour_yuan']:,.2f}", f"{row['lateness_tonne_hour_yuan']:,.2f}",
                escape(row["source"]),
            )  # fmt: skip
    console.print(table)


@prices_app.command("add")
def add_prices(
    code: Annotated[str, typer.Option(help="Code of the version, e.g. CENTER-2027.")],
    valid_from: Annotated[str, typer.Option("--valid-from", help="First day (YYYY-MM-DD).")],
    cleaning_material: Annotated[
        float, typer.Option("--cleaning-material", help="Yuan of net compound per cleaning batch.")
    ],
    cleaning_kwh: Annotated[float, typer.Option("--cleaning-kwh", help="kWh per cleaning batch.")],
    changeover_hour: Annotated[
        float, typer.Option("--changeover-hour", help="Yuan per hour of changeover line time.")
    ],
    lateness: Annotated[
        float,
        typer.Option("--lateness", help="Yuan per tonne-hour late at member priority weight 1."),
    ],
    source: Annotated[str, typer.Option(help="Where the figures come from.")],
) -> None:
    """Add a version; the version before it ends the day before ``--valid-from``."""
    data = {
        "code": code, "valid_from": valid_from, "cleaning_material_yuan": cleaning_material,
        "cleaning_kwh": cleaning_kwh, "changeover_hour_yuan": changeover_hour,
        "lateness_tonne_hour_yuan": lateness, "source": source,
    }  # fmt: skip
    with exit_on_error(ValueError):
        date.fromisoformat(valid_from)
        with session_scope() as session:
            prices.create(session, data)
    console.print(f"planning prices {escape(code)} in force from {valid_from}")
