"""Trace both ways on the hand-built genealogy of conftest.py, through the service, the CLI,
the API and the page; and member scoping (nothing of the other member's leaks)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mixshare.cli import app as cli_app
from mixshare.db import session_factory
from mixshare.errors import NotFound
from mixshare.trace import service
from mixshare.trace.schemas import delivery_read, raw_lot_read
from mixshare.web.app import create_app
from tests.trace.conftest import Genealogy
from tests.web.pages_helpers import page_login

ALL_CB = {"A-MB1", "A-MB2", "A-RM1", "A-FB1", "B-MB1", "B-FB1"}


@pytest.fixture
def client(db_url: str, genealogy: Genealogy) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, secret_key="test-secret")) as made:
        yield made


def test_forward_reaches_consumers_through_remill_and_deliveries(
    db_url: str, genealogy: Genealogy
) -> None:
    with session_factory(db_url)() as session:
        read = raw_lot_read(service.trace_raw_lot(session, code="R-CB-1"))
    assert read.raw_lot == "R-CB-1" and read.material == "N330"
    assert {b.batch for b in read.batches} == ALL_CB
    fb1 = next(b for b in read.batches if b.batch == "A-FB1")
    assert (fb1.line, fb1.stage, fb1.compound, fb1.member) == ("L1", "FB", "M01.C-M01.v1", "M01")
    deliveries = {d.delivery: (d.member, d.batches) for d in read.deliveries}
    assert deliveries == {"D-A1": ("M01", ["A-FB1"]), "D-B1": ("M02", ["B-FB1"])}


def test_forward_tree_roots_are_the_weighings(db_url: str, genealogy: Genealogy) -> None:
    from mixshare.trace.views import forward_tree

    with session_factory(db_url)() as session:
        tree = forward_tree(service.trace_raw_lot(session, code="R-CB-1"))
    shape = {n.code: [c.code for c in n.children] for n in tree}
    assert shape == {"A-MB1": ["A-RM1"], "A-MB2": ["A-FB1"], "B-MB1": ["B-FB1"]}
    assert [c.code for c in tree[0].children[0].children] == ["A-FB1"]  # MB1 → RM1 → FB1


def test_a_lot_without_receipt_is_traced_by_the_weighings(
    db_url: str, genealogy: Genealogy
) -> None:
    with session_factory(db_url)() as session:
        read = raw_lot_read(service.trace_raw_lot(session, code="R-X-9"))
        assert {b.batch for b in read.batches} == {"A-MB3", "A-FB2"}
        assert [d.delivery for d in read.deliveries] == ["D-A2"]
        with pytest.raises(NotFound):
            service.trace_raw_lot(session, code="R-NEVER")


def test_backward_from_a_delivery(db_url: str, genealogy: Genealogy) -> None:
    with session_factory(db_url)() as session:
        trace = service.trace_delivery(session, delivery_id=genealogy.deliveries["D-A1"])
        read = delivery_read(trace)
    assert (read.delivery, read.member) == ("D-A1", "M01")
    assert [(b.batch, sorted(b.consumed)) for b in read.batches] == [("A-FB1", ["A-MB2", "A-RM1"])]
    consumed = {b.batch: b.consumed for b in read.consumed_batches}
    assert consumed == {"A-MB1": [], "A-MB2": [], "A-RM1": ["A-MB1"]}
    lots = {u.raw_lot: sorted(u.batches) for u in read.raw_lots}
    assert lots == {"R-CB-1": ["A-MB1", "A-MB2"], "R-NR-1": ["A-MB1"], "R-S-1": ["A-FB1"]}
    assert all(u.received for u in read.raw_lots)
    assert [(r.batch, r.in_spec) for r in read.lab_results] == [("A-FB1", True)]


def test_a_member_sees_only_its_own_batches(db_url: str, genealogy: Genealogy) -> None:
    m01, m02 = genealogy.world.members["M01"], genealogy.world.members["M02"]
    with session_factory(db_url)() as session:
        own = raw_lot_read(service.trace_raw_lot(session, code="R-CB-1", scope=m01))
        other = raw_lot_read(service.trace_raw_lot(session, code="R-CB-1", scope=m02))
        with pytest.raises(NotFound):  # only M01 used it: for M02 it does not exist
            service.trace_raw_lot(session, code="R-NR-1", scope=m02)
        with pytest.raises(NotFound):
            service.trace_delivery(session, delivery_id=genealogy.deliveries["D-A1"], scope=m02)
    assert {b.batch for b in own.batches} == {"A-MB1", "A-MB2", "A-RM1", "A-FB1"}
    assert [d.delivery for d in own.deliveries] == ["D-A1"]
    text = own.model_dump_json()
    assert "M02" not in text and '"B-' not in text
    assert {b.batch for b in other.batches} == {"B-MB1", "B-FB1"}
    assert "M01" not in other.model_dump_json()


def test_cli_json_both_ways(
    db_url: str, genealogy: Genealogy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    runner = CliRunner()
    forward = runner.invoke(cli_app, ["trace", "raw-lot", "R-CB-1", "--format", "json"])
    assert forward.exit_code == 0, forward.output
    read = json.loads(forward.stdout)
    assert set(read) >= {"raw_lot", "batches", "deliveries"}
    assert set(read["batches"][0]) == {"batch", "line", "stage", "compound", "member"}
    assert {b["batch"] for b in read["batches"]} == ALL_CB
    assert {d["delivery"] for d in read["deliveries"]} == {"D-A1", "D-B1"}
    backward = runner.invoke(cli_app, ["trace", "delivery", "D-A1", "--format", "json"])
    assert backward.exit_code == 0, backward.output
    read = json.loads(backward.stdout)
    assert {b["batch"] for b in read["consumed_batches"]} == {"A-MB1", "A-MB2", "A-RM1"}
    assert {r["raw_lot"] for r in read["raw_lots"]} == {"R-CB-1", "R-NR-1", "R-S-1"}
    table = runner.invoke(cli_app, ["trace", "delivery", str(genealogy.deliveries["D-A1"])])
    assert table.exit_code == 0 and "A-RM1" in table.stdout and "R-CB-1" in table.stdout
    missing = runner.invoke(cli_app, ["trace", "raw-lot", "R-NEVER"])
    assert missing.exit_code == 1 and "not found" in missing.output


def test_api_scopes_and_guards(client: TestClient, genealogy: Genealogy) -> None:
    world = genealogy.world
    own = client.get("/api/v1/trace/raw-lots/R-CB-1", headers=world.headers("m01"))
    assert own.status_code == 200
    assert {b["batch"] for b in own.json()["batches"]} == {"A-MB1", "A-MB2", "A-RM1", "A-FB1"}
    center = client.get("/api/v1/trace/raw-lots/R-CB-1", headers=world.headers("quality"))
    assert {b["batch"] for b in center.json()["batches"]} == ALL_CB
    foreign_lot = client.get("/api/v1/trace/raw-lots/R-NR-1", headers=world.headers("m02"))
    assert foreign_lot.status_code == 404
    path = f"/api/v1/trace/deliveries/{genealogy.deliveries['D-A1']}"
    assert client.get(path, headers=world.headers("m01")).status_code == 200
    assert client.get(path, headers=world.headers("m02")).status_code == 404
    assert client.get(path, headers=world.headers("line1")).status_code == 403


def test_page_shows_the_tree_in_both_languages(client: TestClient, genealogy: Genealogy) -> None:
    page_login(client, "m01")
    forward = client.get("/trace?raw_lot=R-CB-1&lang=zh-CN")
    assert forward.status_code == 200
    assert "追溯" in forward.text and 'data-batch="A-RM1"' in forward.text
    assert "B-MB1" not in forward.text and "D-B1" not in forward.text
    backward = client.get("/trace?delivery=D-A1&lang=en")
    assert backward.status_code == 200 and "Traceability" in backward.text
    assert 'data-batch="A-MB1"' in backward.text and "R-CB-1" in backward.text
    assert client.get("/trace?delivery=D-B1").status_code == 404
