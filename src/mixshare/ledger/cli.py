"""``mixshare ledger energy --month YYYY-MM``: the month's energy ledger as JSON or tables."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mixshare.cli_common import err
from mixshare.db import session_scope
from mixshare.errors import MixshareError
from mixshare.ledger import service
from mixshare.tariffs.models import PERIODS

ledger_app = typer.Typer(help="Energy and environment ledgers.", no_args_is_help=True)
console = Console(highlight=False)

MonthOption = Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")]
FormatOption = Annotated[Literal["table", "json"], typer.Option("--format", help="table or json.")]
MemberOption = Annotated[
    str | None, typer.Option("--member", help="Only this member's batches (code, e.g. M03).")
]


baseline_app = typer.Typer(
    help="Members' frozen pre-center baselines (entered once).", no_args_is_help=True
)


def _fail(exc: MixshareError) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    return typer.Exit(1)


@baseline_app.command("set")
def set_baseline(
    member: Annotated[str, typer.Option("--member", help="Member code, e.g. M03.")],
    kwh_per_t: Annotated[float, typer.Option("--kwh-per-t", help="Own mixing kWh per tonne.")],
    t_per_h: Annotated[float, typer.Option("--t-per-h", help="Own tonnes per mixer hour.")],
    period: Annotated[str, typer.Option("--period", help="e.g. 2024, own mixing room.")],
    source: Annotated[str, typer.Option("--source", help="Where the figures come from.")],
    voc_kg_per_t: Annotated[
        float | None, typer.Option("--voc-kg-per-t", help="Own VOC kg per tonne.")
    ] = None,
    voc_method: Annotated[
        Literal["emission_factor", "stack"], typer.Option("--voc-method")
    ] = "emission_factor",
) -> None:
    """Freeze a member's baseline (kWh/t, t/h, VOC kg/t by a method); it cannot be changed."""
    from mixshare.ledger import claims

    data = {
        "member": member, "kwh_per_t": kwh_per_t, "tonnes_per_hour": t_per_h,
        "voc_kg_per_t": voc_kg_per_t, "voc_method": voc_method, "period": period,
        "source": source,
    }  # fmt: skip
    try:
        with session_scope() as session:
            claims.set_baseline(session, data)
    except MixshareError as exc:
        raise _fail(exc) from exc
    console.print(f"baseline of {escape(member)} frozen")


@baseline_app.command("list")
def list_baselines() -> None:
    """Every member's frozen baseline."""
    from mixshare.ledger import claims

    table = Table(title="member baselines")
    for column in ("member", "kWh/t", "t/h", "VOC kg/t", "method", "period", "source"):
        table.add_column(column)
    with session_scope() as session:
        for code, b in claims.baselines(session):
            table.add_row(
                code, f"{b.kwh_per_t:g}", f"{b.tonnes_per_hour:g}",
                "" if b.voc_kg_per_t is None else f"{b.voc_kg_per_t:g}",
                b.voc_method, escape(b.period), escape(b.source),
            )  # fmt: skip
    console.print(table)


def claims_command(month: MonthOption, format: FormatOption = "table") -> None:
    """The center's claims for the month (energy -x %, VOC -y %, efficiency xz) per member
    and overall against the members' frozen baselines, with method and data."""
    from mixshare.ledger import claims

    try:
        with session_scope() as session:
            result = claims.month_claims(session, month=month)
    except MixshareError as exc:
        raise _fail(exc) from exc
    if format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"claims {month}")
    for column in ("member", "t", "energy %", "efficiency x", "VOC %"):
        table.add_column(column, justify="left" if column == "member" else "right")
    for code, claim in result["members"].items():
        table.add_row(
            code, _num(claim["data"]["tonnes"], 1), _num(claim["energy"]["change_pct"], 1),
            _num(claim["efficiency"]["factor"], 2), _num(claim["voc"]["change_pct"], 1),
        )  # fmt: skip
    overall = result["overall"]
    table.add_row(
        "overall", _num(overall["tonnes"], 1), _num(overall["energy_change_pct"], 1),
        _num(overall["efficiency_factor"], 2), _num(overall["voc_change_pct"], 1),
    )  # fmt: skip
    console.print(table)
    for name, text in result["methods"].items():
        console.print(f"{name}: {text}")
    for line in result["missing"]:
        console.print(f"missing: {escape(line)}")


@ledger_app.command("energy")
def energy(month: MonthOption, format: FormatOption = "table", member: MemberOption = None) -> None:
    """kWh, TOU cost, kWh/t, kgce/t and CO2 of the month by line, member, compound, stage and
    day; peak demand per line; meter readings reconciled (the allocation rule is printed)."""
    try:
        with session_scope() as session:
            member_id = service.member_id_of(session, member) if member else None
            ledger = service.energy_ledger(session, month=month, member_id=member_id)
    except MixshareError as exc:
        raise _fail(exc) from exc
    if format == "json":
        print(json.dumps(ledger, ensure_ascii=False, indent=1))
        return
    _print_tables(ledger)


def _num(value: Any, digits: int = 2) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _figures_table(title: str, rows: list[dict[str, Any]], key: str) -> Table:
    table = Table(title=title)
    for column in (key, "batches", "t", "kWh", "yuan", "kWh/t", "kgce/t", "kgCO2/t"):
        table.add_column(column, justify="left" if column == key else "right")
    for row in rows:
        table.add_row(
            escape(str(row.get(key, "total"))),
            str(row["batches"]),
            _num(row["tonnes"], 1),
            _num(row["kwh"], 0),
            _num(row["cost_yuan"]),
            _num(row["kwh_per_t"], 1),
            _num(row["kgce_per_t"], 2),
            _num(row["co2_kg_per_t"], 1),
        )
    return table


def _period_table(title: str, rows: list[dict[str, Any]], key: str, field: str) -> Table:
    """kWh (or yuan) by TOU period, a row per group: only the periods that occur."""
    periods = [p for p in PERIODS if any(p in row[field] for row in rows)]
    table = Table(title=title)
    for column in (key, *periods):
        table.add_column(column, justify="left" if column == key else "right")
    for row in rows:
        cells = (_num(row[field].get(p), 0 if field == "kwh_by_period" else 2) for p in periods)
        table.add_row(escape(str(row.get(key, "total"))), *cells)
    return table


def _print_tables(ledger: dict[str, Any]) -> None:
    who = f" · {ledger['member']}" if ledger["member"] else ""
    console.print(f"[bold]energy ledger {ledger['month']}{who}[/bold]")
    totals = {**ledger["totals"], "member": "total"}
    console.print(_figures_table("total", [ledger["totals"]], "total"))
    for section, key in (("by_line", "line"), ("by_member", "member"), ("by_stage", "stage")):
        console.print(_figures_table(section.replace("_", " "), ledger[section], key))
    console.print(_figures_table("by compound", ledger["by_compound"], "compound"))
    members = [*ledger["by_member"], totals]
    console.print(_period_table("kWh by TOU period", members, "member", "kwh_by_period"))
    console.print(_period_table("yuan by TOU period", members, "member", "cost_by_period"))
    if "peak_demand" in ledger:
        peaks = Table(title="peak demand (max 15-min mean kW, batch curves)")
        for column in ("line", "kW", "interval start"):
            peaks.add_column(column)
        for peak in ledger["peak_demand"]:
            peaks.add_row(peak["line"], _num(peak["peak_kw"], 1), peak["interval_start"])
        console.print(peaks)
    _print_meters(ledger["meters"])
    for kind, versions in ledger["factors"].items():
        for f in versions:
            flag = "verified" if f["verified"] else "NOT verified"
            console.print(
                f"factor {kind}: {f['value']} {f['unit']} from {f['valid_from']} "
                f"({escape(f['source'])}; {flag})"
            )
    console.print("t: " + ledger["definitions"]["tonnes"])


def _print_meters(meters: dict[str, Any]) -> None:
    table = Table(title="meter reconciliation")
    for column in ("line", "meter", "from", "to", "meter kWh", "batch kWh", "difference kWh"):
        table.add_column(column)
    for row in meters["lines"]:
        table.add_row(
            row["line"],
            escape(row["meter"]),
            row["from"],
            row["to"],
            _num(row.get("meter_kwh"), 1),
            _num(row["batch_kwh"], 1),
            _num(row.get("difference_kwh"), 1),
        )
    console.print(table)
    if not meters["lines"]:
        console.print("no meter readings this month (mixshare import meter-readings FILE)")
    allocated = ", ".join(f"{m} {v:,.1f} kWh" for m, v in meters["allocated_kwh_by_member"].items())
    console.print(f"difference allocated: {allocated or '-'}")
    console.print(f"rule: {meters['rule']}")
