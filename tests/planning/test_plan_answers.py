"""Plans that once ended in a server error: a freeze longer than the next horizon, lines out
for the whole horizon, an engine that cannot be loaded, a server whose clock is not on
center time."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from mixshare.engine.problem import Interval
from mixshare.lines import service as lines_service
from mixshare.planning import service as planning
from mixshare.planning.export import plan_document
from mixshare.planning.problem_builder import fits_somewhere
from mixshare.settings import now_local
from tests.plan_checker import check_plan_document
from tests.planning.conftest import DEMO_MONDAY

START = datetime.combine(DEMO_MONDAY, datetime.min.time())


def test_replan_after_a_freeze_longer_than_the_new_horizon(demo_session: Session) -> None:
    """Freezing 240 h and re-planning two days used to fail: 'locked placement: unknown lot'
    (frozen lots of orders due after the shorter horizon)."""
    first = planning.run_plan(demo_session, start=START, days=7, method="dispatch")
    planning.publish(demo_session, first)  # re-plans keep the published plan's frozen lots
    planning.freeze(demo_session, first, hours=240, now=START)
    second = planning.run_plan(demo_session, start=START, days=2, method="dispatch")
    demo_session.commit()
    before = {lot.code: (lot.line_id, lot.start) for lot in first.lots}
    kept = [lot for lot in second.lots if lot.locked]
    assert kept, "the frozen lots inside the new horizon stay frozen"
    assert all(before[lot.code] == (lot.line_id, lot.start) for lot in kept)
    assert check_plan_document(plan_document(demo_session, second)) == []


def _outage_everywhere(session: Session, days: int) -> None:
    for code in ("L1", "L2"):
        line = lines_service.get_by_code(session, code)
        lines_service.declare_outage(
            session, line_id=line.id, start=START, end=START + timedelta(days=days), reason="t"
        )


def test_both_lines_out_all_week_gives_a_plan_with_reasons(demo_session: Session) -> None:
    """Used to raise InfeasibleProblem (a 500 on the API); now every order is reported
    unplanned with the reason, and the plan is stored."""
    _outage_everywhere(demo_session, 7)
    plan = planning.run_plan(demo_session, start=START, days=7, method="dispatch")
    demo_session.commit()
    assert plan.lots == []
    assert plan.unplanned
    assert all("free long enough" in row.reason for row in plan.unplanned)


def test_lines_out_part_of_the_week_plans_the_rest(demo_session: Session) -> None:
    """Orders due before both lines come back are left unplanned; the others are planned."""
    _outage_everywhere(demo_session, 3)
    plan = planning.run_plan(demo_session, start=START, days=7, method="engine", time_limit=3)
    demo_session.commit()
    assert plan.lots
    assert all(lot.start >= START + timedelta(days=3) for lot in plan.lots)
    assert check_plan_document(plan_document(demo_session, plan)) == []


def test_fits_somewhere_finds_gaps_between_spans() -> None:
    spans = (Interval(60, 120), Interval(100, 300))
    assert fits_somewhere(spans, 400, 0, 60)
    assert not fits_somewhere(spans, 350, 10, 60)  # 10 … 60 and 300 … 350 are too short
    assert fits_somewhere(spans, 400, 10, 100)  # 300 … 400
    assert not fits_somewhere(spans, 350, 10, 100)


def test_an_engine_that_cannot_load_fails_the_run(
    demo_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service used to fall back to the dispatch baseline in silence."""
    monkeypatch.setitem(sys.modules, "mixshare.engine.search", None)  # import fails
    monkeypatch.delattr("mixshare.engine.search", raising=False)
    with pytest.raises(ImportError):
        planning.run_plan(demo_session, start=START, days=2, method="engine", time_limit=1)


@pytest.fixture
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process clock on UTC, as on a server installed with the default time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_freeze_and_created_at_use_center_time_on_a_utc_server(
    demo_session: Session, utc_machine: None
) -> None:
    assert os.environ["TZ"] == "UTC"
    plan = planning.run_plan(demo_session, start=START, days=2, method="dispatch")
    assert abs(plan.created_at - now_local()) < timedelta(minutes=1)
    plan.horizon_start = now_local() - timedelta(days=1)  # the plan runs now
    planning.freeze(demo_session, plan, hours=1)
    assert plan.frozen_until is not None
    assert abs(plan.frozen_until - (now_local() + timedelta(hours=1))) < timedelta(minutes=1)
