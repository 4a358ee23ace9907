"""The permit execution report and zero-waste sheet: readable by openpyxl, figures as the
ledger has them, text from people never a formula; the CLI writes it and imports the export."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from mixshare.cli import app
from mixshare.db import session_factory
from mixshare.environment import service
from mixshare.environment.models import WasteContainer, WasteTransfer
from mixshare.errors import ValidationFailed
from tests.environment.conftest import HOURS, MONTH, Month, write_stack_csv

runner = CliRunner()
HOSTILE = '=HYPERLINK("http://evil.example","x")'


def _hostile_waste(month: Month) -> None:
    """Text as old data or another system may hold it (the forms refuse it, see below)."""
    with session_factory(month.db_url)() as session:
        container = WasteContainer(code="HW-9", category="hazardous", waste_type=HOSTILE,
                                   hw_code="HW08", mass_kg=200, filled_on=date(2026, 11, 3),
                                   recorded_at=datetime(2026, 11, 3))  # fmt: skip
        session.add(container)
        session.add(WasteTransfer(container=container, transferred_on=date(2026, 11, 20),
                                  receiver="@SUM(A1)", receiver_licence="-1", manifest_no="+1",
                                  mass_kg=200, method="disposal",
                                  recorded_at=datetime(2026, 11, 20)))  # fmt: skip
        session.commit()


def test_the_cli_writes_a_readable_formula_safe_workbook(
    month: Month, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", month.db_url)
    csv = write_stack_csv(tmp_path / "stack.csv", list(range(HOURS)))
    imported = runner.invoke(app, ["import", "stack-monitoring", str(csv)])
    assert imported.exit_code == 0, imported.output
    _hostile_waste(month)
    target = tmp_path / "env.xlsx"
    answer = runner.invoke(app, ["export", "environment", "--month", MONTH, "-o", str(target)])
    assert answer.exit_code == 0, answer.output
    book = load_workbook(target)
    assert book.sheetnames == ["Summary", "VOC factor", "Limits", "Treatment log", "Waste",
                               "Zero-waste indicators"]  # fmt: skip
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["胶料投入量 / Rubber input"] == pytest.approx(5.0)
    assert summary["VOC（以NMHC计）排放系数法 / VOC as NMHC, emission factor"] == pytest.approx(
        7.8588
    )
    assert summary["VOC（以NMHC计）在线监测 / VOC as NMHC, stack monitoring"] == pytest.approx(9.05)
    waste = book["Waste"]
    cells = [c for row in waste.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    hostile = [c for c in cells if c.value in {HOSTILE, "@SUM(A1)", "-1", "+1"}]
    assert len(hostile) == 4
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    rows = book["Zero-waste indicators"].iter_rows(min_row=2, values_only=True)
    indicators = {r[0]: r[1] for r in rows}
    assert indicators["危险废物产生强度 / Hazardous waste"] == pytest.approx(200 / 5)
    limits = {r[0]: r for r in book["Limits"].iter_rows(min_row=2, values_only=True)}
    assert limits["nmhc_mg_m3"][4] == 1 and limits["nmhc_mg_m3"][7] == "exceeded"
    assert limits["nmhc_mg_m3"][9] == "no (verify)"


def test_a_bad_month_is_a_clear_error(month: Month, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", month.db_url)
    answer = runner.invoke(app, ["export", "environment", "--month", "11/2026", "-o", "x.xlsx"])
    assert answer.exit_code == 1 and "not a month (use YYYY-MM)" in answer.output


def test_forms_refuse_formula_text(month: Month) -> None:
    with session_factory(month.db_url)() as session, pytest.raises(ValidationFailed):
        service.record_container(session, data={
            "code": "GW-1", "category": "general", "waste_type": HOSTILE, "mass_kg": 1,
            "filled_on": "2026-11-01"})  # fmt: skip


def test_the_ledger_command_prints_both_methods(
    month: Month, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", month.db_url)
    csv = write_stack_csv(tmp_path / "stack.csv", list(range(HOURS)))
    assert runner.invoke(app, ["import", "stack-monitoring", str(csv)]).exit_code == 0
    answer = runner.invoke(app, ["ledger", "environment", "--month", MONTH, "--format", "json"])
    assert answer.exit_code == 0, answer.output
    document = json.loads(answer.output)
    factor, stack = document["voc"]
    assert (factor["method"], factor["kg"], factor["kg_per_t"]) == ("emission factor", 7.859, 1.572)
    assert (stack["method"], stack["kg"], stack["hours_read"]) == ("stack monitoring", 9.05, HOURS)
    table = runner.invoke(app, ["ledger", "environment", "--month", MONTH])
    assert table.exit_code == 0 and "stack monitoring" in table.output
