"""The dashboard: output by member and stage, utilisation, on-time rate, changeovers, energy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from mixshare.access import Reader
from mixshare.errors import NotFound
from mixshare.planning import service as planning
from mixshare.planning.figures import dashboard_figures, dashboard_window
from mixshare.planning.models import Plan
from mixshare.settings import now_local
from mixshare.web.deps import SessionDep
from mixshare.web.page_common import parse_day, render
from mixshare.web.params import OptionalQueryId

router = APIRouter()


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


def _chosen_plan(session: SessionDep, plan_id: int | None) -> Plan | None:
    if plan_id is None:
        return planning.latest_plan(session)
    try:
        return planning.get_plan(session, plan_id)
    except NotFound:
        return None


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    user: Reader,
    plan: OptionalQueryId = None,
    week: str | None = None,
) -> HTMLResponse:
    """One week of the plan (``?week=YYYY-MM-DD``, default this week or the plan's first)."""
    chosen = _chosen_plan(session, plan)
    figures = None
    if chosen is not None:
        window = dashboard_window(chosen, now_local(), parse_day(week))
        figures = dashboard_figures(session, chosen, user.scope, window)
    return render(request, "dashboard.html", {"figures": figures}, user=user)
