"""Real `mixshare worker` processes on a real queue (a SQLite Huey file of the test's own):
plan jobs run one at a time and chain, and a worker killed with SIGKILL mid-plan leaves no
half-stored plan while its job is retried by the next worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mixshare.db import session_scope
from mixshare.jobs import service
from mixshare.jobs.models import Job
from mixshare.jobs.queue import JobQueue, job_queue
from mixshare.planning.models import Plan, PlanLot
from mixshare.users.service import hash_password
from tests.web.conftest import World, build_world

pytestmark = pytest.mark.slow
LEASE = 4.0


@pytest.fixture
def world(db_url: str) -> World:
    with session_scope(db_url) as session:
        return build_world(session, hash_password("worker-test-pass-1"))


@pytest.fixture
def queue_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'queue.db'}"


@pytest.fixture
def queue(queue_url: str, db_url: str) -> JobQueue:
    return job_queue(queue_url, db_url)


class Workers:
    """Starts `mixshare worker` processes; stops the ones still running at the end."""

    def __init__(self, db_url: str, queue_url: str, logs: Path) -> None:
        self.env = {
            **os.environ,
            "MIXSHARE_DATABASE_URL": db_url,
            "MIXSHARE_QUEUE_URL": queue_url,
            "MIXSHARE_JOB_LEASE_SECONDS": str(LEASE),
        }
        self.logs, self.started = logs, list[subprocess.Popen[bytes]]()

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.started)}.log").open("wb")
        command = [sys.executable, "-m", "mixshare.cli", "worker", "--workers", "2"]
        process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(db_url: str, queue_url: str, tmp_path: Path) -> Iterator[Workers]:
    running = Workers(db_url, queue_url, tmp_path)
    yield running
    running.stop_all()


def _plan_job(db_url: str, world: World, time_limit: float) -> int:
    with session_scope(db_url) as session:
        plan = session.get(Plan, world.plan)
        assert plan is not None
        plan.status = "published"  # the plan re-plans keep stable
        return service.create_plan_job(
            session,
            kind="run",
            start=plan.horizon_start,
            days=7,
            method="engine",
            time_limit=time_limit,
        ).id


def _job(db_url: str, job_id: int) -> Job:
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def _wait(db_url: str, job_id: int, done: tuple[str, ...], seconds: float = 90) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _job(db_url, job_id)
        if job.state in done:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} is {_job(db_url, job_id).state}, not {done}")


def test_real_workers_run_plan_jobs_one_at_a_time_and_chain_them(
    db_url: str, world: World, queue: JobQueue, workers: Workers
) -> None:
    first, second = _plan_job(db_url, world, 1.5), _plan_job(db_url, world, 1.5)
    for job_id in (first, second):
        queue.submit(job_id, db_url)
    workers.start()
    one = _wait(db_url, first, ("done", "failed"))
    two = _wait(db_url, second, ("done", "failed"))
    assert (one.state, two.state) == ("done", "done"), (one.error, two.error)
    assert one.finished_at <= two.started_at  # type: ignore[operator]  # in order, one at a time
    with session_scope(db_url) as session:
        plan_one = session.get(Plan, one.result["plan_id"])  # type: ignore[index]
        plan_two = session.get(Plan, two.result["plan_id"])  # type: ignore[index]
        assert plan_one is not None and plan_two is not None
        # both follow the published plan (a draft is never the plan to keep stable)
        assert plan_one.previous_id == plan_two.previous_id == world.plan
        assert plan_two.version == plan_one.version + 1


def test_sigkilled_worker_leaves_no_plan_and_its_job_is_retried(
    db_url: str, world: World, queue: JobQueue, workers: Workers
) -> None:
    job_id = _plan_job(db_url, world, 6.0)
    queue.submit(job_id, db_url)
    doomed = workers.start()
    deadline = time.monotonic() + 60
    while _job(db_url, job_id).progress < 0.05:  # reading done: the engine is searching
        assert time.monotonic() < deadline, _job(db_url, job_id)
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    killed = _job(db_url, job_id)
    assert killed.state == "running" and killed.attempts == 1
    with session_scope(db_url) as session:  # nothing of the run was stored
        assert session.scalar(select(func.count(Plan.id))) == 1
        others = select(func.count(PlanLot.id)).where(PlanLot.plan_id != world.plan)
        assert session.scalar(others) == 0

    workers.start()  # finds the dead worker's job by its stale heartbeat and runs it again
    retried = _wait(db_url, job_id, ("done", "failed"))
    assert retried.state == "done", retried.error
    assert retried.attempts == 2 and retried.worker != killed.worker
    log = (workers.logs / "worker-1.log").read_text()
    assert f"job {job_id} queued again: worker {killed.worker} stopped responding" in log
    with session_scope(db_url) as session:
        plans = list(session.scalars(select(Plan).order_by(Plan.version)))
        assert [p.previous_id for p in plans] == [None, world.plan]


def test_a_dead_workers_last_attempt_fails_with_the_reason(db_url: str, world: World) -> None:
    from datetime import timedelta

    from mixshare.db import session_factory

    job_id = _plan_job(db_url, world, 1.0)
    factory = session_factory(db_url)
    assert service.claim(factory, job_id, "gone-host:1:abc") == ("claimed", job_id)
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.heartbeat_at is not None
        job.max_attempts = 1
        job.heartbeat_at -= timedelta(seconds=60)
    assert service.reap_dead(factory, lease=LEASE)[0].requeued is False
    failed = _job(db_url, job_id)
    assert failed.state == "failed"
    assert failed.error and "gone-host:1:abc stopped responding" in failed.error


def test_any_plan_message_starts_the_oldest_plan_job(db_url: str, world: World) -> None:
    from mixshare.db import session_factory

    first, second = _plan_job(db_url, world, 1.0), _plan_job(db_url, world, 1.0)
    factory = session_factory(db_url)
    assert service.claim(factory, second, "w:1:a") == ("claimed", first)  # first come first
    assert service.claim(factory, first, "w:1:b") == ("busy", first)  # one plan at a time
    assert service.claim(factory, 999999, "w:1:b") == ("gone", 999999)


def test_a_lost_queue_message_is_sent_again(db_url: str, world: World) -> None:
    from datetime import timedelta

    from mixshare.db import session_factory

    job_id = _plan_job(db_url, world, 1.0)  # committed, but its message never sent
    factory = session_factory(db_url)
    assert service.reap_dead(factory, lease=LEASE) == []  # too young to call lost
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.queued_at -= timedelta(seconds=60)
    reaped = service.reap_dead(factory, lease=LEASE)
    assert [(r.job_id, r.requeued) for r in reaped] == [(job_id, True)]
