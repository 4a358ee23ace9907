"""Order pages: list (filters, paging, planned completion vs due), create, edit, cancel."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mixshare import data_version
from mixshare.access import PLAN, Access, AccessDep, OrderWriter, Planner, Reader, may
from mixshare.compounds import service as compounds
from mixshare.errors import Conflict, Problem, ValidationFailed
from mixshare.members import service as members
from mixshare.orders import service as orders
from mixshare.orders.models import ORDER_STAGES, ORDER_STATUSES, Order
from mixshare.planning import service as planning
from mixshare.planning.due_check import DUE_FIELDS, DueCheck
from mixshare.users.models import User
from mixshare.web.cache import TtlCache, page_cache
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    PAGE_SIZE,
    FormFields,
    Page,
    blank_to_none,
    field_errors,
    page_number,
    parse_moment,
    redirect,
    render,
    translate,
)
from mixshare.web.params import OptionalQueryId, PathId

router = APIRouter()
LIST_CACHE_SECONDS = 600.0
MOMENT = "%Y-%m-%dT%H:%M"
CREATE_FIELDS = ("member", "compound", "stage", "quantity_kg", "due_at", "release_at", "note")
UPDATE_FIELDS = ("quantity_kg", "due_at", "release_at", "note")


def _visible_order(access: Access, order_id: int) -> Order:
    access.guard("order", order_id)
    return orders.get(access.session, order_id)


@router.get("/orders", response_class=HTMLResponse)
def order_list(
    request: Request,
    session: SessionDep,
    user: Reader,
    status: str | None = None,
    member: OptionalQueryId = None,
    page: str | None = None,
) -> HTMLResponse:
    status = status if status in ORDER_STATUSES else None
    member_id = user.scope if user.is_member_user else member
    listing = _listing(session, member_id, status, page_number(page))
    context = {
        "due_warning": _due_warning(request),
        **listing,
        "statuses": ORDER_STATUSES,
        # translated once per page, not once per row
        "labels": {v: translate(request, user, v) for v in (*ORDER_STATUSES, *ORDER_STAGES)},
        "members": [] if user.is_member_user else members.get_all(session),
        "filters": {"status": status or "", "member": member or ""},
    }
    return render(request, "orders/list.html", context, user=user)


# The rows of a list page depend only on the filters and the committed data (the data version
# is in the key), so concurrent requests of the same page share one computation.
_listings: TtlCache[dict[str, Any]] = page_cache(LIST_CACHE_SECONDS, 128)


def _listing(
    session: Session, member_id: int | None, status: str | None, number: int
) -> dict[str, Any]:
    key = (
        str(session.get_bind().engine.url),
        data_version.current(session),
        member_id,
        status,
        number,
    )
    return _listings.get_or_compute(
        key, lambda: _compute_listing(session, member_id, status, number)
    )


def _compute_listing(
    session: Session, member_id: int | None, status: str | None, number: int
) -> dict[str, Any]:
    total = orders.count(session, member_id=member_id, status=status)
    paging = Page(number, PAGE_SIZE, total)
    plan = planning.latest_plan(session)
    rows = orders.list_rows(
        session,
        member_id=member_id,
        status=status,
        limit=PAGE_SIZE,
        offset=paging.offset,
        plan_id=plan.id if plan else None,
    )
    order_ids = [o.id for o in rows]
    return {
        "orders": rows,
        "unplanned": {u.order_id: u for u in planning.unplanned_rows(session, plan, order_ids)},
        "urgencies": orders.urgencies(session, order_ids),
        "paging": paging,
        # plain values: the entry outlives this request's session
        "plan": {"version": plan.version} if plan else None,
    }


def _due_warning(request: Request) -> dict[str, Any] | None:
    """The due-date warning of the order just created, from the redirect's query."""
    due = parse_moment(request.query_params.get("due"))
    earliest_text = request.query_params.get("earliest")
    if due is None or not earliest_text:
        return None
    earliest = parse_moment(earliest_text)
    if earliest is None and earliest_text != "never":
        return None
    return {"due": due, "earliest": earliest}


def _form_context(
    session: Session, user: User, values: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "members": [] if user.is_member_user else members.get_all(session),
        "compounds": compounds.get_all(session, user.scope),
    }


@router.get("/orders/new", response_class=HTMLResponse)
def new_order(request: Request, session: SessionDep, user: OrderWriter) -> HTMLResponse:
    values: dict[str, Any] = {"stage": "final"}
    context = _form_context(session, user, values, {})
    return render(request, "orders/form.html", {**context, "order": None}, user=user)


def _member_value(user: User, fields: dict[str, Any]) -> Any:
    if user.is_member_user:
        return user.scope
    value = fields.get("member")
    return int(value) if value and str(value).isdigit() else value


@router.post("/orders/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_order(
    request: Request, session: SessionDep, user: OrderWriter, form: FormFields
) -> Response:
    data = blank_to_none(form, CREATE_FIELDS)
    data["member"] = _member_value(user, data)
    data["note"] = data["note"] or ""
    data["stage"] = data["stage"] or "final"
    try:
        order = orders.create_order(session, data, member_id=user.scope)
    except ValidationFailed as exc:
        session.rollback()
        context = _form_context(session, user, dict(form), field_errors(exc.problems))
        return render(
            request, "orders/form.html", {**context, "order": None}, user=user, status_code=422
        )
    Access(session, user, request).audit("create", "order", order.id, member_id=order.member_id)
    check = DueCheck.of(session, order)
    session.commit()
    return redirect(f"/orders?{_notice_query('created', order, check)}")


def _notice_query(notice: str, order: Order, check: DueCheck | None) -> str:
    """The list's notice of a new or changed order (``notice``: created, updated); with a
    warning when it is due before it can be done (``earliest=never`` when it cannot be made
    as it stands)."""
    query = {notice: order.number}
    if check is not None and check.warnings:
        query["due"] = order.due_at.strftime(MOMENT)
        query["earliest"] = check.earliest.strftime(MOMENT) if check.earliest else "never"
    return urlencode(query)


def _edit_values(order: Order) -> dict[str, Any]:
    return {
        "quantity_kg": f"{order.quantity_kg:g}",
        "due_at": order.due_at.strftime("%Y-%m-%dT%H:%M"),
        "release_at": order.release_at.strftime("%Y-%m-%dT%H:%M") if order.release_at else "",
        "note": order.note,
        "row_version": order.row_version,
    }


def _edit_page(
    request: Request,
    session: Session,
    user: User,
    order: Order,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        **_form_context(session, user, values, errors),
        "order": order,
        "frozen": orders.is_frozen(session, order.id),
        "may_decide_urgency": may(user, PLAN),
    }
    return render(request, "orders/form.html", context, user=user, status_code=status_code)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def edit_order(request: Request, access: AccessDep, user: Reader, order_id: PathId) -> HTMLResponse:
    session = access.session
    order = _visible_order(access, order_id)
    return _edit_page(request, session, user, order, _edit_values(order), {})


def _row_version(form: dict[str, str]) -> int:
    """The version of the order the form was filled from: required, so a form without it
    cannot overwrite someone else's change unseen."""
    value = form.get("row_version", "")
    if not value.isdigit():
        message = "the form lacks the order's version (row_version): reload the order"
        raise ValidationFailed([Problem("order", message)])
    return int(value)


def _problems_of(exc: ValidationFailed | Conflict) -> list[Problem]:
    """Why an edit was rejected; a conflict (someone saved the order first) is one problem."""
    return exc.problems if isinstance(exc, ValidationFailed) else [Problem("order", str(exc))]


@router.post("/orders/{order_id}", dependencies=[Depends(verify_csrf)], response_model=None)
def update_order(
    request: Request, access: AccessDep, user: OrderWriter, order_id: PathId, form: FormFields
) -> Response:
    session = access.session
    order = _visible_order(access, order_id)
    changes = {k: v for k, v in blank_to_none(form, UPDATE_FIELDS).items() if v is not None}
    try:
        orders.update_order(session, order.id, changes, _row_version(form), member_id=user.scope)
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        order = _visible_order(access, order_id)
        problems = _problems_of(exc)
        status = 409 if isinstance(exc, Conflict) else 422
        return _edit_page(
            request, session, user, order, dict(form), field_errors(problems), status_code=status
        )
    access.audit("update", "order", order.id, member_id=order.member_id)
    check = DueCheck.of(session, order) if changes.keys() & DUE_FIELDS else None
    session.commit()
    return redirect(f"/orders?{_notice_query('updated', order, check)}")


@router.post("/orders/{order_id}/cancel", dependencies=[Depends(verify_csrf)], response_model=None)
def cancel_order(
    request: Request, access: AccessDep, user: OrderWriter, order_id: PathId, form: FormFields
) -> Response:
    session = access.session
    order = _visible_order(access, order_id)
    try:
        orders.cancel_order(session, order.id, _row_version(form), member_id=user.scope)
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        order = _visible_order(access, order_id)
        problems = _problems_of(exc)
        return _edit_page(
            request, session, user, order, _edit_values(order), field_errors(problems), 409
        )
    access.audit("cancel", "order", order.id, member_id=order.member_id)
    session.commit()
    return redirect(f"/orders?cancelled={order.number}")


def _urgency_done(
    request: Request, access: Access, order_id: int, action: str, write: Any
) -> Response:
    """Run an urgency change; audited and back to the order, or the order with the problem."""
    session, user = access.session, access.user
    try:
        order = write()
    except ValidationFailed as exc:
        session.rollback()
        order = _visible_order(access, order_id)
        errors = field_errors(exc.problems)
        return _edit_page(request, session, user, order, _edit_values(order), errors, 422)
    detail = {"number": order.number, "urgency": order.urgency, "reason": order.urgency_reason}
    access.audit(action, "order", order.id, member_id=order.member_id, detail=detail)
    session.commit()
    return redirect(f"/orders/{order.id}")


@router.post(
    "/orders/{order_id}/urgency/request", dependencies=[Depends(verify_csrf)], response_model=None
)
def request_urgency(
    request: Request, access: AccessDep, user: OrderWriter, order_id: PathId, form: FormFields
) -> Response:
    """A member (or staff taking the call) asks for a rush; the planner decides."""
    _visible_order(access, order_id)
    reason = form.get("reason", "")
    return _urgency_done(
        request,
        access,
        order_id,
        "request urgency",
        lambda: orders.request_urgency(access.session, order_id, reason, user.id, user.scope),
    )


@router.post("/orders/{order_id}/urgency", dependencies=[Depends(verify_csrf)], response_model=None)
def decide_urgency(
    request: Request, access: AccessDep, user: Planner, order_id: PathId, form: FormFields
) -> Response:
    """The planner rushes the order (``urgent=1``) or sets it back to normal."""
    _visible_order(access, order_id)
    urgent, reason = form.get("urgent") == "1", form.get("reason", "")
    return _urgency_done(
        request,
        access,
        order_id,
        "decide urgency",
        lambda: orders.decide_urgency(access.session, order_id, urgent, reason, user.id),
    )
