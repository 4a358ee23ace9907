"""Stock and delivery pages: the stock by location with ages and alarms, deliveries (list,
detail with the certificate, and the shop floor's form that picks batches first in, first out).

Everyone reads, a member's users only their own stock and deliveries (404 for another member's
delivery, audited); the operator and the center admin move batches and deliver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from mixshare.access import AccessDep, Reader, StockHandler
from mixshare.errors import Problem, ValidationFailed
from mixshare.execution.models import Batch
from mixshare.members.models import Member
from mixshare.stock import service
from mixshare.stock.models import StockLocation
from mixshare.users.models import User
from mixshare.web.deps import verify_csrf
from mixshare.web.page_common import (
    N_,
    PAGE_SIZE,
    FormFields,
    Page,
    field_errors,
    page_number,
    parse_moment,
    redirect,
    render,
)
from mixshare.web.params import OptionalQueryId, PathId

router = APIRouter()
SHOWN_VALUES = (N_("ok"), N_("expiring"), N_("expired"))
STAGES = ("MB", "RM", "FB")


def _stock_page(
    request: Request,
    access: AccessDep,
    user: User,
    where: service.StockFilter,
    number: int = 1,
    message: str | None = None,
    at: datetime | None = None,
) -> HTMLResponse:
    offset = (number - 1) * PAGE_SIZE
    found = service.stock(access.session, where, now=at, limit=PAGE_SIZE, offset=offset)
    context = {
        "stock": found,
        "paging": Page(number, PAGE_SIZE, found.total),
        "locations": service.locations(access.session),
        "stages": STAGES,
        "filters": {
            "location": where.location_id or "",
            "stage": where.stage or "",
            "alarms": where.alarm_only,
            "at": at.strftime("%Y-%m-%dT%H:%M") if at else "",
        },
        "warn_hours": int(service.WARN_BEFORE.total_seconds() // 3600),
        "message": message,
        "mass": service.mass_kg,
    }
    return render(
        request, "stock/stock.html", context, user=user, status_code=422 if message else 200
    )


@router.get("/stock", response_class=HTMLResponse)
def stock_page(
    request: Request,
    access: AccessDep,
    user: Reader,
    location: OptionalQueryId = None,
    stage: str | None = None,
    alarms: str | None = None,
    page: str | None = None,
    at: str | None = None,
) -> HTMLResponse:
    """Batches in stock, oldest first, with age, maximum age and alarm (``at``: as they were
    or will be at that moment, e.g. at the end of the demo's simulated days)."""
    stage = stage if stage in STAGES else None
    where = service.StockFilter(access.scope, location, stage, alarms == "1")
    return _stock_page(request, access, user, where, page_number(page), at=parse_moment(at))


@router.post(
    "/stock/batches/{batch_id}/move", dependencies=[Depends(verify_csrf)], response_model=None
)
def move_batch(
    request: Request, batch_id: PathId, access: AccessDep, user: StockHandler, form: FormFields
) -> Response:
    """Put a batch in another location; a refusal is shown on the stock page."""
    access.guard("batch", batch_id)
    batch = access.session.get(Batch, batch_id)
    assert batch is not None
    location = _location(access, form.get("location", ""))
    try:
        if location is None:
            raise ValidationFailed([Problem("location", "choose a location")])
        service.move(access.session, batch, location, user, client=access.client)
    except ValidationFailed as exc:
        access.session.rollback()
        message = "; ".join(p.message for p in exc.problems)
        return _stock_page(request, access, user, service.StockFilter(), message=message)
    access.session.commit()
    return redirect("/stock?saved=moved")


def _location(access: AccessDep, value: str) -> StockLocation | None:
    if not value.isdigit() or len(value) > 9:
        return None
    return access.session.get(StockLocation, int(value))


@router.get("/deliveries", response_class=HTMLResponse)
def delivery_list(
    request: Request, access: AccessDep, user: Reader, page: str | None = None
) -> HTMLResponse:
    """Deliveries, newest first."""
    number = page_number(page)
    rows, total = service.list_deliveries(
        access.session, access.scope, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    context = {
        "deliveries": rows,
        "paging": Page(number, PAGE_SIZE, total),
        "kg": service.delivered_kg,
    }
    return render(request, "stock/deliveries.html", context, user=user)


def _members(access: AccessDep) -> list[Member]:
    return list(access.session.scalars(select(Member).order_by(Member.code)))


def _new_context(access: AccessDep, member_id: int | None, count: int) -> dict[str, Any]:
    candidates = service.deliverable(access.session, member_id) if member_id else []
    return {
        "members": _members(access),
        "member_id": member_id or "",
        "count": count,
        "candidates": candidates,
        "suggested": {b.id for b in candidates[:count]},
        "errors": {},
        "values": {},
        "mass": service.mass_kg,
    }


@router.get("/deliveries/new", response_class=HTMLResponse)
def new_delivery(
    request: Request,
    access: AccessDep,
    user: StockHandler,
    member: OptionalQueryId = None,
    count: str | None = None,
) -> HTMLResponse:
    """Choose the member, then its released batches; the oldest ``count`` are suggested."""
    wanted = min(page_number(count), service.MAX_DELIVERY_BATCHES) if count else 0
    context = _new_context(access, member, wanted)
    return render(request, "stock/new_delivery.html", context, user=user)


@dataclass(frozen=True)
class DeliveryForm:
    member_id: int
    batch_ids: list[int]
    note: str


def _small_id(value: object) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 10 else None


async def delivery_form(request: Request) -> DeliveryForm:
    """The form's member, its checked batches (a repeated field) and the note."""
    form = await request.form()
    batch_ids = [i for v in form.getlist("batch") if (i := _small_id(v)) is not None]
    return DeliveryForm(
        _small_id(form.get("member_id", "")) or 0, batch_ids, str(form.get("note", ""))
    )


@router.post("/deliveries", dependencies=[Depends(verify_csrf)], response_model=None)
def create_delivery(
    request: Request,
    access: AccessDep,
    user: StockHandler,
    form: Annotated[DeliveryForm, Depends(delivery_form)],
) -> Response:
    """Record a delivery; refused batches are named on the form."""
    try:
        delivery = service.create_delivery(
            access.session,
            member_id=form.member_id,
            batch_ids=form.batch_ids,
            user=user,
            note=form.note,
            client=access.client,
        )
    except ValidationFailed as exc:
        access.session.rollback()
        context = _new_context(access, form.member_id or None, 0)
        context["suggested"] = set(form.batch_ids)
        context["errors"] = field_errors(exc.problems)
        context["problems"] = exc.problems
        context["values"] = {"note": form.note}
        return render(request, "stock/new_delivery.html", context, user=user, status_code=422)
    access.session.commit()
    return redirect(f"/deliveries/{delivery.id}?saved=created")


@router.get("/deliveries/{delivery_id}", response_class=HTMLResponse)
def delivery_detail(
    request: Request, delivery_id: PathId, access: AccessDep, user: Reader
) -> HTMLResponse:
    """A delivery, its batches, and its certificate of analysis."""
    access.guard("delivery", delivery_id)
    delivery = service.get_delivery(access.session, delivery_id)
    context = {
        "delivery": delivery,
        "total_kg": service.delivered_kg(delivery),
        "mass": service.mass_kg,
    }
    return render(request, "stock/delivery.html", context, user=user)
