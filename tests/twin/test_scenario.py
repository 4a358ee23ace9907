"""Scenario files: the example town runs through ``twin compare --scenario``, and a bad file
names the file, the key path and why, and runs (and stores) nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mixshare.cli import app
from mixshare.db import session_scope
from mixshare.engine.problem import Problem as EngineProblem
from mixshare.errors import ValidationFailed
from mixshare.twin import assumptions as assumption_file
from mixshare.twin import scenario
from mixshare.twin.models import TwinRun

A = assumption_file.load()
EXAMPLE = scenario.EXAMPLE.read_text(encoding="utf-8")


def test_the_example_scenario_is_a_town_of_six_members() -> None:
    spec, a = scenario.load(scenario.EXAMPLE, A)
    inp = scenario.twin_input(spec, weeks=1)
    assert inp.member_codes() == ("T01", "T02", "T03", "T04", "T05", "T06")
    assert isinstance(inp.problem, EngineProblem) and inp.problem.horizon == 7 * 1440
    # T01: 18 t of EPDM-SEAL in 3 t orders and 6 t of NBR-ORING in 2 t orders = 9 orders
    t01 = {lot.order for lot in inp.problem.lots if lot.member == "T01"}
    assert len(t01) == 9
    # a 3 t masterbatch lot on the 157 kg line: ceil(19.1) = 20 batches x 3 min = 60 min
    lot = next(x for x in inp.problem.lots if x.id == "T01-EPDM-SEAL-001/MB")
    assert (lot.options[0].batches, lot.options[0].minutes) == (20, 60)
    assert lot.options[0].kwh == pytest.approx(3000 * 0.20)
    # the member's own equipment and truck, and the scenario's changed default
    assert a.member("T01", "net_volume_l") == 55.0
    assert a.member("T02", "net_volume_l") == A.get("standalone.net_volume_l")
    assert a.members["T05"]["transport_hours"] == 2.0
    assert a.get("shared.investment_yuan") == 20_000_000.0
    # six days of three shifts: Sunday is off
    (sunday,) = inp.problem.lines[0].unavailable
    assert (sunday.start, sunday.end) == (6 * 1440, 7 * 1440)


def test_twin_compare_runs_the_example_scenario(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    args = ["twin", "compare", "--weeks", "1", "--replications", "2", "--seed", "2"]
    args += ["--engine-iterations", "1", "--scenario", str(scenario.EXAMPLE), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output + str(result.exception)
    doc = json.loads(result.stdout)
    assert doc["scenario"] == "small town, 6 members, 1 line"
    assert set(doc["arms"]["shared"]) == {"total", "T01", "T02", "T03", "T04", "T05", "T06"}
    for arm in ("shared", "standalone"):
        total = doc["arms"][arm]["total"]
        assert total["tonnes_delivered"]["mean"] > 0
        low, high = total["kwh_per_t"]["ci95"]
        assert low <= total["kwh_per_t"]["mean"] <= high
    price = doc["contract"]["T01"]
    # T01's orders are MB + FB: 260 + 200 yuan per delivered tonne of tolling
    assert price["tolling_per_t"] == pytest.approx(460.0)
    assert price["price_per_t"]["mean"] == pytest.approx(
        460.0 + price["energy_per_t"]["mean"], abs=1e-3
    )
    # the run is kept with its parameters and seed (the twin page shows it)
    with session_scope() as session:
        run = session.scalars(select(TwinRun)).one()
        assert (run.kind, run.weeks, run.replications, run.seed) == ("compare", 1, 2, 2)
        assert run.scenario == doc["scenario"] and run.result == doc
        assert run.params["engine_iterations"] == 1
        assert run.params["scenario_file"] == str(scenario.EXAMPLE)


BAD = [
    (
        EXAMPLE.replace('member = "T06"', 'member = "T66"'),
        "demand.7.member",
        "T66 is not one of the members",
    ),
    (EXAMPLE.replace("batch_kg = 157.0", "batch_kg = -1"), "lines.0.batch_kg", "greater than 0"),
    (
        EXAMPLE.replace("RM = 2.5, FB = 2.5", "RM = 2.5"),
        "lines.0",
        "cycle_minutes needs a value for stage FB",
    ),
    (EXAMPLE.replace('stages = ["MB"]', 'stages = ["FB", "MB"]'), "demand.4.stages", "one of"),
    (
        EXAMPLE.replace('"shared.investment_yuan"', '"shared.invest"'),
        "assumptions.shared.invest",
        "not an assumption",
    ),
    (
        EXAMPLE.replace("net_volume_l = 75.0", "volume = 75.0"),
        "members.1.standalone.volume",
        "not a standalone assumption",
    ),
    (
        EXAMPLE.replace('end = "11:00", price = 0.64', 'end = "12:00", price = 0.64'),
        "tariff",
        "periods overlap",
    ),
    (EXAMPLE.replace('start = "14:00"', 'start = "14h"'), "tariff.periods.3.start", "HH:MM"),
    ("whatever = 1\n" + EXAMPLE, "whatever", "Extra inputs are not permitted"),
    (EXAMPLE.replace("[contract]", "[contract"), "file", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "where", "why"), BAD)
def test_a_bad_scenario_names_file_key_and_why(
    tmp_path: Path, text: str, where: str, why: str
) -> None:
    path = tmp_path / "town.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        scenario.load(path, A)
    locations = [(p.location, p.message) for p in caught.value.problems]
    assert any(loc == f"{path}: {where}" and why in message for loc, message in locations), (
        locations
    )


def test_twin_compare_refuses_a_bad_scenario_and_runs_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    path = tmp_path / "town.toml"
    path.write_text(EXAMPLE.replace("order_tonnes = 3.0", "order_tonnes = 0"), encoding="utf-8")
    args = ["twin", "compare", "--scenario", str(path), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"{path}: demand.0.order_tonnes" in result.stderr
    assert result.stdout == ""
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(TwinRun)) == 0
