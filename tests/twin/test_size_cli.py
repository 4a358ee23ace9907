"""``mixshare twin size`` on the demo center: the JSON shape, the charts, and bad ranges named."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mixshare.cli import app
from mixshare.db import session_scope
from mixshare.demo.generator import load_demo_center
from mixshare.twin import service


@pytest.mark.slow
def test_twin_size_json_and_charts_on_the_demo_center(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    with session_scope() as session:
        load_demo_center(session, seed=7, weeks=1, start=date(2031, 3, 3))
    png, page = tmp_path / "curve.png", tmp_path / "curve.html"
    args = ["twin", "size", "--demand-kt", "60:80:20", "--lines", "1:2", "--replications", "2"]
    args += ["--engine-iterations", "1", "--replan-hours", "0", "--workers", "1"]
    args += ["--format", "json", "-o", str(png), "-o", str(page)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output + str(result.exception)
    doc = json.loads(result.stdout)
    assert doc["replications"] == 2 and doc["target_on_time"] == 0.95
    assert [(p["demand_kt"], p["lines"]) for p in doc["points"]] == [
        (60, 1),
        (60, 2),
        (80, 1),
        (80, 2),
    ]
    for point in doc["points"]:
        for kpi in ("on_time_rate", "cost_per_t"):
            low, high = point[kpi]["ci95"]
            assert low <= point[kpi]["mean"] <= high
        assert point["actual_kt"] == pytest.approx(point["demand_kt"], rel=0.05)
    assert [s["demand_kt"] for s in doc["smallest"]] == [60, 80]
    assert doc["wall_seconds"] > 0 and doc["cpu_seconds"] > 0 and len(doc["load_average"]) == 6
    for point in doc["points"]:
        assert point["overloaded"] == (point["unfinished_orders"] > 0)
    # stored as compare and claims runs are: the twin page shows the latest
    with session_scope() as session:
        stored = service.latest(session, kind="size")
        assert stored is not None and stored.result == doc
        assert (stored.replications, stored.seed, stored.params["drain_days"]) == (2, 0, 2.0)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "on-time rate" in text


@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--demand-kt", "40:10:20", "--demand-kt '40:10:20': the end (10) is below the start (40)"),
        ("--demand-kt", "40:160:-5", "the step (-5) must be > 0"),
        ("--demand-kt", "a:b", "--demand-kt 'a:b'"),
        ("--lines", "0:4", "--lines '0:4': the start (0) must be > 0"),
        ("--lines", "1:2.5", "--lines '1:2.5': values must be whole numbers"),
        ("--lines", "1:40", "at most 12 lines"),
        ("-o", "chart.svg", "-o chart.svg: the chart is written as .png or .html"),
    ],
)
def test_twin_size_names_a_bad_option(option: str, value: str, why: str) -> None:
    result = CliRunner().invoke(app, ["twin", "size", option, value])
    assert result.exit_code == 2
    assert why in " ".join(result.stderr.split())
