"""``/api/v1/jobs``: the state of background jobs (plans, re-plans, imports).

Any web process answers from the ``jobs`` table. Center staff see every job; a member's
users see only their own company's jobs (another's, or a staff job, answers 404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mixshare.access import Access, AccessDep, Planner, Reader
from mixshare.center_time import CenterDateTime
from mixshare.jobs import service
from mixshare.jobs.models import Job
from mixshare.jobs.queue import JobQueue
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS
from mixshare.web.params import PathId

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEMS)


class JobRead(BaseModel):
    id: int
    kind: str = Field(description="run | outage | rush | import_orders | import_compounds")
    state: str = Field(description="queued | running | done | failed | cancelled")
    progress: float = Field(ge=0, le=1)
    message: str
    result: dict[str, Any] | None = Field(description='e.g. {"plan_id": 12, "version": 4}')
    error: str | None
    attempts: int
    cancel_requested: bool
    created_at: CenterDateTime
    started_at: CenterDateTime | None
    finished_at: CenterDateTime | None


def job_read(job: Job) -> JobRead:
    return JobRead(
        id=job.id,
        kind=job.kind,
        state=job.state,
        progress=job.progress,
        message=job.message,
        result=job.result,
        error=job.error,
        attempts=job.attempts,
        cancel_requested=job.cancel_requested,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def visible_job(access: Access, job_id: int) -> Job:
    """The job, or 404 (audited) when it is another member's or a staff job."""
    job = service.get_visible(access.session, job_id, None)
    access.ensure_visible("job", job_id, job.member_id)
    return job


def submit(request: Request, job: Job) -> None:
    """Hand a committed job to the queue of this application."""
    queue: JobQueue = request.app.state.job_queue
    queue.submit(job.id, request.app.state.database_url)


@router.get("/{job_id}", response_model=JobRead)
def get_job(job_id: PathId, access: AccessDep, user: Reader) -> JobRead:
    """A job's state and progress; ``result.plan_id`` once a plan job is done."""
    return job_read(visible_job(access, job_id))


@router.post("/{job_id}/cancel", response_model=JobRead, responses=WRITE_PROBLEMS)
def cancel_job(job_id: PathId, access: AccessDep, user: Planner) -> JobRead:
    """Cancel: a queued job at once, a running one at its next progress report (it then
    stores nothing)."""
    job = service.cancel(access.session, visible_job(access, job_id))
    access.audit("cancel", "job", job.id, detail={"kind": job.kind})
    access.session.commit()
    return job_read(job)


@router.post("/{job_id}/retry", status_code=202, response_model=JobRead, responses=WRITE_PROBLEMS)
def retry_job(job_id: PathId, request: Request, access: AccessDep, user: Planner) -> JobRead:
    """Queue a failed or cancelled job again."""
    job = service.retry(access.session, visible_job(access, job_id))
    access.audit("retry", "job", job.id, detail={"kind": job.kind})
    access.session.commit()
    submit(request, job)
    access.session.refresh(job)
    return job_read(job)
