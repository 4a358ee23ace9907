"""The twin page (/twin): the latest stored ``twin compare`` run as charts of both arms per
member (mean and 95 % CI) and the latest ``twin claims`` run's verdicts. The center's admin
and planner only: a member would see every other member's figures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mixshare.access import AccessDep, TwinViewer
from mixshare.twin import service
from mixshare.web.page_common import render

router = APIRouter()


@router.get("/twin", response_class=HTMLResponse)
def twin_page(request: Request, access: AccessDep, user: TwinViewer) -> HTMLResponse:
    compare = service.latest(access.session, kind="compare")
    claims = service.latest(access.session, kind="claims")
    context = {
        "compare": compare,
        "comparison": service.comparison(compare) if compare else None,
        "claims": claims,
    }
    return render(request, "twin/index.html", context, user=user)
