"""The plan board: Gantt per line, lot table, and the planner's actions.

Runs of the optimizer are queued as jobs (:mod:`mixshare.jobs`) that ``mixshare worker`` runs;
the page polls the job's state from ``/api/v1/jobs/{id}``, which any web process answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from sqlalchemy.orm import Session

from mixshare import data_version
from mixshare.access import PLAN, Access, OperationsViewer, Planner, may
from mixshare.audit import service as audit_service
from mixshare.compounds import service as compounds
from mixshare.errors import Conflict, NotFound, Problem, ValidationFailed
from mixshare.jobs import service as jobs
from mixshare.jobs.api import submit
from mixshare.jobs.models import Job
from mixshare.lines import service as lines
from mixshare.members import service as members
from mixshare.orders import service as orders
from mixshare.planning import service as planning
from mixshare.planning.board import MAX_TABLE_LOTS, Window, board_window, gantt, line_codes
from mixshare.planning.compare import kpi_changes
from mixshare.planning.models import Plan
from mixshare.settings import now_local
from mixshare.users.models import User
from mixshare.web.cache import TtlCache, page_cache
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    FormFields,
    blank_to_none,
    environment,
    language_of,
    parse_moment,
    redirect,
    render,
)
from mixshare.web.params import OptionalQueryId, PathId, QueryId

router = APIRouter()
DEFAULT_DAYS = 7
DEFAULT_TIME_LIMIT = 10.0
MAX_TIME_LIMIT = 120.0
# A window of a plan is drawn from shown data only (lots, freeze state, downtimes, due dates,
# tariffs), all in the cache key through the data version: an entry is never stale, and its
# age only bounds memory. (A short age made every request of a busy board recompute the window
# together each time it ran out.)
BOARD_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: ``days`` days from ``start`` with ``method`` for ``time_limit`` s."""

    start: datetime
    days: int
    method: str = "engine"
    time_limit: float = 10.0
    fresh: bool = False
    alternatives: bool = False


def default_start() -> datetime:
    """The next full hour of the center's clock."""
    return now_local().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _plan_or_404(session: Session, plan_id: int) -> Plan:
    try:
        return planning.get_plan(session, plan_id)
    except NotFound:
        raise HTTPException(status_code=404) from None


def _shown_plan(session: Session, plan_id: int | None) -> Plan | None:
    return planning.latest_plan(session) if plan_id is None else _plan_or_404(session, plan_id)


_windows: TtlCache[dict[str, Any]] = page_cache(BOARD_CACHE_SECONDS, 64)


def _window_parts(session: Session, plan: Plan, window: Window, language: str) -> dict[str, Any]:
    """The Gantt data (as JSON for the page) and the lot table rows, rendered once."""
    data = gantt(session, plan, window)
    table = data["lots"][:MAX_TABLE_LOTS]
    rows = environment(language).get_template("plan/_lots.html").render(table=table)
    return {
        "gantt_json": Markup(htmlsafe_json_dumps(data)),
        "lot_rows": Markup(rows),
        "lot_count": len(table),
        "truncated": len(data["lots"]) > MAX_TABLE_LOTS,
    }


def _board_context(
    session: Session,
    plan: Plan | None,
    start: datetime | None,
    days: int | None,
    language: str = "zh_CN",
) -> dict[str, Any]:
    if plan is None:
        return {"plan": None, "gantt_json": None, "lot_rows": "", "truncated": False}
    window = board_window(plan, start, days)
    key = (
        str(session.get_bind().engine.url),
        plan.id,
        plan.row_version,
        window,
        language,
        data_version.current(session),  # any committed edit, by any process
    )
    parts = _windows.get_or_compute(key, lambda: _window_parts(session, plan, window, language))
    return {
        "plan": plan,
        "window": window,
        **parts,
        "previous_day": (window.start - timedelta(days=window.days)).strftime("%Y-%m-%dT%H:%M"),
        "next_day": window.end.strftime("%Y-%m-%dT%H:%M"),
    }


def _run_defaults(plan: Plan | None) -> dict[str, Any]:
    start = default_start() if plan is None else max(plan.horizon_start, default_start())
    return {
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "days": DEFAULT_DAYS,
        "time_limit": DEFAULT_TIME_LIMIT,
        "method": "engine",
    }


@router.get("/plan", response_class=HTMLResponse)
def plan_board(
    request: Request,
    session: SessionDep,
    user: OperationsViewer,
    plan: OptionalQueryId = None,
    start: str | None = None,
    days: Annotated[int | None, Query(ge=0, le=366)] = None,
    job: OptionalQueryId = None,
    errors: str | None = None,
) -> HTMLResponse:
    shown = _shown_plan(session, plan)
    language = language_of(request, user)
    context = _board_context(session, shown, parse_moment(start), days, language)
    context.update(
        {
            "job": _shown_job(session, job),
            "lines": line_codes(session),
            "recent_plans": planning.get_all(session, limit=10),
            "unplanned": planning.unplanned_rows(session, shown),
            "run": _run_defaults(shown),
            "can_act": may(user, PLAN),
            "members": members.get_all(session),
            "error": errors or "",
        }
    )
    return render(request, "plan/board.html", context, user=user)


def _shown_job(session: Session, job_id: int | None) -> Job | None:
    """The job asked for (if it is a plan job), else the plan job queued or running."""
    if job_id is not None:
        asked = session.get(Job, job_id) if 0 < job_id < 2**63 else None
        return asked if asked is not None and asked.lane == "plan" else None
    return jobs.active_plan_job(session)


def _plan_request(form: dict[str, str], fallback: Plan | None) -> PlanRequest:
    """The run asked for by the form; every bad field is named."""
    problems: list[Problem] = []
    start = parse_moment(form.get("start")) or (
        fallback.horizon_start if fallback else default_start()
    )
    days = _int_field(form, "days", DEFAULT_DAYS, 1, 56, problems)
    limit = _float_field(form, "time_limit", DEFAULT_TIME_LIMIT, 0.5, MAX_TIME_LIMIT, problems)
    method = form.get("method") or "engine"
    if method not in planning.METHODS:
        problems.append(Problem("method", f"must be one of {', '.join(planning.METHODS)}"))
    if problems:
        raise ValidationFailed(problems)
    return PlanRequest(
        start=start,
        days=days,
        method=method,
        time_limit=limit,
        fresh=form.get("fresh") == "on",
        alternatives=form.get("alternatives") == "on",
    )


def _int_field(
    form: dict[str, str], name: str, default: int, low: int, high: int, problems: list[Problem]
) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        problems.append(Problem(name, f"must be a whole number from {low} to {high}", raw))
        return default
    return int(raw)


def _float_field(
    form: dict[str, str],
    name: str,
    default: float,
    low: float,
    high: float,
    problems: list[Problem],
) -> float:
    raw = form.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        problems.append(Problem(name, f"must be a number from {low:g} to {high:g}", raw))
        return default
    return value


def _error_redirect(problems: list[Problem]) -> Response:
    from urllib.parse import quote

    text = "; ".join(f"{p.location}: {p.message}" for p in problems)
    return redirect(f"/plan?errors={quote(text)}")


def _start_job(
    request: Request,
    session: Session,
    user: User,
    plan: PlanRequest,
    kind: str,
    disruption_id: int | None = None,
) -> Response:
    """Queue the plan run (it waits for any plan job before it) and show it on the board."""
    job = jobs.create_plan_job(
        session,
        kind=kind,
        start=plan.start,
        days=plan.days,
        method=plan.method,
        time_limit=plan.time_limit,
        created_by=user.id,
        fresh=plan.fresh,
        alternatives=plan.alternatives,
        disruption_id=disruption_id,
    )
    Access(session, user, request).audit("run", "plan", None, detail={"kind": kind, "job": job.id})
    session.commit()
    submit(request, job)
    return redirect(f"/plan?job={job.id}")


@router.post("/plan/jobs/{job_id}/cancel", dependencies=[Depends(verify_csrf)], response_model=None)
def cancel_job(request: Request, session: SessionDep, user: Planner, job_id: PathId) -> Response:
    """Cancel a plan job: a queued one at once, a running one at its next progress report."""
    job = _shown_job(session, job_id)
    if job is None:
        raise HTTPException(status_code=404)
    try:
        jobs.cancel(session, job)
    except Conflict as exc:
        return _error_redirect([Problem("job", str(exc))])
    Access(session, user, request).audit("cancel", "job", job.id, detail={"kind": job.kind})
    session.commit()
    return redirect(f"/plan?job={job.id}")


@router.post("/plan/run", dependencies=[Depends(verify_csrf)], response_model=None)
def run_plan(request: Request, session: SessionDep, user: Planner, form: FormFields) -> Response:
    try:
        plan = _plan_request(form, planning.latest_plan(session))
    except ValidationFailed as exc:
        return _error_redirect(exc.problems)
    return _start_job(request, session, user, plan, "run")


def _replan_request(session: Session, form: dict[str, str]) -> PlanRequest:
    """Re-plan the latest plan's horizon (the form may narrow the time limit)."""
    latest = planning.published_plan(session) or planning.latest_plan(session)
    fields = dict(form)
    if latest is not None and not form.get("start"):
        fields["start"] = latest.horizon_start.strftime("%Y-%m-%dT%H:%M")
        days = round((latest.horizon_end - latest.horizon_start).total_seconds() / 86400)
        fields["days"] = str(max(1, days))
    return _plan_request(fields, latest)


@router.post("/plan/outage", dependencies=[Depends(verify_csrf)], response_model=None)
def declare_outage(
    request: Request, session: SessionDep, user: Planner, form: FormFields
) -> Response:
    try:
        outage = _outage_fields(form)
        downtime = lines.declare_outage(session, **outage)
        plan = _replan_request(session, _replan_fields(form))
    except ValidationFailed as exc:
        session.rollback()
        return _error_redirect(exc.problems)
    except NotFound:
        session.rollback()
        return _error_redirect([Problem("line_id", "unknown line")])
    Access(session, user, request).audit(
        "outage", "downtime", downtime.id, detail=audit_service.jsonable(outage)
    )
    session.commit()
    return _start_job(request, session, user, plan, "outage", disruption_id=downtime.id)


def _replan_fields(form: dict[str, str]) -> dict[str, str]:
    """What a re-plan form may set: its time limit and whether to offer both plans."""
    return {name: form.get(name, "") for name in ("time_limit", "alternatives")}


def _outage_fields(form: dict[str, str]) -> dict[str, Any]:
    problems = []
    line_id = form.get("line_id", "")
    start, end = parse_moment(form.get("start")), parse_moment(form.get("end"))
    if not line_id.isdigit():
        problems.append(Problem("line_id", "choose a line", line_id))
    if start is None:
        problems.append(
            Problem("start", "give the start as YYYY-MM-DD HH:MM", form.get("start", ""))
        )
    if end is None:
        problems.append(Problem("end", "give the end as YYYY-MM-DD HH:MM", form.get("end", "")))
    if problems or start is None or end is None:
        raise ValidationFailed(problems)
    reason = form.get("reason", "").strip()[:200]
    return {"line_id": int(line_id), "start": start, "end": end, "reason": reason}


RUSH_FIELDS = ("member", "compound", "stage", "quantity_kg", "due_at", "release_at")


@router.post("/plan/rush", dependencies=[Depends(verify_csrf)], response_model=None)
def rush_order(request: Request, session: SessionDep, user: Planner, form: FormFields) -> Response:
    data = blank_to_none(form, RUSH_FIELDS)
    data["stage"] = data["stage"] or "final"
    data["note"] = "rush order declared on the plan board"
    if data["member"] and str(data["member"]).isdigit():
        data["member"] = int(data["member"])
    try:
        order = orders.create_order(session, data)
        # the planner declares it: a staff decision, so the order is urgent in the re-plan
        orders.decide_urgency(session, order.id, True, str(data["note"]), user.id)
        plan = _replan_request(session, _replan_fields(form))
    except ValidationFailed as exc:
        session.rollback()
        return _error_redirect(exc.problems)
    Access(session, user, request).audit(
        "create", "order", order.id, member_id=order.member_id, detail={"rush": True}
    )
    session.commit()
    return _start_job(request, session, user, plan, "rush")


@router.post("/plan/{plan_id}/freeze", dependencies=[Depends(verify_csrf)], response_model=None)
def freeze_plan(
    request: Request, session: SessionDep, user: Planner, plan_id: PathId, form: FormFields
) -> Response:
    plan = _plan_or_404(session, plan_id)
    problems: list[Problem] = []
    hours = _float_field(form, "hours", 24.0, 0, 336, problems)
    try:
        if problems:
            raise ValidationFailed(problems)
        planning.freeze(session, plan, hours, now=now_local())
    except ValidationFailed as exc:
        session.rollback()
        return _error_redirect(exc.problems)
    Access(session, user, request).audit("freeze", "plan", plan.id, detail={"hours": hours})
    session.commit()
    return redirect(f"/plan?plan={plan.id}")


@router.post("/plan/{plan_id}/publish", dependencies=[Depends(verify_csrf)], response_model=None)
def publish_plan(request: Request, session: SessionDep, user: Planner, plan_id: PathId) -> Response:
    plan = _plan_or_404(session, plan_id)
    try:
        planning.publish(session, plan)
    except Conflict as exc:
        return _error_redirect([Problem("plan", str(exc))])
    Access(session, user, request).audit("publish", "plan", plan.id)
    session.commit()
    return redirect(f"/plan?plan={plan.id}")


@router.post("/plan/{plan_id}/discard", dependencies=[Depends(verify_csrf)], response_model=None)
def discard_plan(request: Request, session: SessionDep, user: Planner, plan_id: PathId) -> Response:
    """Set a draft aside; the board then shows the newest plan not discarded."""
    plan = _plan_or_404(session, plan_id)
    try:
        planning.discard(session, plan)
    except Conflict as exc:
        return _error_redirect([Problem("plan", str(exc))])
    Access(session, user, request).audit("discard", "plan", plan.id)
    session.commit()
    return redirect("/plan")


@router.post("/plan/{plan_id}/keep", dependencies=[Depends(verify_csrf)], response_model=None)
def keep_plan(request: Request, session: SessionDep, user: Planner, plan_id: PathId) -> Response:
    """Keep this draft, discard the other drafts (the alternative not chosen)."""
    plan = _plan_or_404(session, plan_id)
    try:
        discarded = planning.keep(session, plan)
    except Conflict as exc:
        return _error_redirect([Problem("plan", str(exc))])
    Access(session, user, request).audit(
        "keep", "plan", plan.id, detail={"discarded": [p.id for p in discarded]}
    )
    session.commit()
    return redirect(f"/plan?plan={plan.id}")


@router.get("/plan/{plan_id}/choose", response_class=HTMLResponse)
def choose_plan(
    request: Request, session: SessionDep, user: OperationsViewer, plan_id: PathId
) -> HTMLResponse:
    """A re-plan's least-change and best plan side by side; the planner keeps one."""
    plan = _plan_or_404(session, plan_id)
    other_id = plan.kpis.get("alternative_id")
    if not isinstance(other_id, int):
        raise HTTPException(status_code=404)
    sides = planning.tradeoff(session, plan, _plan_or_404(session, other_id))
    context = {
        "sides": sides,
        "can_act": may(user, PLAN),
        "disruption": plan.kpis.get("disruption"),
    }
    return render(request, "plan/choose.html", context, user=user)


@router.get("/plan/{plan_id}/compare", response_class=HTMLResponse)
def compare_plans(
    request: Request,
    session: SessionDep,
    user: OperationsViewer,
    plan_id: PathId,
    other: OptionalQueryId = None,
) -> HTMLResponse:
    plan = _plan_or_404(session, plan_id)
    previous = _plan_or_404(session, other) if other else None
    if previous is None and plan.previous_id is not None:
        previous = _plan_or_404(session, plan.previous_id)
    diff = planning.plan_diff(session, plan, previous) if previous else None
    changes = kpi_changes(plan, previous) if previous else []
    context = {"plan": plan, "previous": previous, "diff": diff, "changes": changes}
    return render(request, "plan/compare.html", context, user=user)


@router.get("/compounds/options.json")
def compound_options(session: SessionDep, user: Planner, member: QueryId) -> JSONResponse:
    """Compound codes of one member, for the rush-order form."""
    return JSONResponse([c.code for c in compounds.get_all(session, member)])
