"""``/api/v1/plans`` and ``/api/v1/lots``: stored plans and their lots.

Everyone sees that plans exist; a member's users see only their own lots and figures, never
the changeovers, the diff or the center-wide KPIs (they would reveal other members' work).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from mixshare.access import Access, AccessDep, OperationsViewer, Planner, Reader
from mixshare.center_time import CenterDateTime
from mixshare.errors import NotFound
from mixshare.jobs import service as jobs
from mixshare.jobs.api import JobRead, job_read, submit
from mixshare.orders.schemas import local_naive
from mixshare.planning import service
from mixshare.planning.models import Plan, PlanLot
from mixshare.validation import Id, Moment, WholeNumber
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS, Page, PagingDep, check_version
from mixshare.web.params import PathId

router = APIRouter(prefix="/plans", tags=["plans"], responses=PROBLEMS)
lots_router = APIRouter(prefix="/lots", tags=["plans"], responses=PROBLEMS)


class PlanRead(BaseModel):
    id: int
    version: int = Field(description="the plan's number (v1, v2, …)")
    previous_id: int | None
    status: str
    method: str
    created_at: CenterDateTime
    horizon_start: CenterDateTime
    horizon_end: CenterDateTime
    frozen_until: CenterDateTime | None
    row_version: int = Field(description="send it back when publishing or freezing")
    objective: float | None = None
    lower_bound: float | None = None
    kpis: dict[str, Any] | None = None


class LotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_id: int
    code: str
    order_id: int
    order_number: str
    member_id: int
    compound_version_id: int
    compound_key: str
    stage: str
    line_id: int
    line_code: str
    batches: int
    kg: float
    start: CenterDateTime
    end: CenterDateTime
    kwh: float
    energy_cost: float
    locked: bool


class ChangeoverRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_id: int
    from_lot_code: str | None
    to_lot_code: str
    start: CenterDateTime
    end: CenterDateTime
    cleaning_batches: int
    cost: float


class LotMoveRead(BaseModel):
    code: str
    before_line: str | None
    after_line: str | None
    before_start: CenterDateTime | None
    after_start: CenterDateTime | None


class PlanDiffRead(BaseModel):
    plan_id: int
    previous_id: int | None
    moved: list[LotMoveRead]
    added: list[str]
    removed: list[str]
    unchanged: int


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: Moment
    days: int = Field(default=7, ge=1, le=56)
    method: Literal["engine", "dispatch"] = "engine"
    time_limit: float = Field(default=10.0, gt=0, le=120)
    fresh: bool = Field(
        default=False,
        description="plan for the best objective without keeping the published plan's lots "
        "in place (frozen lots still stay)",
    )
    alternatives: bool = Field(
        default=False,
        description="store two drafts to choose from: the least-change plan and the best "
        "(fresh) plan; GET /plans/{plan_id}/tradeoff shows them side by side",
    )
    disruption_id: Id | None = Field(
        default=None,
        description="the downtime (outage) the re-plan answers, for counting "
        "the lots moved outside it",
    )
    seed: WholeNumber | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="with a seed the run does a fixed amount of work (``iterations``) and the "
        "same data gives the identical plan, however long it takes; without one it stops at "
        "``time_limit``",
    )
    iterations: int = Field(
        default=0, ge=0, le=1_000_000, description="with ``seed``; 0: the default amount of work"
    )
    objective: Literal["money", "lexicographic"] = Field(
        default="money",
        description="money: the sum in yuan of lateness penalties, cleaning batches, changeover "
        "hours and TOU energy at the planning prices in force; lexicographic: tardiness first, "
        "then changeovers, then energy",
    )


class AlternativeRead(BaseModel):
    plan: PlanRead
    stability: str = Field(description="least-change or fresh")
    kpis: dict[str, float] = Field(
        description="weighted_tardiness, late_lots, changeover_hours, energy_cost, "
        "unplanned_orders, lots_moved (against the published plan)"
    )
    moved_outside_disruption: int | None = Field(
        description="moved lots the disruption did not force (None: no disruption given)"
    )
    moved: list[LotMoveRead]


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    row_version: int | None = Field(default=None, ge=1)


class FreezeIn(PublishIn):
    hours: float = Field(ge=0, le=336)


_PLAN_FIELDS = [
    "id",
    "version",
    "previous_id",
    "status",
    "method",
    "created_at",
    "horizon_start",
    "horizon_end",
    "frozen_until",
    "row_version",
]


def plan_read(access: Access, plan: Plan, detail: bool = False) -> PlanRead:
    """Center roles see the objective and all KPIs; members only their own figures."""
    fields: dict[str, Any] = {name: getattr(plan, name) for name in _PLAN_FIELDS}
    if access.scope is None:
        fields.update(objective=plan.objective, lower_bound=plan.lower_bound)
    if detail:
        fields["kpis"] = service.plan_kpis(access.session, plan, access.scope)
    return PlanRead(**fields)


def lot_read(lot: PlanLot) -> LotRead:
    return LotRead(
        **{name: getattr(lot, name) for name in LotRead.model_fields if hasattr(lot, name)},
        order_number=lot.order.number,
        compound_key=lot.compound_version.key,
        line_code=lot.line.code,
    )


@router.get("", response_model=Page[PlanRead])
def list_plans(access: AccessDep, paging: PagingDep, user: Reader) -> Page[PlanRead]:
    """Plans, newest first."""
    plans = service.get_all(access.session, limit=paging.limit, offset=paging.offset)
    total = int(access.session.scalar(select(func.count(Plan.id))) or 0)
    items = [plan_read(access, p) for p in plans]
    return Page[PlanRead](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "",
    status_code=202,
    response_model=JobRead,
    responses={**WRITE_PROBLEMS, 202: {"headers": {"Location": {"description": "the job"}}}},
)
def run_plan(
    body: RunIn, request: Request, response: Response, access: AccessDep, user: Planner
) -> JobRead:
    """Queue a plan of the open orders due within ``days`` of ``start``; follow the job at
    ``Location`` (``result.plan_id`` once done). Plan jobs run one at a time, each building
    on the plan before it."""
    job = jobs.create_plan_job(
        access.session,
        kind="run",
        start=local_naive(body.start),
        days=body.days,
        method=body.method,
        time_limit=body.time_limit,
        created_by=user.id,
        fresh=body.fresh,
        alternatives=body.alternatives,
        disruption_id=body.disruption_id,
        objective=body.objective,
        **jobs.seed_params(body.seed, body.iterations),
    )
    access.audit("run", "plan", None, detail={"job": job.id, **job.params})
    access.session.commit()
    submit(request, job)
    access.session.refresh(job)
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return job_read(job)


@router.get("/latest", response_model=PlanRead)
def latest_plan(access: AccessDep, user: Reader) -> PlanRead:
    plan = service.latest_plan(access.session)
    if plan is None:
        raise NotFound("no plan yet")
    return plan_read(access, plan, detail=True)


@router.get("/{plan_id}", response_model=PlanRead)
def get_plan(plan_id: PathId, access: AccessDep, user: Reader) -> PlanRead:
    return plan_read(access, service.get_plan(access.session, plan_id), detail=True)


@router.get("/{plan_id}/lots", response_model=list[LotRead])
def plan_lots(plan_id: PathId, access: AccessDep, user: Reader) -> list[LotRead]:
    """The plan's lots by start; a member's users get only their own company's lots."""
    plan = service.get_plan(access.session, plan_id)
    return [lot_read(lot) for lot in service.plan_lots(access.session, plan, access.scope)]


@router.get("/{plan_id}/changeovers", response_model=list[ChangeoverRead])
def plan_changeovers(
    plan_id: PathId, access: AccessDep, user: OperationsViewer
) -> list[ChangeoverRead]:
    plan = service.get_plan(access.session, plan_id)
    return [ChangeoverRead.model_validate(c) for c in plan.changeovers]


@router.get("/{plan_id}/diff", response_model=PlanDiffRead)
def plan_diff(plan_id: PathId, access: AccessDep, user: OperationsViewer) -> PlanDiffRead:
    """What moved, appeared or disappeared since the previous plan."""
    plan = service.get_plan(access.session, plan_id)
    diff = asdict(service.plan_diff(access.session, plan))
    return PlanDiffRead(plan_id=plan.id, previous_id=plan.previous_id, **diff)


@router.get("/{plan_id}/tradeoff", response_model=list[AlternativeRead])
def plan_tradeoff(
    plan_id: PathId, access: AccessDep, user: OperationsViewer
) -> list[AlternativeRead]:
    """A re-plan's two drafts side by side, least change first: their figures and the lots
    each moves against the published plan. Keep one with ``POST /plans/{id}/keep``."""
    plan = service.get_plan(access.session, plan_id)
    other_id = plan.kpis.get("alternative_id")
    if not isinstance(other_id, int):
        raise NotFound(f"plan {plan_id} was not planned with an alternative")
    pair = service.tradeoff(access.session, plan, service.get_plan(access.session, other_id))
    return [
        AlternativeRead(
            plan=plan_read(access, side.plan),
            stability=str(side.plan.kpis.get("stability", "least-change")),
            kpis=side.kpis,
            moved_outside_disruption=side.moved_outside,
            moved=[LotMoveRead(**asdict(move)) for move in side.moved],
        )
        for side in pair
    ]


@router.post("/{plan_id}/publish", response_model=PlanRead, responses=WRITE_PROBLEMS)
def publish_plan(plan_id: PathId, body: PublishIn, access: AccessDep, user: Planner) -> PlanRead:
    plan = service.get_plan(access.session, plan_id)
    check_version("plan", plan_id, plan.row_version, body.row_version)
    service.publish(access.session, plan)
    access.audit("publish", "plan", plan.id, detail={"version": plan.version})
    access.session.commit()
    return plan_read(access, plan, detail=True)


@router.post("/{plan_id}/discard", response_model=PlanRead, responses=WRITE_PROBLEMS)
def discard_plan(plan_id: PathId, body: PublishIn, access: AccessDep, user: Planner) -> PlanRead:
    """Discard a draft: re-plans never measure stability against drafts anyway, and a
    discarded plan is no longer the one shown by default."""
    plan = service.get_plan(access.session, plan_id)
    check_version("plan", plan_id, plan.row_version, body.row_version)
    service.discard(access.session, plan)
    access.audit("discard", "plan", plan.id, detail={"version": plan.version})
    access.session.commit()
    return plan_read(access, plan)


@router.post("/{plan_id}/keep", response_model=PlanRead, responses=WRITE_PROBLEMS)
def keep_plan(plan_id: PathId, body: PublishIn, access: AccessDep, user: Planner) -> PlanRead:
    """Keep this draft and discard every other draft (e.g. the re-plan alternative not
    chosen); publish it afterwards."""
    plan = service.get_plan(access.session, plan_id)
    check_version("plan", plan_id, plan.row_version, body.row_version)
    discarded = service.keep(access.session, plan)
    access.audit("keep", "plan", plan.id, detail={"discarded": [other.id for other in discarded]})
    access.session.commit()
    return plan_read(access, plan)


@router.post("/{plan_id}/freeze", response_model=PlanRead, responses=WRITE_PROBLEMS)
def freeze_plan(plan_id: PathId, body: FreezeIn, access: AccessDep, user: Planner) -> PlanRead:
    """Freeze the lots that start within the next ``hours`` hours."""
    plan = service.get_plan(access.session, plan_id)
    check_version("plan", plan_id, plan.row_version, body.row_version)
    service.freeze(access.session, plan, body.hours)
    access.audit(
        "freeze",
        "plan",
        plan.id,
        detail={"hours": body.hours, "frozen_until": str(plan.frozen_until)},
    )
    access.session.commit()
    return plan_read(access, plan, detail=True)


@lots_router.get("/{lot_id}", response_model=LotRead)
def get_lot(lot_id: PathId, access: AccessDep, user: Reader) -> LotRead:
    access.guard("lot", lot_id)
    lot = access.session.get(PlanLot, lot_id)
    if lot is None:
        raise NotFound(f"lot {lot_id} not found")
    return lot_read(lot)
