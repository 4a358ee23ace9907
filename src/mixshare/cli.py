"""The ``mixshare`` command line: thin Typer commands over the services."""

from __future__ import annotations

import io
import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare import migrate
from mixshare.cli_common import err, exit_on_error
from mixshare.db import session_scope
from mixshare.errors import MixshareError, Problem, ValidationFailed
from mixshare.members.models import Member
from mixshare.orders.service import plan_reference, shared_numbers
from mixshare.planning import reasons
from mixshare.planning import service as planning
from mixshare.planning.models import Plan
from mixshare.planning.utilisation import DEFINITION
from mixshare.settings import database_url, now_local
from mixshare.uploads import registry as import_kinds
from mixshare.uploads.registry import ImportKind

app = typer.Typer(
    help="mixshare: operating software of a shared rubber mixing center.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import a file (.xlsx or .csv): all or nothing, every bad cell named.",
    no_args_is_help=True,
)
template_app = typer.Typer(help="Write an import template.", no_args_is_help=True)
export_app = typer.Typer(
    help="Export orders, a plan or a month's environment report.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(template_app, name="template")
app.add_typer(export_app, name="export")


def _mount_domains() -> None:
    from mixshare.execution.cli import ingest_app, line_account

    app.add_typer(ingest_app, name="ingest")
    app.command("line-account")(line_account)
    from mixshare.execution.sim_cli import collect, simulate, simulate_plc

    app.command("simulate")(simulate)
    app.command("simulate-plc")(simulate_plc)
    app.command("collect")(collect)
    from mixshare.sharing.cli import share_costs

    app.command("share-costs")(share_costs)
    from mixshare.ledger.cli import baseline_app, claims_command, ledger_app

    app.add_typer(ledger_app, name="ledger")
    app.add_typer(baseline_app, name="baseline")
    app.command("claims")(claims_command)
    from mixshare.environment.cli import environment

    ledger_app.command("environment")(environment)
    from mixshare.twin.cli import twin_app

    app.add_typer(twin_app, name="twin")
    from mixshare.stock.cli import certificate, deliveries

    app.command("certificate")(certificate)
    app.command("deliveries")(deliveries)
    from mixshare.trace.cli import trace_app

    app.add_typer(trace_app, name="trace")
    from mixshare.billing.cli import statement_app

    app.add_typer(statement_app, name="statement")
    from mixshare.planning.cli import prices_app

    app.add_typer(prices_app, name="prices")


_mount_domains()

console = Console()


def _mount_bench() -> None:
    try:
        from mixshare.bench_cli import bench_app
    except ImportError:  # pragma: no cover - the benchmark commands are optional
        return
    app.add_typer(bench_app, name="bench", help="Public scheduling benchmarks.")


_mount_bench()


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _run_plan(
    start: datetime,
    days: int,
    method: str,
    time_limit: float,
    seed: int | None,
    *,
    iterations: int = 0,
    fresh: bool = False,
    alternatives: bool = False,
    objective: str = "money",
) -> dict[str, Any]:
    """Run a plan job in this process (it waits for any plan job before it, like a worker
    would); the job's result (``plan_id`` …) once it is committed."""
    from mixshare.jobs import service as jobs
    from mixshare.jobs.tasks import run_job

    with session_scope() as session:
        job_id = jobs.create_plan_job(
            session,
            kind="run",
            start=start,
            days=days,
            method=method,
            time_limit=time_limit,
            fresh=fresh,
            alternatives=alternatives,
            objective=objective,
            **jobs.seed_params(seed, iterations),
        ).id
    with _progress() as progress:
        task = progress.add_task("planning", total=1.0)

        def report(fraction: float, message: str) -> None:
            progress.update(task, completed=fraction, description=f"planning: {message}")

        run_job(job_id, on_progress=report)
    with session_scope() as session:
        job = jobs.get(session, job_id)
        if job.state != "done" or not job.result:
            raise MixshareError(f"plan job {job_id} {job.state}: {job.error or 'no result'}")
        result = dict(job.result)
    plan_id = int(result["plan_id"])
    console.print(
        f"[green]plan v{result['version']} stored as a draft[/green] "
        f"(--plan {plan_id}, job {job_id}): `mixshare publish --plan {plan_id}` to publish it"
    )
    return result


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    migrate.upgrade()
    console.print(f"database is up to date: {database_url()}")


ADMIN_PASSWORD_VARIABLE = "MIXSHARE_ADMIN_PASSWORD"


@app.command()
def init(
    admin_user: Annotated[
        str | None,
        typer.Option(help="Username of the first center admin (asked for when missing)."),
    ] = None,
) -> None:
    """Create the database, load the shipped reference data (tariffs, energy factors, planning
    prices) and the
    first center admin, then print the next steps. The password comes from
    MIXSHARE_ADMIN_PASSWORD or a prompt that does not echo; running init again changes nothing."""
    from mixshare.ledger.service import load_seed_factors
    from mixshare.planning.prices import load_seed as load_seed_prices
    from mixshare.tariffs.service import load_seed_tariffs

    with exit_on_error():
        migrate.upgrade()
        with session_scope() as session:
            added = load_seed_tariffs(session)
            factors = load_seed_factors(session)
            price_versions = load_seed_prices(session)
        console.print(
            f"database ready: {database_url()} ({len(added)} tariff(s), "
            f"{len(factors)} energy factor(s) added, {len(price_versions)} planning price "
            "version(s))"
        )
        _first_admin(admin_user)
    _print_onboarding_steps()


def _first_admin(username: str | None) -> None:
    """Create the first center admin, unless one exists (then say who)."""
    from mixshare.users import service as users
    from mixshare.users.models import User

    with session_scope() as session:
        admins = session.scalars(
            select(User.username).where(User.role == "center_admin").order_by(User.username)
        ).all()
    if admins:
        console.print(
            f"center admin already exists: {', '.join(admins)} (nothing changed; "
            "more users on the Users page /users)"
        )
        return
    if username is None and not sys.stdin.isatty():
        # An unattended init (a deployment script) must not hang on or abort at a prompt.
        console.print(
            "[yellow]no center admin yet / 尚无中心管理员[/yellow]: run "
            f"`mixshare init --admin-user NAME` with {ADMIN_PASSWORD_VARIABLE} set, "
            "or run init in a terminal"
        )
        return
    username = username or typer.prompt("first center admin username / 中心管理员用户名", "admin")
    password = _admin_password()
    with session_scope() as session:
        try:
            users.create_user(
                session, {"username": username, "password": password, "role": "center_admin"}
            )
        except ValidationFailed as exc:
            # Never echo the password back, not even in a problem's value.
            raise ValidationFailed(
                [replace(p, value="") if p.location == "password" else p for p in exc.problems]
            ) from None
    console.print(f"[green]center admin {username.strip().lower()} created[/green]")


def _admin_password() -> str:
    """From the environment, or asked twice without echo."""
    from mixshare.users.schemas import MIN_PASSWORD

    password = os.environ.get(ADMIN_PASSWORD_VARIABLE)
    if password is None:
        password = typer.prompt("password / 密码", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        source = ADMIN_PASSWORD_VARIABLE if ADMIN_PASSWORD_VARIABLE in os.environ else "password"
        raise ValidationFailed(
            [Problem(source, f"the password needs at least {MIN_PASSWORD} characters")]
        )
    return password


# (what, command line, web page): the order a new center is set up in (docs/onboarding.md).
ONBOARDING_STEPS = (
    ("members and their users / 成员企业及账号",
     "mixshare template members -o members.xlsx; mixshare import members members.xlsx",
     "/members, /users"),
    ("materials / 原料",
     "mixshare template materials -o materials.xlsx; mixshare import materials materials.xlsx",
     "/materials"),
    ("lines (stages, eligibility, rates) / 产线",
     "mixshare template lines -o lines.xlsx; mixshare import lines lines.xlsx", "/lines/new"),
    ("calendars: shifts, holidays, maintenance / 班次、节假日、维修",
     "mixshare import shifts FILE; mixshare import holidays FILE; "
     "mixshare import maintenance FILE (templates: mixshare template KIND)", "/calendars"),
    ("tariffs / 分时电价", "mixshare import tariffs FILE", "/tariffs/new"),
    ("changeover rules (the matrix shows what is forbidden) / 换产规则",
     "mixshare template rules -o rules.xlsx; mixshare import rules rules.xlsx",
     "/changeover-rules"),
    ("compounds (each must run on some line) / 胶料配方",
     "mixshare template compounds -o compounds.xlsx; mixshare import compounds compounds.xlsx",
     "/compounds/new"),
    ("orders / 订单",
     "mixshare template orders -o orders.xlsx; mixshare import orders orders.xlsx",
     "/orders/new"),
    ("plan / 排产", "mixshare plan --from YYYY-MM-DD --days 7", "/plan"),
    ("publish the plan / 发布计划", "mixshare publish --plan ID", "/plan"),
)  # fmt: skip


def _print_onboarding_steps() -> None:
    table = Table(title="下一步 / next steps (mixshare serve: http://127.0.0.1:8000)")
    for column in ("#", "step", "command", "page"):
        table.add_column(column)
    for number, (what, command, page) in enumerate(ONBOARDING_STEPS, start=1):
        table.add_row(str(number), what, command, page)
    console.print(table)


def _reset_database() -> None:
    migrate.downgrade_to_base()
    migrate.upgrade()


def _demo_password() -> str:
    return os.environ.get("MIXSHARE_DEMO_PASSWORD") or secrets.token_urlsafe(9)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the demo generator.")] = 7,
    weeks: Annotated[int, typer.Option(min=1, max=60, help="Weeks of orders.")] = 4,
    start: Annotated[
        str | None, typer.Option(help="Monday the demo starts (YYYY-MM-DD); default next Monday.")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds for the planner.")] = 10.0,
    reset: Annotated[bool, typer.Option(help="Wipe an existing database first.")] = False,
    serve: Annotated[bool, typer.Option(help="Start the web server when done.")] = False,
    simulate_days: Annotated[
        float,
        typer.Option(
            min=0, max=7, help="Days of the published plan the simulated lines and lab play."
        ),
    ] = 1.0,
) -> None:
    """The main job: create the database, load the demo center, plan and publish the first
    week, and let the simulated lines and lab play its first days."""
    from mixshare.demo.generator import load_demo_center, next_monday

    began = time.monotonic()
    monday = date.fromisoformat(start) if start else next_monday(now_local().date())
    with exit_on_error():
        migrate.upgrade()
        if reset:
            _reset_database()
        with session_scope() as session:
            if session.scalar(select(func.count(Member.id))):
                raise MixshareError(
                    "the database already holds a center; run `mixshare demo --reset` to start over"
                )
            summary = load_demo_center(session, seed=seed, weeks=weeks, start=monday)
            password = _demo_password()
            logins = _create_demo_accounts(session, password)
            _load_demo_specs(session)
        console.print(f"[green]demo center loaded[/green] into {database_url()}: {summary}")
        plan_id = _run_plan(
            datetime.combine(monday, datetime.min.time()), 7, "engine", time_limit, None
        )["plan_id"]
        with session_scope() as session:
            plan = planning.publish(session, planning.get_plan(session, plan_id))
            _print_report(session, plan)
        if simulate_days > 0:
            _simulate(plan_id, simulate_days, seed)
            _read_demo_meters()
    console.print(f"done in {time.monotonic() - began:.1f} s")
    _print_logins(logins, password)
    _print_next_steps()
    if serve:
        _serve_with_worker("127.0.0.1", 8000)


def _simulate(plan_id: int, days: float, seed: int) -> None:
    """The simulated lines and lab play the plan's first days (execution and quality data)."""
    from mixshare.execution.playback import play
    from mixshare.execution.simulation import SimulationSettings

    with _progress() as progress, session_scope() as session:
        task = progress.add_task(f"simulating the first {days:g} days", total=1.0)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done / max(total, 1))

        playback = play(session, plan_id, days, SimulationSettings(seed=seed), report)
    for line in playback.lines():
        console.print(line, markup=False)


def _read_demo_meters() -> None:
    """The simulated lines' meters read around the simulated batches (for the statements)."""
    from mixshare.demo.contract import read_demo_meters

    with session_scope() as session:
        read_demo_meters(session)


def _serve_with_worker(host: str, port: int) -> None:
    """The web server with a ``mixshare worker`` process beside it (stopped with it)."""
    import subprocess

    worker_process = subprocess.Popen([sys.executable, "-m", "mixshare.cli", "worker"])
    try:
        _serve(host, port)
    finally:
        worker_process.terminate()
        try:
            worker_process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker_process.kill()


def _load_demo_specs(session: Session) -> None:
    from mixshare.demo.quality_specs import load_demo_specs

    load_demo_specs(session)


def _create_demo_accounts(session: Session, password: str) -> list[tuple[str, str]]:
    from mixshare.demo.accounts import create_demo_accounts

    return create_demo_accounts(session, password)


def _print_logins(logins: list[tuple[str, str]], password: str) -> None:
    table = Table(title="演示账号 / demo logins (password for all: " + password + ")")
    table.add_column("user")
    table.add_column("role")
    for user, role in logins:
        table.add_row(user, role)
    console.print(table)


def _print_next_steps() -> None:
    console.print(
        "\n[bold]next[/bold]:\n"
        "  mixshare report                      KPIs of the latest plan\n"
        "  mixshare plan --from DATE --days 7   plan another week\n"
        "  mixshare export plan --format json   the plan for independent checking\n"
        "  mixshare serve                       the web application on http://127.0.0.1:8000"
    )


@app.command("plan")
def plan_command(
    from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    days: Annotated[int, typer.Option(min=1, max=56, help="Days to plan.")] = 7,
    method: Annotated[str, typer.Option(help="engine or dispatch (baseline).")] = "engine",
    time_limit: Annotated[float, typer.Option(help="Seconds for the engine.")] = 10.0,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Reproducible run: the same data and seed give the "
            "identical plan (fixed work, --time-limit ignored)."
        ),
    ] = None,
    iterations: Annotated[
        int,
        typer.Option(min=0, help="Work of a --seed run (iterations per worker; 0: the default)."),
    ] = 0,
    fresh: Annotated[
        bool,
        typer.Option(
            help="Plan for the best objective, not keeping the published "
            "plan's lots in place (frozen lots still stay)."
        ),
    ] = False,
    alternatives: Annotated[
        bool,
        typer.Option(
            help="Store two drafts side by side, the least-change plan and "
            "the best (fresh) plan; keep one with `mixshare keep`."
        ),
    ] = False,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Run the engine's search portfolio on this Dask scheduler "
            "(e.g. tcp://10.0.0.5:8786; default: MIXSHARE_DASK_SCHEDULER, else local processes)."
        ),
    ] = None,
    objective: Annotated[
        Literal["money", "lexicographic"],
        typer.Option(
            help="money: the sum in yuan of lateness penalties, cleaning batches, changeover "
            "hours and TOU energy (planning prices in force); lexicographic: tardiness first, "
            "then changeovers, then energy."
        ),
    ] = "money",
) -> None:
    """Plan every open order due within the horizon and store the plan as a draft; re-plans
    keep the published plan's lots in place where they can (see --fresh, --alternatives)."""
    if cluster:  # the plan job runs in this process: its engine reads the scheduler from here
        os.environ["MIXSHARE_DASK_SCHEDULER"] = cluster
    with exit_on_error():
        start = datetime.combine(date.fromisoformat(from_), datetime.min.time())
        result = _run_plan(
            start,
            days,
            method,
            time_limit,
            seed,
            iterations=iterations,
            fresh=fresh,
            alternatives=alternatives,
            objective=objective,
        )
        with session_scope() as session:
            plan = planning.get_plan(session, int(result["plan_id"]))
            if "alternative_id" in result:
                other = planning.get_plan(session, int(result["alternative_id"]))
                console.print(_tradeoff_table(planning.tradeoff(session, plan, other)))
                console.print("keep one with `mixshare keep --plan ID` (the other is discarded)")
            else:
                _print_report(session, plan)


def _tradeoff_table(sides: list[planning.Alternative]) -> Table:
    table = Table(title="重排方案 / re-plan: least change vs best plan")
    table.add_column("")
    for side in sides:
        label = str(side.plan.kpis.get("stability", ""))
        table.add_column(f"{label} (--plan {side.plan.id})", justify="right")
    rows = [
        ("weighted tardiness", "weighted_tardiness", "{:,.0f}"),
        ("late orders", "late_lots", "{:,.0f}"),
        ("changeover hours", "changeover_hours", "{:,.1f}"),
        ("energy cost yuan", "energy_cost", "{:,.0f}"),
        ("unplanned orders", "unplanned_orders", "{:,.0f}"),
        ("lots moved", "lots_moved", "{:,.0f}"),
    ]
    for label, key, form in rows:
        table.add_row(label, *(form.format(side.kpis[key]) for side in sides))
    table.add_row(
        "moved outside the disruption",
        *("–" if side.moved_outside is None else str(side.moved_outside) for side in sides),
    )
    return table


PlanOption = Annotated[int, typer.Option("--plan", help="Plan id (see `mixshare report`).")]


@app.command()
def publish(plan_id: PlanOption) -> None:
    """Publish a plan: the shop floor works to it and re-plans keep it stable."""
    with exit_on_error(), session_scope() as session:
        plan = planning.publish(session, planning.get_plan(session, plan_id))
        console.print(f"[green]plan v{plan.version} published[/green]")


@app.command()
def keep(plan_id: PlanOption) -> None:
    """Keep a draft and discard the other drafts (the re-plan alternative not chosen)."""
    with exit_on_error(), session_scope() as session:
        plan = planning.get_plan(session, plan_id)
        discarded = planning.keep(session, plan)
        versions = ", ".join(f"v{p.version}" for p in discarded) or "none"
        console.print(f"plan v{plan.version} kept; discarded: {versions}")


@app.command()
def discard(plan_id: PlanOption) -> None:
    """Discard a draft plan (a comparison run or an alternative not chosen)."""
    with exit_on_error(), session_scope() as session:
        plan = planning.discard(session, planning.get_plan(session, plan_id))
        console.print(f"plan v{plan.version} discarded")


def _latest_or_given(session: Session, plan_id: int | None) -> Plan:
    if plan_id is not None:
        return planning.get_plan(session, plan_id)
    plan = planning.latest_plan(session)
    if plan is None:
        raise MixshareError("no plan yet: run `mixshare plan --from DATE` first")
    return plan


@app.command()
def report(
    plan_id: Annotated[int | None, typer.Option("--plan", help="Plan id (default latest).")] = None,
) -> None:
    """Tonnes, utilisation, changeovers, on-time rate and energy of a plan."""
    with exit_on_error(), session_scope() as session:
        _print_report(session, _latest_or_given(session, plan_id))


def _print_report(session: Session, plan: Plan) -> None:
    kpis = planning.plan_kpis(session, plan)
    console.print(
        f"\n[bold]plan v{plan.version}[/bold] ({plan.method}, {plan.status}) "
        f"{plan.horizon_start:%Y-%m-%d %H:%M} → {plan.horizon_end:%Y-%m-%d %H:%M}"
    )
    console.print(_tonnes_table(kpis))
    console.print(_lines_table(kpis))
    console.print(_energy_table(kpis))
    if "total_yuan" in kpis:  # plans stored before the money objective have no breakdown
        console.print(_cost_table(kpis))
    console.print(_summary_table(plan, kpis))
    if plan.unplanned:
        console.print(_unplanned_table(session, plan))


def _unplanned_table(session: Session, plan: Plan) -> Table:
    """Every order the plan left out, with why (label, code and detail)."""
    shared = shared_numbers(session)
    table = Table(title="未排订单 / unplanned orders")
    for column in ("order", "member", "reason", "code", "detail"):
        table.add_column(column, overflow="fold")
    for row in sorted(plan.unplanned, key=lambda u: plan_reference(u.order, shared)):
        table.add_row(
            plan_reference(row.order, shared),
            row.order.member.code,
            reasons.both(row.reason_code),
            row.reason_code,
            row.reason,
        )
    return table


def _tonnes_table(kpis: dict[str, Any]) -> Table:
    table = Table(title="产量 / tonnes by member and stage")
    for column in ("member", "MB t", "RM t", "FB t", "total t"):
        table.add_column(column, justify="right" if column != "member" else "left")
    totals = {"MB": 0.0, "RM": 0.0, "FB": 0.0}
    for member, stages in kpis["tonnes_by_member_stage"].items():
        row = [stages.get(s, 0.0) for s in ("MB", "RM", "FB")]
        for s, value in zip(("MB", "RM", "FB"), row, strict=True):
            totals[s] += value
        table.add_row(member, *(f"{v:,.1f}" for v in row), f"{sum(row):,.1f}")
    table.add_row(
        "[bold]all", *(f"{v:,.1f}" for v in totals.values()), f"{sum(totals.values()):,.1f}"
    )
    return table


def _lines_table(kpis: dict[str, Any]) -> Table:
    caption = f"utilisation: {DEFINITION[1]}\n利用率：{DEFINITION[0]}"
    table = Table(title="产线 / lines", caption=caption)
    table.add_column("line")
    table.add_column("utilisation", justify="right")
    for line, value in sorted(kpis.get("utilisation", {}).items()):
        table.add_row(line, f"{value:.1%}")
    return table


def _energy_table(kpis: dict[str, Any]) -> Table:
    table = Table(title="电 / energy by TOU period")
    for column in ("period", "kWh", "cost yuan"):
        table.add_column(column, justify="right" if column != "period" else "left")
    kwh = kpis.get("energy_kwh_by_period", {})
    cost = kpis.get("energy_cost_by_period", {})
    for period in sorted(kwh, key=lambda p: -cost.get(p, 0.0)):
        table.add_row(period, f"{kwh[period]:,.0f}", f"{cost.get(period, 0.0):,.0f}")
    table.add_row(
        "[bold]total", f"{kpis.get('energy_kwh', 0):,.0f}", f"{kpis.get('energy_cost', 0):,.0f}"
    )
    return table


def _cost_table(kpis: dict[str, Any]) -> Table:
    """The plan's cost at the planning prices, whatever objective it was planned with."""
    caption = (
        f"目标 objective: {kpis.get('objective_mode', 'money')}; "
        f"计划价格 planning prices: {kpis.get('planning_prices') or 'engine defaults'}"
    )
    table = Table(title="计划成本 / plan cost (yuan)", caption=caption)
    table.add_column("part")
    table.add_column("yuan", justify="right")
    for key, label in COST_PARTS:
        table.add_row(label, f"{kpis.get(key, 0.0):,.0f}")
    table.add_row("[bold]合计 / total", f"{kpis.get('total_yuan', 0.0):,.0f}")
    return table


def _summary_table(plan: Plan, kpis: dict[str, Any]) -> Table:
    table = Table(title="计划指标 / plan KPIs")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    on_time = kpis.get("on_time_rate")
    rows = [
        ("lots", f"{len(plan.lots)}"),
        ("orders unplanned", f"{len(plan.unplanned)}"),
        ("on-time rate (planned orders)", "n/a" if on_time is None else f"{on_time:.1%}"),
        ("late lots", f"{kpis.get('late_lots', 0)}"),
        ("weighted tardiness (min)", f"{kpis.get('weighted_tardiness', 0):,.0f}"),
        ("changeovers", f"{len(plan.changeovers)}"),
        ("changeover hours", f"{kpis.get('changeover_hours', 0):,.1f}"),
        ("cleaning batches", f"{kpis.get('cleaning_batches', 0)}"),
        ("objective / lower bound", _gap_text(plan)),
        ("lower bound by part", _bound_parts_text(kpis.get("lower_bound_by_part", {}))),
        ("capacity bound (every order)", _capacity_text(kpis.get("capacity_bound"))),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _capacity_text(check: dict[str, Any] | None) -> str:
    """Whether line capacity alone rules out planning every order (engine capacity check)."""
    if not check:
        return "n/a"
    need, have = check.get("work_minutes", 0), check.get("available_minutes", 0)
    if check.get("fits"):
        return f"could all fit ({need:,} of {have:,} line-min)"
    return f"cannot all fit: {check.get('shortfall_minutes', 0):,} line-min short"


def _bound_parts_text(parts: dict[str, float]) -> str:
    if not parts:
        return "n/a"
    if "tardiness_yuan" in parts:  # money objective: every part in yuan
        return (
            f"tardiness >= {parts.get('tardiness_yuan', 0):,.0f}, cleaning + changeovers >= "
            f"{parts.get('setup_yuan', 0):,.0f}, energy >= {parts.get('energy_cost', 0):,.0f}"
            " yuan"
        )
    return (
        f"tardiness >= {parts.get('weighted_tardiness', 0):,.0f}, changeovers >= "
        f"{parts.get('changeover_weighted', 0):,.0f}, energy >= {parts.get('energy_cost', 0):,.0f}"
        " yuan"
    )


def _gap_text(plan: Plan) -> str:
    if plan.objective is None:
        return "n/a"
    if plan.lower_bound is None:
        return f"{plan.objective:,.0f} / n/a"
    return f"{plan.objective:,.0f} / {plan.lower_bound:,.0f}"


COST_PARTS = (
    ("tardiness_yuan", "延期罚金 / tardiness penalty"),
    ("cleaning_yuan", "洗车胶 / cleaning batches"),
    ("changeover_yuan", "换产工时 / changeover hours"),
    ("energy_cost", "电费 / energy"),
)

Background = Annotated[
    bool, typer.Option("--background", help="Queue it for `mixshare worker`; print the job.")
]


def _queue_import(kind: str, file: Path) -> None:
    """Queue an import job (the worker must be able to read ``file``)."""
    from mixshare.jobs import service as jobs
    from mixshare.jobs.queue import job_queue

    with session_scope() as session:
        job = jobs.create(session, kind=kind, params={"path": str(file.resolve())})
        job_id = job.id
    job_queue().submit(job_id, database_url())
    console.print(f"queued as job {job_id} (mixshare worker runs it)")


def _import_command(kind: ImportKind) -> Callable[..., None]:
    def command(file: Path, background: Background = False) -> None:
        if background:
            return _queue_import(kind.job_kind, file)
        with exit_on_error(), session_scope() as session:
            result = kind.run(session, file)
        console.print(f"[green]imported[/green] {result}")
        _print_initial_passwords(result.passwords)

    command.__doc__ = kind.help
    return command


def _print_initial_passwords(passwords: dict[str, str]) -> None:
    """New users' initial passwords: shown this once, stored nowhere in clear."""
    if not passwords:
        return
    table = Table(title="初始密码（只显示这一次）/ initial passwords, shown this once")
    table.add_column("user")
    table.add_column("password")
    for username, password in passwords.items():
        table.add_row(username, password)
    console.print(table)
    console.print("hand each user their password; they change it on /users after logging in")


def _template_command(kind: ImportKind) -> Callable[..., None]:
    def command(output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
        with exit_on_error():
            _write_binary(kind.write_template, output)

    command.__doc__ = f"The {kind.name} import template (.xlsx) with a help sheet."
    return command


def _mount_import_kinds() -> None:
    """`mixshare import KIND FILE` and `mixshare template KIND` for every registered kind."""
    for kind in import_kinds.all_kinds():
        import_app.command(kind.name)(_import_command(kind))
        template_app.command(kind.name)(_template_command(kind))


def _write_binary(write: Any, output: Path | None) -> None:
    """Run ``write(target)`` to the path ``output`` or, when None, to stdout."""
    if output is not None:
        write(output)
        return
    if sys.stdout.isatty():
        raise MixshareError(
            "refusing to write a binary file to the terminal; use > FILE or --output"
        )
    # In memory: a file with a predictable name in a shared /tmp could be a planted symlink.
    buffer = io.BytesIO()
    write(buffer)
    sys.stdout.buffer.write(buffer.getvalue())


_mount_import_kinds()


@export_app.command("plan")
def export_plan(
    format: Annotated[str, typer.Option(help="json or xlsx")] = "json",
    plan_id: Annotated[int | None, typer.Option("--plan", help="Plan id (default latest).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """A plan as JSON (self-contained, for independent checking) or Excel."""
    from mixshare.planning.export import export_plan_xlsx, plan_document

    with exit_on_error(), session_scope() as session:
        plan = _latest_or_given(session, plan_id)
        if format == "json":
            text = json.dumps(plan_document(session, plan), ensure_ascii=False, indent=1)
            if output is None:
                sys.stdout.write(text + "\n")
            else:
                output.write_text(text, encoding="utf-8")
        elif format == "xlsx":
            _write_binary(lambda path: export_plan_xlsx(session, plan, path), output)
        else:
            raise MixshareError("--format must be json or xlsx")


@export_app.command("orders")
def export_orders(output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """All orders as Excel."""
    from mixshare.orders.exports import export_orders_xlsx

    with exit_on_error(), session_scope() as session:
        _write_binary(lambda path: export_orders_xlsx(session, path), output)


@export_app.command("environment")
def export_environment(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """A month's permit execution report (VOC by both methods, particulates, limits, treatment
    log, waste) and zero-waste indicator sheet, as Excel."""
    from mixshare.environment.exports import export_environment_xlsx

    with exit_on_error(), session_scope() as session:
        _write_binary(lambda path: export_environment_xlsx(session, month, path), output)


def _serve(host: str, port: int, workers: int = 1) -> None:
    from mixshare.web.server import serve as run_server

    console.print(f"serving on http://{host}:{port}  (Ctrl+C to stop)")
    run_server(host=host, port=port, workers=workers)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Web processes.")] = 1,
) -> None:
    """Run the web application (plans run in `mixshare worker`)."""
    migrate.upgrade()
    _serve(host, port, workers)


@app.command()
def worker(
    workers: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once.")] = 2,
) -> None:
    """Run background jobs (plans, re-plans, imports) until interrupted."""
    from mixshare.jobs.queue import queue_url
    from mixshare.jobs.worker import serve as run_worker

    migrate.upgrade()
    err.print(f"worker on {database_url()}, queue {queue_url()} ({workers} at once)")
    run_worker(workers)


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if it exists).")],
) -> None:
    """Back up the whole database to FILE, consistent while the app runs (README: Backups)."""
    from mixshare.backup import backup

    with exit_on_error():
        done = backup(database_url(), file)
    console.print(f"backup written: {file} ({done.size_bytes:,} bytes, schema {done.revision})")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `mixshare backup`.")],
    force: Annotated[bool, typer.Option(help="Replace a database that holds data.")] = False,
) -> None:
    """Replace the database with the backup FILE (all or nothing; older schemas are migrated)."""
    from mixshare.backup import restore

    with exit_on_error():
        done = restore(database_url(), file, force=force)
    migrated = f", migrated from {done.revision}" if done.migrated else ""
    console.print(f"restored {file} (schema {done.head}{migrated})")


if __name__ == "__main__":  # pragma: no cover
    app()
