"""The command line end to end on a temporary database: demo, report, export, plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mixshare.cli import app
from tests.plan_checker import check_plan_document

runner = CliRunner()
# a short plan and no simulated lines: only the first test looks at what the lines played
QUICK = ("--time-limit", "1", "--simulate-days", "0")


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    monkeypatch.setenv("MIXSHARE_DEMO_PASSWORD", "demo-pass-123")
    return db_url


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + str(result.exception)
    return " ".join(result.output.split())  # Rich wraps long lines at the terminal width


def test_demo_then_report_then_export(cli_env: str, tmp_path: Path) -> None:
    out = _run(
        "demo", "--weeks", "1", "--start", "2031-03-03", "--time-limit", "3",
        "--simulate-days", "0.5",
    )  # fmt: skip
    assert "demo center loaded" in out
    assert "simulated plan v1, first 0.5 day(s)" in out  # the lines and the lab played
    assert "quarantined 0" in out
    lab = out[out.index("lab:") :]
    assert int(lab.split("released ")[1].split(",")[0]) > 0
    assert "deliveries:" in lab  # released final batches shipped through the stock service
    assert "changeover hours" in out
    assert "mixshare report" in out  # says what to run next
    report = _run("report")
    for label in ("tonnes by member and stage", "utilisation", "cleaning batches", "on-time rate"):
        assert label in report
    assert "M01" in report and "valley" in report
    # the money objective's breakdown at the planning prices (shipped DEMO-2026)
    for label in ("plan cost (yuan)", "tardiness penalty", "changeover hours", "DEMO-2026"):
        assert label in report
    target = tmp_path / "plan.json"
    _run("export", "plan", "--format", "json", "--output", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert check_plan_document(document) == []
    assert document["horizon"]["start"].endswith("+08:00")


def test_demo_refuses_to_load_twice(cli_env: str) -> None:
    _run("demo", "--weeks", "1", "--start", "2031-03-03", *QUICK)
    result = runner.invoke(app, ["demo", "--weeks", "1", "--start", "2031-03-03"])
    assert result.exit_code == 1
    assert "--reset" in result.output


def test_demo_reset_starts_over_on_a_populated_center(cli_env: str) -> None:
    # --reset walks the migrations down and up again over a planned center; on SQLite the
    # table rebuilds of order-number migration 0004 failed on the orders that lots point at
    _run("demo", "--weeks", "1", "--start", "2031-03-03", *QUICK)
    out = _run("demo", "--reset", "--weeks", "1", "--start", "2031-03-03", *QUICK)
    assert "demo center loaded" in out


def test_report_without_plan_says_what_to_do(cli_env: str) -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 1
    assert "mixshare plan" in result.output


def test_plan_command_with_dispatch_baseline(cli_env: str) -> None:
    _run("demo", "--weeks", "2", "--start", "2031-03-03", *QUICK)
    out = _run("plan", "--from", "2031-03-10", "--days", "7", "--method", "dispatch")
    assert "plan v2" in out and "dispatch" in out


def test_bad_import_file_is_rejected_whole_with_every_problem(cli_env: str, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from mixshare.db import session_scope
    from mixshare.orders.models import Order

    _run("demo", "--weeks", "1", "--start", "2031-03-03", *QUICK)
    with session_scope() as session:
        before = session.scalar(select(func.count(Order.id)))
        order = next(o for o in session.scalars(select(Order)) if o.member.code == "M01")
        code = order.compound_version.compound.code
    bad = tmp_path / "orders.csv"
    bad.write_text(
        "number,member,compound,stage,quantity_kg,due_at,release_at,note\n"
        f"X-1,M01,{code},final,5000,2031-03-20 08:00,,good row\n"
        f"X-2,M99,{code},final,5000,2031-03-20 08:00,,unknown member\n"
        f"X-3,M01,{code},final,-5,2031-03-20 08:00,,negative\n"
        f"X-4,M01,{code},final,5000,2001-01-01 08:00,,past\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "orders", str(bad)])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    for row in ("row 3", "row 4", "row 5"):
        assert row in result.output
    assert "row 2" not in result.output  # the good row is fine, yet not imported
    assert "M99" in result.output
    with session_scope() as session:
        assert session.scalar(select(func.count(Order.id))) == before


def test_init_loads_tariffs_once(cli_env: str) -> None:
    assert "2 tariff(s), 2 energy factor(s) added" in _run("init")
    assert "0 tariff(s), 0 energy factor(s) added" in _run("init")
    assert "up to date" in _run("db", "upgrade")


def test_plan_and_orders_export_to_excel(cli_env: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _run("demo", "--weeks", "1", "--start", "2031-03-03", *QUICK)
    plan_file, orders_file = tmp_path / "plan.xlsx", tmp_path / "orders.xlsx"
    _run("export", "plan", "--format", "xlsx", "--output", str(plan_file))
    _run("export", "orders", "--output", str(orders_file))
    book = load_workbook(plan_file, read_only=True)
    lots = list(book.worksheets[0].iter_rows(values_only=True))
    assert lots[0][0] == "批次组 / Lot"
    assert len(lots) > 100
    assert {row[5] for row in lots[1:]} <= {"L1", "L2"}
    assert len(list(load_workbook(orders_file).worksheets[0].iter_rows())) > 100


def test_workbook_to_stdout_never_touches_a_planted_tmp_file(
    cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 finding 8: stdout used to go through $TMPDIR/mixshare-<pid>.xlsx, following a
    symlink planted there by another local user."""
    import io
    import os

    from openpyxl import load_workbook

    _run("init")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    planted = tmp_path / f"mixshare-{os.getpid()}.xlsx"
    planted.symlink_to(victim)
    for command in (["export", "orders"], ["template", "orders"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        assert load_workbook(io.BytesIO(result.stdout_bytes)).sheetnames
        assert victim.read_text() == "precious"
        assert planted.is_symlink()


def test_plan_says_stored_only_after_the_commit(cli_env: str) -> None:
    """Finding 13: `mixshare plan` printed "plan stored" before it committed; a commit that
    fails must leave no such message (and no plan)."""
    from sqlalchemy import event, func, select
    from sqlalchemy.orm import Session

    from mixshare.db import session_scope
    from mixshare.planning.models import Plan

    _run("demo", "--weeks", "2", "--start", "2031-03-03", *QUICK)
    with session_scope(cli_env) as session:
        before = set(session.scalars(select(Plan.id)))

    def refuse_new_plan(session: Session) -> None:
        if any(isinstance(o, Plan) and o.id not in before for o in session.identity_map.values()):
            raise RuntimeError("disk full")

    event.listen(Session, "before_commit", refuse_new_plan)
    try:
        result = runner.invoke(app, ["plan", "--from", "2031-03-10", "--time-limit", "1"])
    finally:
        event.remove(Session, "before_commit", refuse_new_plan)
    assert result.exit_code == 1
    assert "stored" not in result.output
    with session_scope(cli_env) as session:
        assert session.scalar(select(func.count(Plan.id))) == len(before)
