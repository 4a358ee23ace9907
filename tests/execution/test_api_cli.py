"""The API and the CLI go through the one ingest service: outcomes as statuses and lines."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from mixshare.cli import app as cli_app
from mixshare.db import session_factory
from mixshare.execution.models import Batch, QuarantinedDocument
from mixshare.web.app import create_app
from tests.execution.conftest import masterbatches
from tests.web.conftest import World


@pytest.fixture
def client(db_url: str, center: World) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, secret_key="test-secret")) as made:
        yield made


def batches(db_url: str) -> int:
    with session_factory(db_url)() as session:
        return int(session.scalar(select(func.count(Batch.id))) or 0)


def test_line_account_reports_one_document_per_outcome(
    client: TestClient, center: World, db_url: str
) -> None:
    line = center.headers("line1")
    factory = masterbatches()
    document = factory.next()
    accepted = client.post("/api/v1/batches", json=document, headers=line)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["outcome"] == "accepted" and accepted.json()["batch_id"]
    again = client.post("/api/v1/batches", json=document, headers=line)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    other = copy.deepcopy(document) | {"operator": "li.na"}
    conflict = client.post("/api/v1/batches", json=other, headers=line)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    bad = factory.next(ended_at="2026-12-01T00:00:00+08:00", dump_temperature_c=-99)
    quarantined = client.post("/api/v1/batches", json=bad, headers=line)
    assert quarantined.status_code == 422
    fields = {e["field"] for e in quarantined.json()["errors"]}
    assert {"ended_at", "dump_temperature_c"} <= fields
    assert batches(db_url) == 1


def test_a_list_answers_per_document(client: TestClient, center: World) -> None:
    factory = masterbatches()
    good, off = factory.next(), factory.next()
    off["ingredients"][0]["actual_kg"] = 150.0
    answer = client.post(
        "/api/v1/batches", json=[good, off, {"line": "L1"}], headers=center.headers("line1")
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [r["status"] for r in body["results"]] == [201, 201, 422]
    assert (body["accepted"], body["quarantined"], body["deviations"]) == (2, 1, 1)


def test_a_line_account_reports_only_its_own_line(
    client: TestClient, center: World, db_url: str
) -> None:
    answer = client.post(
        "/api/v1/batches",
        json=masterbatches().next(line="L2"),
        headers=center.headers("line1"),
    )
    assert answer.status_code == 422 and batches(db_url) == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/orders", "/api/v1/lines", "/api/v1/auth/me", "/orders", "/dashboard"]
)
def test_a_line_token_reads_nothing(client: TestClient, center: World, path: str) -> None:
    answer = client.get(path, headers=center.headers("line1"), follow_redirects=False)
    assert answer.status_code in (403, 404)


def test_people_other_than_the_admin_cannot_ingest(client: TestClient, center: World) -> None:
    for account in ("operator", "quality", "planner", "m01"):
        answer = client.post(
            "/api/v1/batches", json=masterbatches().next(), headers=center.headers(account)
        )
        assert answer.status_code == 403


def test_cli_prints_each_document_not_accepted_and_a_summary(
    db_url: str, center: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    factory = masterbatches()
    good = [factory.next() for _ in range(3)]
    off = factory.next()
    off["ingredients"][2]["actual_kg"] = 90.0
    lines = [json.dumps(d) for d in (*good, off, good[0])]
    lines += [json.dumps(good[1] | {"operator": "x"}), "{not json", json.dumps({"line": "L1"})]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["ingest", "batches", str(tmp_path)])
    output = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "accepted 4, duplicates 1, conflicts 1, quarantined 2, deviations 1" in output
    assert "a.jsonl:4: L1/L1-20261207-0004: accepted with deviation" in output
    assert "a.jsonl:7: ?/?: quarantined: document: text that is not JSON" in output
    assert batches(db_url) == 4
    with session_factory(db_url)() as session:
        assert session.scalar(select(func.count(QuarantinedDocument.id))) == 2


def test_line_account_command_prints_a_working_token(
    db_url: str, center: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli_app, ["line-account", "L1", "plc-l1"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with TestClient(create_app(db_url, secret_key="x")) as client:
        headers = {"Authorization": f"Bearer {token}"}
        answer = client.post("/api/v1/batches", json=masterbatches().next(), headers=headers)
        assert answer.status_code == 201
        assert client.get("/api/v1/orders", headers=headers).status_code == 403


def test_staff_receive_raw_lots_that_weighings_then_name(
    client: TestClient, center: World, db_url: str
) -> None:
    receipt = {
        "code": "R-NR-2",
        "material": "NR",
        "supplier": "海南橡胶",
        "supplier_lot": "HN-26-0917",
        "quantity_kg": 24000,
        "received_at": "2026-12-06T10:00:00+08:00",
    }
    made = client.post("/api/v1/raw-lots", json=receipt, headers=center.headers("operator"))
    assert made.status_code == 201, made.text
    again = client.post("/api/v1/raw-lots", json=receipt, headers=center.headers("operator"))
    assert again.status_code == 422  # the lot code exists
    document = masterbatches().next()
    document["ingredients"][0]["raw_lot"] = "R-NR-2"
    answer = client.post("/api/v1/batches", json=document, headers=center.headers("line1"))
    assert answer.status_code == 201 and answer.json()["deviations"] == []


def test_cli_reads_what_fast_json_parsing_refuses_as_before(
    db_url: str, center: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """orjson refuses NaN; the standard library reads it, so the document is judged by the
    ingest service (a broken sensor value, named) and not dismissed as text that is not JSON."""
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    document = masterbatches().next()
    text = json.dumps(document).replace(
        f'"dump_temperature_c": {json.dumps(document["dump_temperature_c"])}',
        '"dump_temperature_c": NaN',
    )
    assert "NaN" in text
    (tmp_path / "a.jsonl").write_text(text + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["ingest", "batches", str(tmp_path)])
    output = " ".join(result.output.split())
    assert "quarantined: dump_temperature_c" in output, output
