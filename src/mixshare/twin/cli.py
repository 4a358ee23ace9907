"""``mixshare twin compare``, ``claims`` and ``size`` (registered by :mod:`mixshare.cli`)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from mixshare.cli_common import err
from mixshare.db import session_scope
from mixshare.errors import MixshareError, ValidationFailed
from mixshare.twin import assumptions as assumption_file
from mixshare.twin import scenario as scenario_file
from mixshare.twin import service
from mixshare.twin import size as sizing
from mixshare.twin import sweep as sweeps
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.claims import claims as judge_claims
from mixshare.twin.data import Settings, TwinInput
from mixshare.twin.results import KPIS
from mixshare.twin.run import run
from mixshare.twin.scenario import ScenarioSpec
from mixshare.twin.source import center_input
from mixshare.twin.tally import ArmResult

twin_app = typer.Typer(
    help="The center's twin: the shared center against every member mixing alone.",
    no_args_is_help=True,
)
console = Console(highlight=False)

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
ScenarioFile = Annotated[
    Path | None,
    typer.Option(
        help="Scenario TOML: members, demand, lines, tariff, contract (default: the stored"
        " center). Example: src/mixshare/twin/scenarios/small_town.toml."
    ),
]
Store = Annotated[
    bool, typer.Option(help="Keep the JSON result in the database (the twin page shows it).")
]


@dataclass(frozen=True)
class RunOptions:
    """The options ``compare``, ``claims`` and ``size`` share, read once per command: the
    run's settings, its demand and assumptions, and where its result goes."""

    weeks: int
    replications: int
    seed: int
    fmt: str
    engine_iterations: int
    engine_time_limit: float
    replan_hours: float
    assumptions: Path | None
    scenario: Path | None
    store: bool
    drain_days: float | None = None  # None: the twin's default (Settings)

    def settings(self) -> Settings:
        settings = Settings(
            replications=self.replications,
            seed=self.seed,
            engine_iterations=self.engine_iterations,
            engine_time_limit=self.engine_time_limit,
            replan_hours=self.replan_hours,
        )
        if self.drain_days is None:
            return settings
        return replace(settings, drain_days=self.drain_days)

    def inputs(self) -> tuple[TwinInput, Assumptions, ScenarioSpec | None]:
        """The demand and assumptions: a scenario file's, else the stored center's. A bad
        scenario file stops here, before anything runs, with every problem it has."""
        base = assumption_file.load(self.assumptions)
        try:
            if self.scenario is not None:
                spec, a = scenario_file.load(self.scenario, base)
                return scenario_file.twin_input(spec, weeks=self.weeks), a, spec
            with session_scope() as session:
                return center_input(session, weeks=self.weeks), base, None
        except ValidationFailed as exc:
            for problem in exc.problems:
                err.print(f"[red]error:[/red] {escape(str(problem))}", soft_wrap=True)
            raise typer.Exit(2) from exc
        except MixshareError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(1) from exc

    def keep(
        self, kind: str, doc: dict[str, object], a: Assumptions, spec: ScenarioSpec | None
    ) -> None:
        """Store the run's document with its parameters, unless ``--no-store`` (a database
        problem only warns: the result is printed either way)."""
        if not self.store:
            return
        files = {"assumptions_file": self.assumptions, "scenario_file": self.scenario}
        params = service.run_params(
            self.settings(), **{name: str(path) if path else None for name, path in files.items()}
        )
        try:
            with session_scope() as session:
                service.record(
                    session,
                    kind=kind,
                    result=doc,
                    weeks=self.weeks,
                    replications=self.replications,
                    seed=self.seed,
                    assumptions_version=a.version,
                    params=params,
                    scenario=spec.name if spec else None,
                )
        except (SQLAlchemyError, MixshareError) as exc:
            err.print(f"[yellow]not stored:[/yellow] {escape(str(exc).splitlines()[0])}")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


def _simulate(inp: TwinInput, settings: Settings, a: Assumptions) -> list[dict[str, ArmResult]]:
    progress = _progress()
    with progress:
        task = progress.add_task("replications", total=settings.replications)
        reps = run(inp, settings, a, lambda done, _total: progress.update(task, completed=done))
    return reps


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
    scenario: ScenarioFile = None,
    store: Store = True,
) -> None:
    """Both arms on the stored center's members and demand (or a scenario file's): KPIs per
    member and total, mean and 95 % confidence interval over the replications."""
    options = RunOptions(
        weeks,
        replications,
        seed,
        fmt,
        engine_iterations,
        engine_time_limit,
        replan_hours,
        assumptions,
        scenario,
        store,
    )
    settings = options.settings()
    inp, a, spec = options.inputs()
    reps = _simulate(inp, settings, a)
    doc = service.compare_document(inp, reps, a, weeks=weeks, settings=settings, spec=spec)
    summary = doc["arms"]
    options.keep("compare", doc, a, spec)
    if fmt == "json":
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
    scenario: ScenarioFile = None,
    store: Store = True,
) -> None:
    """The seed center's claims (efficiency x2, energy -20.1 %, VOC -32.1 %, 100 kt/yr on two
    lines): the twin's estimate, its interval, the assumptions and a verdict."""
    options = RunOptions(
        weeks,
        replications,
        seed,
        fmt,
        engine_iterations,
        engine_time_limit,
        replan_hours,
        assumptions,
        scenario,
        store,
    )
    inp, a, spec = options.inputs()
    reps = _simulate(inp, options.settings(), a)
    doc = judge_claims(reps, a, replications, seed)
    options.keep("claims", doc, a, spec)
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


Cluster = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (tcp://HOST:8786); default: a local process pool."),
]
Workers = Annotated[
    int, typer.Option(min=0, help="Local worker processes without --cluster (0: one per CPU).")
]
Charts = Annotated[
    list[Path] | None,
    typer.Option("--output", "-o", help="Write the capacity curve: chart.png and/or chart.html."),
]


@twin_app.command()
def size(
    demand_kt: Annotated[
        str, typer.Option(help="Annual demand, kt mixed (every stage): START:END:STEP.")
    ] = "40:160:20",
    lines: Annotated[str, typer.Option(help="Numbers of lines: START:END[:STEP].")] = "1:4",
    weeks: Weeks = 1,
    replications: Replications = 3,
    seed: Seed = 0,
    fmt: Format = "table",
    engine_iterations: Iterations = 1,
    engine_time_limit: TimeLimit = 2.0,
    replan_hours: ReplanHours = 24.0,
    assumptions: AssumptionsFile = None,
    scenario: ScenarioFile = None,
    cluster: Cluster = None,
    workers: Workers = 0,
    drain_days: Annotated[
        float,
        typer.Option(
            min=0,
            help="Days the twin runs past the demand's weeks (unfinished orders count late).",
        ),
    ] = 2.0,
    output: Charts = None,
    store: Store = True,
) -> None:
    """Capacity curve: for each annual demand and number of lines, the shared arm's on-time
    rate and cost per tonne (mean, 95 % CI) on the stored members' demand (or a scenario
    file's) scaled to that level, and the smallest center that keeps on-time >= 95 %. Runs
    as a sweep on Dask distributed (--cluster) or a local process pool. Points whose orders
    were not all mixed when the run stopped are marked overloaded (those orders count
    late)."""
    try:
        levels = sizing.parse_range("--demand-kt", demand_kt)
        counts = sizing.parse_lines(lines)
        for path in output or []:
            if path.suffix.lower() not in (".png", ".html"):
                raise sizing.RangeError(f"-o {path}: the chart is written as .png or .html")
    except sizing.RangeError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    options = RunOptions(
        weeks,
        replications,
        seed,
        fmt,
        engine_iterations,
        engine_time_limit,
        replan_hours,
        assumptions,
        scenario,
        store,
        drain_days,
    )
    inp, a, spec = options.inputs()
    scenarios = sizing.scenarios(inp, levels, counts)
    began, load = time.perf_counter(), os.getloadavg()
    outcomes = _sweep(inp, scenarios, options.settings(), a, cluster, workers)
    points = sizing.curve(inp, levels, counts, outcomes, a)
    meta = {
        "weeks": weeks,
        "replications": replications,
        "seed": seed,
        "engine_iterations": engine_iterations,
        "replan_hours": replan_hours,
        "drain_days": drain_days,
        "assumptions_version": a.version,
        "scenario": spec.name if spec else None,
        "base_kt": round(sweeps.mixed_tonnes_per_year(inp) / 1000.0, 3),
        "wall_seconds": round(time.perf_counter() - began, 1),
        "cpu_seconds": round(sum(o.cpu_seconds for o in outcomes), 1),
        "load_average": [round(x, 2) for x in (*load, *os.getloadavg())],
    }
    doc = sizing.document(points, meta)
    options.keep("size", doc, a, spec)
    title = f"capacity curve: {weeks} week(s), {replications} replications, seed {seed}"
    for path in output or []:
        sizing.write_chart(points, title, path)
        err.print(f"chart written: {escape(str(path))}")
    if fmt == "json":
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    _size_table(points, replications)
    console.print(
        f"{meta['wall_seconds']} s wall, {meta['cpu_seconds']} CPU s in the tasks, load average"
        f" {load[0]:.1f} at the start"
    )


def _sweep(
    inp: TwinInput,
    scenarios: list[sweeps.Scenario],
    settings: Settings,
    a: Assumptions,
    cluster: str | None,
    workers: int,
) -> list[sweeps.Outcome]:
    progress = _progress()
    with sweeps.executor(cluster, workers) as pool, progress:
        task = progress.add_task(
            f"{len(scenarios)} scenarios x {settings.replications} replications",
            total=len(scenarios) * settings.replications,
        )
        return sweeps.sweep(
            pool,
            inp,
            scenarios,
            settings,
            a,
            arms=("shared",),
            done=lambda finished, _total: progress.update(task, completed=finished),
        )


def _size_table(points: list[sizing.Point], replications: int) -> None:
    best = sizing.smallest(points)
    table = Table(title=f"shared arm: mean [95 % CI] over {replications} replications")
    for column in ("demand kt/yr", "lines", "on-time rate", "cost yuan/t", "utilisation"):
        table.add_column(column, justify="right")
    for p in points:
        lines = f"{p.lines} *" if best.get(p.demand_kt) == p.lines else str(p.lines)
        lines += " overloaded" if p.overloaded else ""
        table.add_row(
            f"{p.demand_kt:g}",
            lines,
            *(_cell_of(p, kpi) for kpi in ("on_time_rate", "cost_per_t", "utilisation")),
        )
    console.print(table)
    for kt, n in best.items():
        text = f"{n} line(s)" if n is not None else "none of the numbers of lines tried"
        console.print(f"{kt:g} kt/yr: smallest center with on-time >= 95 %: {text}")


def _cell_of(point: sizing.Point, kpi: str) -> str:
    low, high = point.ci(kpi)
    return f"{point.mean(kpi):.3g} [{low:.3g}, {high:.3g}]"
