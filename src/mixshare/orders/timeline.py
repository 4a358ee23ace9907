"""A member's own orders on a timeline: due date vs the latest plan's expected completion."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mixshare.access import Reader
from mixshare.orders import service as orders
from mixshare.orders.models import Order
from mixshare.planning import service as planning
from mixshare.planning.board import planned_completion
from mixshare.web.deps import SessionDep
from mixshare.web.page_common import render

router = APIRouter()
TIMELINE_LIMIT = 200


def _timeline_rows(rows: list[Order], completion: dict[int, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": o.id,
            "number": o.number,
            "compound": o.compound_version.key,
            "status": o.status,
            "kg": o.quantity_kg,
            "created": o.created_at.isoformat(timespec="minutes"),
            "due": o.due_at.isoformat(timespec="minutes"),
            "expected": completion[o.id].isoformat(timespec="minutes")
            if o.id in completion
            else None,
        }
        for o in rows
    ]


@router.get("/timeline", response_class=HTMLResponse)
def timeline(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """The caller's member's open and planned orders (center users: every member's)."""
    rows = [
        o
        for status in ("open", "planned", "in_progress")
        for o in orders.get_all(session, member_id=user.scope, status=status, limit=TIMELINE_LIMIT)
    ]
    rows.sort(key=lambda o: (o.due_at, o.id))
    rows = rows[:TIMELINE_LIMIT]
    plan = planning.latest_plan(session)
    completion = planned_completion(session, plan, [o.id for o in rows])
    unplanned = planning.unplanned_rows(session, plan, [o.id for o in rows])
    context = {
        "rows": _timeline_rows(rows, completion),
        "plan": plan,
        "unplanned": {u.order_id: u for u in unplanned},
    }
    return render(request, "timeline.html", context, user=user)
