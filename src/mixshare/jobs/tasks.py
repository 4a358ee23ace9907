"""What a worker does with a job id: wait for the job's turn, run it, store its result.

Kinds: ``run``, ``outage`` and ``rush`` are plan runs (the plan lane: one at a time, each
building on the plan before it); ``import_KIND`` imports a file the worker can read with the
import of ``KIND`` in :mod:`mixshare.uploads.registry`; ``twin`` runs the center's twin and
stores its compare and claims documents (:func:`mixshare.twin.service.run_center`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from mixshare.db import session_factory
from mixshare.errors import MixshareError
from mixshare.jobs import service
from mixshare.jobs.models import Job
from mixshare.jobs.service import JobStopped

PLAN_KINDS = ("run", "outage", "rush")
WAIT_POLL_SECONDS = 0.2
# progress is written at most this often; the cancel flag is read with each write
REPORT_EVERY_SECONDS = 0.2
REPORT_STEP = 0.05  # … unless the job moved on by at least this much (a new stage)

log = logging.getLogger("mixshare.jobs")
Progress = Callable[[float, str], None]
Handler = Callable[[sessionmaker[Session], Job, "Reporter"], dict[str, Any]]


def run_job(job_id: int, db_url: str | None = None, on_progress: Progress | None = None) -> None:
    """The queue's one task: run a job for the message of job ``job_id`` (in the plan lane,
    the oldest queued plan job) on ``db_url`` (default: configured). The outcome is in the
    job's row; ``on_progress`` also sees the progress (the CLI's bar)."""
    factory = session_factory(db_url)
    worker = service.worker_name()
    claimed = _wait_for_turn(factory, job_id, worker)
    if claimed is None:
        return
    with factory() as session:
        job = service.get(session, claimed)
        session.expunge(job)
    reporter = Reporter(factory, claimed, worker, on_progress)
    try:
        with Heartbeat(factory, worker):
            _handler(job.kind)(factory, job, reporter)
    except JobStopped as stopped:
        service.stopped(factory, claimed, worker, str(stopped))
    except MixshareError as exc:
        service.fail(factory, claimed, worker, str(exc))
    except Exception as exc:  # a crashed job must end failed, with the reason, not hang
        log.exception("job %s crashed", claimed)
        service.fail(factory, claimed, worker, f"{type(exc).__name__}: {exc}")


class Heartbeat:
    """Marks this worker's running jobs alive every quarter lease while a job runs (the
    engine reports progress only when it improves, which can be minutes apart)."""

    def __init__(self, factory: sessionmaker[Session], worker: str) -> None:
        self.factory, self.worker = factory, worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(service.lease_seconds() / 4):
            try:
                service.heartbeat(self.factory, self.worker)
            except Exception:  # a missed beat is retried; the lease allows for three
                log.warning("heartbeat failed", exc_info=True)


def _wait_for_turn(factory: sessionmaker[Session], job_id: int, worker: str) -> int | None:
    """The id of the job this worker started, waiting while the lane runs another job;
    None when nothing is left to start."""
    while True:
        outcome, claimed = service.claim(factory, job_id, worker)
        if outcome != "busy":
            return claimed if outcome == "claimed" else None
        service.mark_waiting(factory, job_id)
        time.sleep(WAIT_POLL_SECONDS)


class Reporter:
    """The progress callback of one job: throttled writes, stop when told to."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        job_id: int,
        worker: str,
        also: Progress | None = None,
    ) -> None:
        self.factory, self.job_id, self.worker, self.also = factory, job_id, worker, also
        self._last, self._fraction = 0.0, 0.0

    def __call__(self, fraction: float, message: str) -> None:
        if self.also is not None:
            self.also(fraction, message)
        now = time.monotonic()
        small_step = fraction - self._fraction < REPORT_STEP
        if now - self._last < REPORT_EVERY_SECONDS and small_step:
            return
        self._last, self._fraction = now, fraction
        service.report(self.factory, self.job_id, self.worker, fraction, message)


def _plan(factory: sessionmaker[Session], job: Job, reporter: Reporter) -> dict[str, Any]:
    from mixshare.planning import service as planning

    params = job.params
    run = {
        "start": datetime.fromisoformat(params["start"]),
        "days": int(params["days"]),
        "time_limit": float(params.get("time_limit", 10.0)),
        "seed": params.get("seed", 0),
        "iterations": params.get("iterations"),
        "objective": params.get("objective", "money"),
        "progress": reporter,
    }
    with factory() as session:
        result: dict[str, Any]
        if params.get("alternatives"):
            disruption = planning.disruption_of(session, params.get("disruption_id"))
            least, best = planning.run_alternatives(session, disruption=disruption, **run)
            result = {
                "plan_id": least.id,
                "version": least.version,
                "alternative_id": best.id,
                "alternative_version": best.version,
            }
        else:
            plan = planning.run_plan(
                session,
                method=str(params.get("method", "engine")),
                fresh=bool(params.get("fresh", False)),
                **run,
            )
            result = {"plan_id": plan.id, "version": plan.version}
        service.finish(session, job.id, reporter.worker, result)  # same transaction as the plan
        session.commit()
    return result


def _import(factory: sessionmaker[Session], job: Job, reporter: Reporter) -> dict[str, Any]:
    """Run the registered import of the job's kind on the file it names; a file the web
    upload left for the worker (``remove_after``) is removed once read."""
    from mixshare.uploads import registry

    kind = registry.of_job(job.kind)
    if kind is None:
        raise MixshareError(f"unknown import kind {job.kind!r}")
    path = Path(job.params["path"])
    reporter(0.05, "reading and checking the file")  # before the import holds a write lock
    try:
        with factory() as session:
            outcome = kind.run(session, path, job.params.get("member_id"))
            result = {"file": outcome.file, "rows": outcome.rows, "created": outcome.created}
            service.finish(session, job.id, reporter.worker, result)
            session.commit()
    finally:
        if job.params.get("remove_after"):
            path.unlink(missing_ok=True)
    return result


def _twin(factory: sessionmaker[Session], job: Job, reporter: Reporter) -> dict[str, Any]:
    """Both arms of the stored center, the job's weeks, replications, seed and engine
    iterations; the compare and claims documents stored with the job's author."""
    from mixshare.twin import service as twin
    from mixshare.twin.data import Settings

    params = job.params
    settings = Settings(
        replications=int(params["replications"]),
        seed=int(params["seed"]),
        engine_iterations=int(params["engine_iterations"]),
    )

    def progress(done: int, total: int) -> None:
        reporter(done / total, f"replication {done} of {total}")

    reporter(0.0, "reading the center's demand")
    with factory() as session:
        compare, claims = twin.run_center(
            session,
            weeks=int(params["weeks"]),
            settings=settings,
            created_by=job.created_by,
            progress=progress,
        )
        result = {"compare_run": compare.id, "claims_run": claims.id}
        service.finish(session, job.id, reporter.worker, result)  # same transaction as the runs
        session.commit()
    return result


def _handler(kind: str) -> Handler:
    if kind in PLAN_KINDS:
        return _plan
    if kind == "twin":
        return _twin
    if kind.startswith("import_"):
        return _import
    raise MixshareError(f"unknown job kind {kind!r}")
