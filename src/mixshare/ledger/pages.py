"""The energy ledger page: a month's kWh and cost by TOU period and member (charts), by line,
stage and compound, peak demand and meter reconciliation with the allocation rule. A member's
users see only their own company's figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mixshare.access import AccessDep, Reader
from mixshare.ledger import service
from mixshare.settings import now_local
from mixshare.web.page_common import render

router = APIRouter()

OptionalMonth = Annotated[str | None, Query(pattern=service.MONTH_PATTERN)]


def _neighbours(month: str) -> tuple[str, str]:
    start, end = service.month_window(month)
    previous = start.replace(day=1).replace(
        year=start.year - (start.month == 1), month=(start.month - 2) % 12 + 1
    )
    return previous.strftime("%Y-%m"), end.strftime("%Y-%m")


@router.get("/ledger/energy", response_class=HTMLResponse)
def energy_page(
    request: Request, access: AccessDep, user: Reader, month: OptionalMonth = None
) -> HTMLResponse:
    month = month or now_local().strftime("%Y-%m")
    ledger = service.energy_ledger(access.session, month=month, member_id=access.scope)
    previous, following = _neighbours(month)
    context = {"ledger": ledger, "previous": previous, "following": following}
    return render(request, "ledger/energy.html", context, user=user)
