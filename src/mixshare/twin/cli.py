"""``mixshare twin compare`` and ``mixshare twin claims`` (registered by :mod:`mixshare.cli`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mixshare.db import session_scope
from mixshare.errors import MixshareError
from mixshare.twin import assumptions as assumption_file
from mixshare.twin.claims import claims as judge_claims
from mixshare.twin.data import Settings, TwinInput
from mixshare.twin.results import KPIS, summarise
from mixshare.twin.run import run
from mixshare.twin.source import center_input
from mixshare.twin.tally import ArmResult

twin_app = typer.Typer(
    help="The center's twin: the shared center against every member mixing alone.",
    no_args_is_help=True,
)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

Weeks = Annotated[int, typer.Option(min=1, max=52, help="Weeks of the center's demand.")]
Replications = Annotated[int, typer.Option(min=1, max=200, help="Replications (CI over them).")]
Seed = Annotated[int, typer.Option(help="Seed: the same seed, the same results.")]
Format = Annotated[str, typer.Option("--format", help="table or json")]
Iterations = Annotated[
    int, typer.Option(min=0, help="Engine iterations per re-plan (0: use --engine-time-limit).")
]
TimeLimit = Annotated[float, typer.Option(min=0.1, help="Engine seconds per re-plan (cap).")]
ReplanHours = Annotated[float, typer.Option(min=0, help="Re-plan every N hours (0: plan once).")]
AssumptionsFile = Annotated[
    Path | None, typer.Option(help="Assumptions TOML (default: the shipped one).")
]


def _simulate(
    weeks: int, settings: Settings, assumptions: Path | None
) -> tuple[TwinInput, list[dict[str, ArmResult]]]:
    try:
        with session_scope() as session:
            inp = center_input(session, weeks=weeks)
    except MixshareError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    a = assumption_file.load(assumptions)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )
    with progress:
        task = progress.add_task("replications", total=settings.replications)
        reps = run(inp, settings, a, lambda done, _total: progress.update(task, completed=done))
    return inp, reps


def _settings(
    replications: int, seed: int, iterations: int, time_limit: float, replan_hours: float
) -> Settings:
    return Settings(
        replications=replications,
        seed=seed,
        engine_iterations=iterations,
        engine_time_limit=time_limit,
        replan_hours=replan_hours,
    )


@twin_app.command()
def compare(
    weeks: Weeks = 1,
    replications: Replications = 3,
    seed: Seed = 0,
    fmt: Format = "table",
    engine_iterations: Iterations = 10,
    engine_time_limit: TimeLimit = 2.0,
    replan_hours: ReplanHours = 24.0,
    assumptions: AssumptionsFile = None,
) -> None:
    """Both arms on the stored center's members and demand: KPIs per member and total, mean
    and 95 % confidence interval over the replications."""
    settings = _settings(replications, seed, engine_iterations, engine_time_limit, replan_hours)
    inp, reps = _simulate(weeks, settings, assumptions)
    a = assumption_file.load(assumptions)
    summary = summarise(reps, a, inp.member_codes())
    if fmt == "json":
        doc = {
            "weeks": weeks,
            "replications": replications,
            "seed": seed,
            "assumptions_version": a.version,
            "arms": summary,
        }
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    for member in ("total", *inp.member_codes()):
        table = Table(title=f"{member}: mean [95 % CI] over {replications} replications")
        table.add_column("KPI")
        table.add_column("standalone", justify="right")
        table.add_column("shared", justify="right")
        for kpi in KPIS:
            cells = [_cell(summary, arm, member, kpi) for arm in ("standalone", "shared")]
            table.add_row(kpi, *cells)
        console.print(table)


def _cell(
    summary: dict[str, dict[str, dict[str, dict[str, float | list[float]]]]],
    arm: str,
    member: str,
    kpi: str,
) -> str:
    entry = summary.get(arm, {}).get(member, {}).get(kpi)
    if entry is None:
        return "-"
    low, high = entry["ci95"]  # type: ignore[misc]
    return f"{entry['mean']:.3g} [{low:.3g}, {high:.3g}]"


@twin_app.command()
def claims(
    weeks: Weeks = 1,
    replications: Replications = 3,
    seed: Seed = 0,
    fmt: Format = "table",
    engine_iterations: Iterations = 10,
    engine_time_limit: TimeLimit = 2.0,
    replan_hours: ReplanHours = 24.0,
    assumptions: AssumptionsFile = None,
) -> None:
    """The seed center's claims (efficiency x2, energy -20.1 %, VOC -32.1 %, 100 kt/yr on two
    lines): the twin's estimate, its interval, the assumptions and a verdict."""
    settings = _settings(replications, seed, engine_iterations, engine_time_limit, replan_hours)
    _inp, reps = _simulate(weeks, settings, assumptions)
    doc = judge_claims(reps, assumption_file.load(assumptions), replications, seed)
    if fmt == "json":
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    table = Table(title=f"claims: {replications} replications, seed {seed}")
    for column in ("claim", "claimed", "estimate", "95 % CI", "verdict"):
        table.add_column(column)
    for claim in doc["claims"]:  # type: ignore[attr-defined]
        low, high = claim["ci95"]
        table.add_row(
            claim["id"],
            f"{claim['claimed']:g}",
            f"{claim['estimate']:.4g}",
            f"[{low:.4g}, {high:.4g}]",
            claim["verdict"],
        )
    console.print(table)
    for claim in doc["claims"]:  # type: ignore[attr-defined]
        console.print(f"[bold]{claim['id']}[/bold]")
        for note in claim["assumptions"]:
            console.print(f"  - {escape(note)}")
