"""``mixshare twin claims --format json`` on the demo center, read from the database."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from mixshare.cli import app
from mixshare.db import session_scope
from mixshare.demo.generator import load_demo_center


def test_twin_claims_json_on_the_demo_center(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    with session_scope() as session:
        load_demo_center(session, seed=7, weeks=1, start=date(2031, 3, 3))
    args = [
        "twin",
        "claims",
        "--weeks",
        "1",
        "--replications",
        "2",
        "--seed",
        "3",
        "--engine-iterations",
        "1",
        "--replan-hours",
        "0",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output + str(result.exception)
    doc = json.loads(result.stdout)
    assert list(doc) == ["claims", "replications", "seed"]
    assert (doc["replications"], doc["seed"]) == (2, 3)
    assert [c["id"] for c in doc["claims"]] == [
        "efficiency_x2",
        "energy_minus_20_1_pct",
        "voc_minus_32_1_pct",
        "capacity_100kt_two_lines",
    ]
    for claim in doc["claims"]:
        assert list(claim) == ["id", "claimed", "estimate", "ci95", "verdict", "assumptions"]
        assert claim["verdict"] in ("reproduced", "not reproduced", "depends on")
