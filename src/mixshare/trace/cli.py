"""``mixshare trace raw-lot LOT`` and ``mixshare trace delivery ID``: a Rich table by default,
``--format json`` for the trace API's JSON (registered by :mod:`mixshare.cli`). The CLI acts
as the center: it sees every member's batches."""

from __future__ import annotations

import enum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mixshare.cli_common import exit_on_error
from mixshare.db import session_scope
from mixshare.trace import service
from mixshare.trace.schemas import (
    DeliveryTraceRead,
    RawLotTraceRead,
    TraceBatchRead,
    delivery_read,
    raw_lot_read,
)

trace_app = typer.Typer(
    help="Trace a raw-material lot forward, or a delivery backward.", no_args_is_help=True
)
console = Console(highlight=False)


class Format(enum.StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table (default) or json.")]


@trace_app.command("raw-lot")
def raw_lot(
    lot: Annotated[str, typer.Argument(help="The raw-material lot code, e.g. R-2611-0042.")],
    format: FormatOption = Format.table,
) -> None:
    """Batches that used the lot, batches that consumed those (recursively), deliveries."""
    with exit_on_error(), session_scope() as session:
        read = raw_lot_read(service.trace_raw_lot(session, code=lot))
    if format is Format.json:
        print(read.model_dump_json(indent=2))
        return
    _print_forward(read)


@trace_app.command("delivery")
def delivery(
    key: Annotated[str, typer.Argument(metavar="ID", help="The delivery number (or its id).")],
    format: FormatOption = Format.table,
) -> None:
    """The delivery's batches, what they consumed (recursively), raw lots and lab results."""
    with exit_on_error(), session_scope() as session:
        delivery_id = service.find_delivery(session, key)
        read = delivery_read(service.trace_delivery(session, delivery_id=delivery_id))
    if format is Format.json:
        print(read.model_dump_json(indent=2))
        return
    _print_backward(read)


def _batch_table(title: str, batches: list[TraceBatchRead], extra: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("batch", "line", "stage", "compound", "member"):
        table.add_column(column)
    if extra:
        table.add_column(extra, overflow="fold")  # batch codes in full: they are what is looked up
    for b in batches:
        cells = [b.batch, b.line, b.stage, b.compound, b.member]
        if extra:
            cells.append(", ".join(getattr(b, extra)))
        table.add_row(*(escape(c) for c in cells))
    return table


def _print_forward(read: RawLotTraceRead) -> None:
    console.print(f"raw lot {escape(read.raw_lot)} ({escape(read.material)})")
    console.print(_batch_table(f"{len(read.batches)} batches", read.batches))
    deliveries = Table(title=f"{len(read.deliveries)} deliveries", title_justify="left")
    for column in ("delivery", "member", "batches"):
        deliveries.add_column(column)
    for d in read.deliveries:
        deliveries.add_row(escape(d.delivery), escape(d.member), escape(", ".join(d.batches)))
    console.print(deliveries)


def _print_backward(read: DeliveryTraceRead) -> None:
    when = read.delivered_at.strftime("%Y-%m-%d %H:%M")
    console.print(f"delivery {escape(read.delivery)} to {escape(read.member)} at {when}")
    console.print(_batch_table("delivered batches", list(read.batches), "consumed"))
    console.print(_batch_table("consumed batches", list(read.consumed_batches), "consumed"))
    lots = Table(title="raw lots", title_justify="left")
    for column in ("raw lot", "material", "supplier lot", "batches"):
        lots.add_column(column)
    for u in read.raw_lots:
        name = u.raw_lot if u.received else f"{u.raw_lot} (no receipt)"
        lots.add_row(*(escape(c) for c in (name, u.material, u.supplier_lot, ", ".join(u.batches))))
    console.print(lots)
    results = Table(title="lab results", title_justify="left")
    for column in ("batch", "test", "value", "spec", "in spec"):
        results.add_column(column)
    for r in read.lab_results:
        spec = f"{'' if r.lsl is None else r.lsl}–{'' if r.usl is None else r.usl}"
        verdict = {True: "yes", False: "NO", None: "—"}[r.in_spec]
        results.add_row(
            escape(r.batch), escape(r.test), f"{r.value:g} {escape(r.unit)}", spec, verdict
        )
    console.print(results)
