"""``mixshare certificate DELIVERY -o FILE.pdf`` and ``mixshare deliveries``: thin commands over
:mod:`mixshare.stock` (registered by :mod:`mixshare.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mixshare.cli_common import exit_on_error
from mixshare.db import session_scope
from mixshare.stock import certificate as certificates
from mixshare.stock import service

console = Console(highlight=False)


def certificate(
    delivery: Annotated[str, typer.Argument(help="The delivery's number (or id).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF file to write.")],
) -> None:
    """Write a delivery's certificate of analysis (zh-CN and English) as a PDF."""
    with exit_on_error(), session_scope() as session:
        found = service.delivery_by_number(session, delivery)
        data = certificates.pdf_of(session, found)
        number, batches = found.number, len(found.batches)
    output.write_bytes(data)
    console.print(f"{escape(str(output))}: certificate of {number}, {batches} batches")


def deliveries(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 20,
) -> None:
    """The latest deliveries (number, member, time, batches, kg)."""
    table = Table("delivery", "member", "delivered", "batches", "kg")
    with session_scope() as session:
        rows, total = service.list_deliveries(session, None, limit=limit)
        for d in rows:
            kg = f"{service.delivered_kg(d):,.1f}"
            table.add_row(d.number, d.member.code, f"{d.delivered_at:%Y-%m-%d %H:%M}",
                          str(len(d.batches)), kg)  # fmt: skip
    console.print(table)
    console.print(f"{total} deliveries")
