"""Page caches never show data older than the last commit, whoever made it: an edit through
another web process, a worker or the CLI moves the database's data version, which every
cached page reads (a per-process cache used to show figures up to 15 s stale)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from mixshare import data_version
from mixshare.audit import service as audit
from mixshare.db import session_factory
from mixshare.planning import figures
from mixshare.planning.models import Plan, PlanLot
from mixshare.web.cache import TtlCache
from tests.web.conftest import World


def _figures(db_url: str, plan_id: int) -> tuple[dict[str, object], dict[str, object]]:
    """(cached, freshly computed) dashboard figures of the plan's first week."""
    with session_factory(db_url)() as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        window = figures.dashboard_window(plan, plan.horizon_start)
        cached = figures.dashboard_figures(session, plan, None, window)
        return cached, figures._compute(session, plan, None, window)


def test_dashboard_figures_follow_an_edit_committed_elsewhere(db_url: str, world: World) -> None:
    before, _ = _figures(db_url, world.plan)
    with session_factory(db_url)() as other_process:
        lot = other_process.scalars(select(PlanLot).where(PlanLot.plan_id == world.plan)).first()
        assert lot is not None
        lot.kg += 2000  # e.g. a re-plan stored by a worker
        other_process.commit()
    after, fresh = _figures(db_url, world.plan)
    assert after != before
    assert after == fresh


def test_data_version_moves_on_shown_data_only(db_url: str, world: World) -> None:
    with session_factory(db_url)() as session:
        start = data_version.current(session)
        audit.record(session, action="login", object_type="user")  # not shown on pages
        session.commit()
        assert data_version.current(session) == start
        plan = session.get(Plan, world.plan)
        assert plan is not None
        plan.status = "published"
        session.commit()
        assert data_version.current(session) == start + 1
        plan.status = "draft"
        session.rollback()  # nothing committed, nothing counted
        assert data_version.current(session) == start + 1


def test_requests_missing_together_compute_a_value_once() -> None:
    """After an edit every request of a busy page misses at once: one computes, the rest wait."""
    cache: TtlCache[int] = TtlCache(ttl=600, size=4)
    calls: list[int] = []
    release = threading.Event()

    def slow_window() -> int:
        calls.append(1)
        release.wait(5)
        return 42

    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(cache.get_or_compute, "window", slow_window) for _ in range(8)]
        time.sleep(0.2)  # all eight have asked
        release.set()
        assert [a.result(timeout=10) for a in answers] == [42] * 8
    assert len(calls) == 1


def test_a_failed_computation_is_not_kept_and_the_next_caller_computes() -> None:
    cache: TtlCache[int] = TtlCache(ttl=600, size=4)

    def broken() -> int:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("window", broken)
    assert cache.get_or_compute("window", lambda: 7) == 7
