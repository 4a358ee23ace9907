"""Batch pages, the review queue and the shift view, as their users see them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mixshare.db import session_factory
from mixshare.execution.models import Batch
from mixshare.planning.models import Plan, PlanLot
from mixshare.web.app import create_app
from tests.execution.conftest import masterbatches, receive_raw_lots
from tests.web.conftest import World, build_world
from tests.web.pages_helpers import logged_in, post_form


@pytest.fixture
def center(db_url: str, password_hash: str) -> World:
    """The small center with a reported batch of each member (overrides conftest's)."""
    with session_factory(db_url)() as session:
        world = build_world(session, password_hash)
        receive_raw_lots(session)
        session.commit()
    return world


@pytest.fixture
def app_client(db_url: str, center: World) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, secret_key="test-secret"), follow_redirects=False) as c:
        yield c


def test_a_member_lists_only_its_own_batches(app_client: TestClient, center: World) -> None:
    browser, _ = logged_in(app_client, "m01")
    page = browser.get("/batches").text
    assert 'data-batch="L1-M01-0001"' in page and "L1-M02-0001" not in page
    assert browser.get(f"/batches/{center.batches['M02']}").status_code == 404
    staff, _ = logged_in(app_client, "quality")
    both = staff.get("/batches").text
    assert 'data-batch="L1-M01-0001"' in both and 'data-batch="L1-M02-0001"' in both


def test_batch_page_shows_weighings_deviations_and_the_curve(
    app_client: TestClient, center: World
) -> None:
    browser, _ = logged_in(app_client, "m01")
    page = browser.get(f"/batches/{center.batches['M01']}?lang=en").text
    assert 'id="curve-data"' in page and '"power_kw": [' in page
    assert "batch_curve.js" in page
    # the world's batch names no raw lots: each weighing is flagged
    assert "ingredients[0].raw_lot" in page and "no raw-material lot given" in page


def test_review_lists_quarantined_documents_with_their_reasons(
    app_client: TestClient, center: World
) -> None:
    bad = masterbatches().next(dump_temperature_c=999)
    assert (
        app_client.post("/api/v1/batches", json=bad, headers=center.headers("line1")).status_code
        == 422
    )
    browser, _ = logged_in(app_client, "operator")
    page = browser.get("/batches/review").text
    assert "dump_temperature_c" in page and "999" in page


def _publish(db_url: str) -> None:
    with session_factory(db_url)() as session:
        session.scalars(select(Plan)).one().status = "published"
        session.commit()


def test_shift_view_shows_the_lots_and_what_was_reported(
    app_client: TestClient, center: World, db_url: str
) -> None:
    with session_factory(db_url)() as session:
        lot = session.get(PlanLot, center.lots["M01"])
        assert lot is not None
        code, end = lot.code, lot.end
    _publish(db_url)
    document = masterbatches().next(lot=code)
    line = center.headers("line1")
    assert app_client.post("/api/v1/batches", json=document, headers=line).status_code == 201
    browser, _ = logged_in(app_client, "operator")
    page = browser.get(f"/shift?at={end:%Y-%m-%dT%H:%M}&lang=en").text
    row = re.search(rf'data-lot="{re.escape(code)}" data-status="(\w+)"', page)
    assert row is not None and row.group(1) == "behind"  # 1 of 3 batches by the lot's end


def test_operator_records_a_batch_by_hand_through_the_ingest_service(
    app_client: TestClient, center: World, db_url: str
) -> None:
    browser, token = logged_in(app_client, "operator")
    form = {
        "line": "L1",
        "batch": "L1-HAND-0001",
        "compound": "M01.C-M01.v1",
        "stage": "MB",
        "started_at": "2026-12-07T08:00:00",
        "ended_at": "2026-12-07T08:03:10",
        "operator": "zhang.wei",
        "dump_temperature_c": "152.5",
        "energy_kwh": "41.2",
        "ingredients": "NR R-NR-1 140 140.2\nSBR R-SBR-1 60 60.1\nN330 R-N330-1 100 100",
    }
    answer = post_form(browser, "/shift/record", token, **form)
    assert answer.status_code == 303, answer.text[:300]
    with session_factory(db_url)() as session:
        batch = session.scalars(select(Batch).where(Batch.code == "L1-HAND-0001")).one()
        assert (batch.source, batch.has_deviation, batch.energy_kwh) == ("form", False, 41.2)
        assert batch.started_at.hour == 8
    bad = post_form(
        browser,
        "/shift/record",
        token,
        **(form | {"batch": "L1-HAND-2", "ended_at": "2026-12-07T07:00:00"}),
    )
    assert bad.status_code == 422 and "ended_at" in bad.text
