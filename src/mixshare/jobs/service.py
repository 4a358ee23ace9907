"""Jobs: create, claim, report progress, finish, cancel, retry, and reap dead workers.

Every state change is one short transaction on the ``jobs`` row, so any process (web or
worker, on any machine) sees the same truth. Two rules hold in the database itself:

- one running job per lane (``uq_jobs_running_lane``): a second plan job cannot start while
  one runs, so plans never fork; it waits and then builds on the first one's plan;
- a job's result is stored in the same transaction as the job's ``done`` mark, and only
  while the job is still running under the worker that claimed it: a cancelled, timed-out or
  reaped run stores nothing.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mixshare.db import transaction
from mixshare.errors import Conflict, MixshareError, NotFound
from mixshare.jobs.models import FINISHED, PLAN_LANE, Job
from mixshare.settings import now_local

DEFAULT_LEASE_SECONDS = 20.0


class JobStopped(MixshareError):
    """The job must stop and store nothing: cancelled, over its time limit, or taken away."""

    def __init__(self, state: str, reason: str) -> None:
        self.state = state
        super().__init__(reason)


@dataclass(frozen=True)
class Reaped:
    """A running job whose worker stopped answering: re-queued (retry) or failed."""

    job_id: int
    requeued: bool
    reason: str


@cache
def worker_name() -> str:
    """This process's name in ``jobs.worker``: host, pid and a random tag."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def lease_seconds() -> float:
    """How long a running job may go without a heartbeat before its worker counts as dead."""
    return float(os.environ.get("MIXSHARE_JOB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def create(
    session: Session,
    *,
    kind: str,
    params: dict[str, Any],
    lane: str | None = None,
    created_by: int | None = None,
    member_id: int | None = None,
    time_limit: float = 600.0,
    max_attempts: int = 2,
) -> Job:
    """A new queued job (flushed, not committed: the caller commits, then enqueues)."""
    now = now_local()
    job = Job(
        kind=kind,
        lane=lane,
        state="queued",
        progress=0.0,
        message="",
        params=params,
        attempts=0,
        max_attempts=max_attempts,
        time_limit=time_limit,
        cancel_requested=False,
        created_by=created_by,
        member_id=member_id,
        created_at=now,
        queued_at=now,
    )
    session.add(job)
    session.flush()
    return job


def get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def get_visible(session: Session, job_id: int, scope: int | None) -> Job:
    """The job if the caller may see it: center staff see all, a member only its own."""
    job = session.get(Job, job_id) if 0 < job_id < 2**63 else None
    if job is None or (scope is not None and job.member_id != scope):
        raise NotFound(f"job {job_id} not found")
    return job


def active_plan_job(session: Session) -> Job | None:
    """The oldest plan job still queued or running (what the board shows)."""
    query = (
        select(Job)
        .where(Job.lane == PLAN_LANE, Job.state.in_(("queued", "running")))
        .order_by(Job.id)
        .limit(1)
    )
    return session.scalar(query)


def cancel(session: Session, job: Job) -> Job:
    """Cancel now if queued; a running job stops at its next progress report."""
    if job.state in FINISHED:
        raise Conflict(f"job {job.id} is already {job.state}")
    if job.state == "queued":
        _finish_fields(job, "cancelled", error="cancelled before it started")
    else:
        job.cancel_requested = True
        job.message = "cancelling"
    session.flush()
    return job


def retry(session: Session, job: Job) -> Job:
    """Queue a failed or cancelled job again (the caller enqueues it after commit)."""
    if job.state not in ("failed", "cancelled"):
        raise Conflict(f"job {job.id} is {job.state}; only failed or cancelled jobs are retried")
    job.state, job.progress, job.message = "queued", 0.0, "queued again"
    job.error, job.result, job.finished_at = None, None, None
    job.cancel_requested, job.worker, job.attempts = False, None, 0
    job.queued_at = now_local()
    session.flush()
    return job


def _finish_fields(job: Job, state: str, *, error: str | None = None) -> None:
    job.state, job.error, job.finished_at = state, error, now_local()


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def claim(factory: sessionmaker[Session], job_id: int, worker: str) -> tuple[str, int]:
    """Start a job under ``worker`` for the queue message of job ``job_id``.

    A job without a lane is started itself. In a lane (plans), a message stands for "one job
    of this lane": the lane's oldest queued job is started, so plan jobs run in the order
    they came whichever worker thread gets its message first. Answers ('claimed', id),
    ('busy', job_id) while the lane runs another job, or ('gone', job_id) when nothing is
    left to start (cancelled, finished, or started by another message).
    """
    with factory() as session:
        lane = session.scalar(select(Job.lane).where(Job.id == job_id))
        target = job_id if lane is None else _oldest_queued(session, lane)
    if target is None:
        return "gone", job_id
    now = now_local()
    statement = (
        update(Job)
        .where(Job.id == target, Job.state == "queued")
        .values(
            state="running",
            worker=worker,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            message="started",
        )
    )
    try:
        with transaction(factory) as session:
            changed = _rowcount(session.execute(statement))
    except IntegrityError:  # uq_jobs_running_lane: another plan job is running
        return "busy", job_id
    if changed:
        return "claimed", target
    # another worker started it between our read and our update: look again (lane) or stop
    return ("busy", job_id) if lane is not None else ("gone", job_id)


def _oldest_queued(session: Session, lane: str) -> int | None:
    query = (
        select(Job.id)
        .where(Job.lane == lane, Job.state == "queued")
        .order_by(Job.queued_at, Job.id)
        .limit(1)
    )
    return session.scalar(query)


def mark_waiting(factory: sessionmaker[Session], job_id: int) -> None:
    """A worker holds this job's queue message and waits for the lane (the reaper re-sends
    the message if that worker dies; see :func:`reap_dead`)."""
    statement = (
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(heartbeat_at=now_local(), message="waiting for the plan job before it")
    )
    with transaction(factory) as session:
        session.execute(statement)


def heartbeat(factory: sessionmaker[Session], worker: str) -> None:
    """Mark the jobs ``worker`` runs as alive."""
    statement = (
        update(Job)
        .where(Job.worker == worker, Job.state == "running")
        .values(heartbeat_at=now_local())
    )
    with transaction(factory) as session:
        session.execute(statement)


def report(
    factory: sessionmaker[Session], job_id: int, worker: str, fraction: float, message: str
) -> None:
    """Store progress; raise :class:`JobStopped` when the job must stop (cancelled, over its
    time limit, or no longer this worker's). The job's final state is committed first."""
    with transaction(factory) as session:
        stop = _progress_or_stop(session, job_id, worker, fraction, message)
    if stop is not None:
        raise stop


def _progress_or_stop(
    session: Session, job_id: int, worker: str, fraction: float, message: str
) -> JobStopped | None:
    job = session.get(Job, job_id)
    if job is None or job.state != "running" or job.worker != worker:
        return JobStopped("failed", "the job was taken from this worker")
    if job.cancel_requested:
        _finish_fields(job, "cancelled", error="cancelled while running; nothing stored")
        return JobStopped("cancelled", "cancelled while running")
    if over_time(job, now_local()):
        _finish_fields(job, "failed", error=_over_time_text(job))
        return JobStopped("failed", _over_time_text(job))
    job.progress = max(job.progress, min(1.0, max(0.0, fraction)))
    job.message = message[:200]
    job.heartbeat_at = now_local()
    return None


def _over_time_text(job: Job) -> str:
    return f"time limit of {job.time_limit:g} s exceeded; nothing stored"


def over_time(job: Job, now: datetime) -> bool:
    return job.started_at is not None and now > job.started_at + timedelta(seconds=job.time_limit)


def finish(session: Session, job_id: int, worker: str, result: dict[str, Any]) -> None:
    """Mark the job done with ``result`` in the caller's transaction (the one that stores the
    result); :class:`JobStopped` if the job is no longer this worker's to finish."""
    statement = (
        update(Job)
        .where(Job.id == job_id, Job.state == "running", Job.worker == worker)
        .where(Job.cancel_requested.is_(False))
        .values(
            state="done",
            progress=1.0,
            message="done",
            result=result,
            error=None,
            finished_at=now_local(),
        )
    )
    if _rowcount(session.execute(statement)) != 1:
        raise JobStopped("failed", "the job was cancelled or taken from this worker")


def fail(
    factory: sessionmaker[Session], job_id: int, worker: str, error: str, state: str = "failed"
) -> None:
    """End the job as ``failed`` (or ``cancelled``) with ``error``, if it is still ours."""
    statement = (
        update(Job)
        .where(Job.id == job_id, Job.state == "running", Job.worker == worker)
        .values(state=state, error=error[:2000], finished_at=now_local())
    )
    with transaction(factory) as session:
        session.execute(statement)


def reap_dead(factory: sessionmaker[Session], lease: float | None = None) -> list[Reaped]:
    """Running jobs without a heartbeat for ``lease`` seconds: their worker died. Each is
    queued again while it has attempts left, otherwise failed with the reason."""
    now = now_local()
    cutoff = now - timedelta(seconds=lease_seconds() if lease is None else lease)
    reaped = []
    with transaction(factory) as session:
        query = select(Job).where(Job.state == "running").with_for_update(skip_locked=True)
        for job in session.scalars(query):
            # this process's own jobs are alive while it is (a starved heartbeat thread on a
            # loaded machine must not get a live run taken away); time limits still apply
            mine = job.worker == worker_name()
            if not mine and (job.heartbeat_at is None or job.heartbeat_at < cutoff):
                reaped.append(_reap(job, now))
            elif over_time(job, now - timedelta(seconds=lease or lease_seconds())):
                _finish_fields(job, "failed", error=_over_time_text(job))
        reaped += _reap_waiting(session, cutoff)
        reaped += _restart_stalled_lane(session, cutoff)
    return reaped


def _restart_stalled_lane(session: Session, cutoff: datetime) -> list[Reaped]:
    """Plan jobs queued for longer than a lease while no plan runs and no worker waits: their
    queue message was lost (a web process died between commit and send, a queue was reset).
    One new message starts the oldest."""
    active = select(Job.id).where(
        Job.lane == PLAN_LANE,
        (Job.state == "running") | ((Job.state == "queued") & (Job.heartbeat_at >= cutoff)),
    )
    if session.scalar(active.limit(1)) is not None:
        return []
    oldest = _oldest_queued(session, PLAN_LANE)
    job = session.get(Job, oldest) if oldest is not None else None
    if job is None or job.queued_at >= cutoff:
        return []
    job.heartbeat_at = None
    return [Reaped(job.id, requeued=True, reason="its queue message was lost")]


def _reap_waiting(session: Session, cutoff: datetime) -> list[Reaped]:
    """Queued jobs that a worker held while waiting for their lane, and that worker died:
    their queue message is gone with it, so they go on the queue again."""
    query = select(Job).where(Job.state == "queued", Job.heartbeat_at < cutoff)
    reaped = []
    for job in session.scalars(query.with_for_update(skip_locked=True)):
        job.heartbeat_at = None
        reaped.append(Reaped(job.id, requeued=True, reason="its waiting worker stopped"))
    return reaped


def _reap(job: Job, now: datetime) -> Reaped:
    since = job.heartbeat_at.strftime("%Y-%m-%d %H:%M:%S") if job.heartbeat_at else "?"
    reason = f"worker {job.worker} stopped responding (no heartbeat since {since})"
    if job.attempts < job.max_attempts and not job.cancel_requested:
        job.state, job.worker, job.queued_at = "queued", None, now
        job.message, job.progress = f"retrying: {reason}", 0.0
        return Reaped(job.id, requeued=True, reason=reason)
    _finish_fields(job, "cancelled" if job.cancel_requested else "failed", error=reason)
    return Reaped(job.id, requeued=False, reason=reason)


def stopped(factory: sessionmaker[Session], job_id: int, worker: str, reason: str) -> None:
    """A run that stopped without storing: cancelled if a cancel was asked, else failed."""
    with transaction(factory) as session:
        job = session.get(Job, job_id)
        if job is None or job.state != "running" or job.worker != worker:
            return  # already ended (by the progress report that stopped it, or the reaper)
        state = "cancelled" if job.cancel_requested else "failed"
        _finish_fields(job, state, error=f"{reason}; nothing stored")


def plan_job_time_limit(engine_seconds: float) -> float:
    """A plan job's own limit: the engine's time plus room to read, check and store."""
    return 2 * engine_seconds + 120.0


def create_plan_job(
    session: Session,
    *,
    kind: str,
    start: datetime,
    days: int,
    method: str,
    time_limit: float,
    created_by: int | None = None,
    seed: int | None = 0,
    iterations: int | None = None,
    fresh: bool = False,
    alternatives: bool = False,
    disruption_id: int | None = None,
    objective: str = "money",
) -> Job:
    """A queued plan run (kind ``run``, ``outage`` or ``rush``) in the plan lane; ``fresh``
    plans for the best objective without keeping the published plan's lots in place;
    ``iterations`` makes the run reproducible (fixed work, see :func:`seed_params`);
    ``alternatives`` stores both the least-change and the fresh plan for the planner to
    choose from (``disruption_id``: the outage they answer)."""
    params = {
        "start": start.isoformat(),
        "days": days,
        "method": method,
        "time_limit": time_limit,
        "seed": seed,
        "iterations": iterations,
        "fresh": fresh,
        "alternatives": alternatives,
        "disruption_id": disruption_id,
        "objective": objective,
    }
    runs = 2 if alternatives else 1
    limit = runs * plan_job_time_limit(time_limit)
    if iterations is not None:  # fixed work takes as long as it takes on a busy machine
        limit = max(limit, REPRODUCIBLE_JOB_SECONDS)
    return create(
        session,
        kind=kind,
        params=params,
        lane=PLAN_LANE,
        created_by=created_by,
        time_limit=limit,
    )


# A reproducible plan run is not cut off by the engine's time limit: its job may run an hour.
REPRODUCIBLE_JOB_SECONDS = 3600.0


def seed_params(seed: int | None, iterations: int = 0) -> dict[str, int | None]:
    """Run parameters for a seed: with one, a reproducible run of ``iterations`` (0: the
    engine's default amount of work); without one, an anytime run stopped by the clock."""
    if seed is None:
        return {"seed": 0, "iterations": None}
    from mixshare.engine.params import SearchParams

    return {"seed": seed, "iterations": iterations or SearchParams().default_iterations}
