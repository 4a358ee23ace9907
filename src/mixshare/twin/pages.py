"""The twin page (/twin): the latest stored ``twin compare`` run as charts of both arms per
member (mean and 95 % CI), the latest ``twin claims`` run's verdicts and the latest ``twin
size`` run's capacity curve. The center's admin
and planner only: a member would see every other member's figures. The center admin may
start a run of the stored center on the job queue (``POST /twin/run``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from mixshare.access import Access, AccessDep, CenterAdmin, TwinViewer
from mixshare.errors import ValidationFailed, validated
from mixshare.jobs import service as jobs
from mixshare.jobs.api import submit
from mixshare.jobs.models import Job
from mixshare.twin import service
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import FormFields, redirect, render

router = APIRouter()
TWIN_JOB = "twin"


class RunForm(BaseModel):
    """A run of the stored center from the page: small enough for the queue's time limit."""

    model_config = ConfigDict(extra="ignore")
    weeks: int = Field(1, ge=1, le=4)
    replications: int = Field(3, ge=1, le=10)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    engine_iterations: int = Field(2, ge=1, le=20)


@router.get("/twin", response_class=HTMLResponse)
def twin_page(
    request: Request,
    access: AccessDep,
    user: TwinViewer,
    errors: Annotated[str | None, Query(max_length=2000)] = None,
) -> HTMLResponse:
    compare = service.latest(access.session, kind="compare")
    claims = service.latest(access.session, kind="claims")
    size = service.latest(access.session, kind="size")
    job = access.session.scalars(
        select(Job).where(Job.kind == TWIN_JOB).order_by(Job.id.desc()).limit(1)
    ).first()
    context = {
        "compare": compare,
        "comparison": service.comparison(compare) if compare else None,
        "claims": claims,
        "size": size,
        "capacity": service.capacity(size) if size else None,
        "job": job,
        "errors": errors,
        "form": RunForm(),
    }
    return render(request, "twin/index.html", context, user=user)


@router.post("/twin/run", dependencies=[Depends(verify_csrf)], response_model=None)
def start_run(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    """Queue a twin run of the stored center; the page shows its progress and, once done,
    its results."""
    try:
        run = validated(RunForm, {k: v for k, v in form.items() if v.strip()})
    except ValidationFailed as exc:
        text = "; ".join(f"{p.location}: {p.message}" for p in exc.problems)
        return redirect(f"/twin?errors={quote(text)}")
    job = jobs.create(
        session, kind=TWIN_JOB, params=run.model_dump(), created_by=user.id, time_limit=3600.0
    )
    Access(session, user, request).audit("run", "twin", None, detail={"job": job.id})
    session.commit()
    submit(request, job)
    return redirect("/twin")
