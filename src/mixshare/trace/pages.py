"""The trace page: a search form (raw-material lot or delivery) and the result as a tree.
Any logged-in person may trace; a member's users see only their own company's batches and
deliveries, and a lot or delivery they may not see is "not found", as one that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mixshare.access import Access, AccessDep, Reader
from mixshare.errors import NotFound
from mixshare.trace import service, views
from mixshare.web.page_common import render

router = APIRouter()
SearchText = Annotated[str | None, Query(max_length=60)]


def _forward(access: Access, code: str) -> dict[str, Any]:
    trace = service.trace_raw_lot(access.session, code=code, scope=access.scope)
    return {"forward": trace, "tree": views.forward_tree(trace)}


def _backward(access: Access, key: str) -> dict[str, Any]:
    delivery_id = service.find_delivery(access.session, key)
    access.guard("delivery", delivery_id)
    trace = service.trace_delivery(access.session, delivery_id=delivery_id, scope=access.scope)
    return {"backward": trace, "tree": views.backward_tree(trace)}


@router.get("/trace", response_class=HTMLResponse)
def trace_page(
    request: Request,
    access: AccessDep,
    user: Reader,
    raw_lot: SearchText = None,
    delivery: SearchText = None,
) -> HTMLResponse:
    """Forward from ``?raw_lot=``, backward from ``?delivery=`` (a number or an id)."""
    lot_code, delivery_key = (raw_lot or "").strip(), (delivery or "").strip()
    context: dict[str, Any] = {"raw_lot": lot_code, "delivery": delivery_key}
    status = 200
    try:
        if lot_code:
            context |= _forward(access, lot_code)
        elif delivery_key:
            context |= _backward(access, delivery_key)
    except NotFound:
        context["not_found"] = True
        status = 404
    return render(request, "trace/trace.html", context, user=user, status_code=status)
