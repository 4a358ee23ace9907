"""Plan runs in a background thread, with progress the plan board polls.

The optimizer runs for seconds; the request that starts it answers at once, and the page asks
``/plan/jobs/{id}`` until the job is done. One run at a time: a second request while a plan
is being computed gets the running job back instead of starting another.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mixshare.errors import MixshareError
from mixshare.planning import service as planning
from mixshare.settings import now_local

Progress = Callable[[float, str], None]
KEEP_FINISHED = 20


@dataclass
class PlanJob:
    id: str
    kind: str
    started_at: datetime
    state: str = "running"  # running | done | failed
    fraction: float = 0.0
    message: str = ""
    plan_id: int | None = None
    error: str = ""
    finished_at: datetime | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: ``days`` days from ``start`` with ``method`` for ``time_limit`` s."""

    start: datetime
    days: int
    method: str = "engine"
    time_limit: float = 10.0


class PlanJobs:
    """The plan runs of this server process."""

    def __init__(self) -> None:
        self._jobs: dict[str, PlanJob] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-run")

    def get(self, job_id: str) -> PlanJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def running(self) -> PlanJob | None:
        with self._lock:
            return next((j for j in self._jobs.values() if j.state == "running"), None)

    def start(self, engine: Engine, plan: PlanRequest, kind: str = "run") -> PlanJob:
        """Start planning in the background (or return the run already going)."""
        with self._lock:
            busy = next((j for j in self._jobs.values() if j.state == "running"), None)
            if busy is not None:
                return busy
            job = PlanJob(id=uuid.uuid4().hex[:12], kind=kind, started_at=now_local())
            self._jobs[job.id] = job
            self._forget_old()
        self._executor.submit(self._run, job, sessionmaker(bind=engine), plan)
        return job

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state != "running"]
        for job in sorted(finished, key=lambda j: j.started_at)[:-KEEP_FINISHED]:
            del self._jobs[job.id]

    def _run(self, job: PlanJob, factory: sessionmaker[Session], plan: PlanRequest) -> None:
        def progress(fraction: float, message: str) -> None:
            with self._lock:
                job.fraction = max(job.fraction, min(1.0, fraction))
                job.message = message

        try:
            with factory() as session:
                stored = planning.run_plan(
                    session,
                    start=plan.start,
                    days=plan.days,
                    method=plan.method,
                    time_limit=plan.time_limit,
                    progress=progress,
                )
                session.commit()
                self._finish(job, "done", plan_id=stored.id)
        except MixshareError as exc:
            self._finish(job, "failed", error=str(exc))
        except Exception as exc:  # a crashed run must not leave the page polling forever
            self._finish(job, "failed", error=f"{type(exc).__name__}: {exc}")

    def _finish(
        self, job: PlanJob, state: str, plan_id: int | None = None, error: str = ""
    ) -> None:
        with self._lock:
            job.state, job.plan_id, job.error = state, plan_id, error
            job.finished_at = now_local()
            if state == "done":
                job.fraction = 1.0


JOBS = PlanJobs()
