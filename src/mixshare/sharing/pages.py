"""The cost-sharing page and the cost model's form.

``/costs``: center staff see every member's stand-alone cost and share under each rule, the
coalitions that block each rule and the cost model in force; a member's users see their own
company's figures only (its share under each rule, its stand-alone cost and the saving), never
another member's. ``/cost-models/new``: the center admin adds a version of the parameters.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mixshare.access import Access, CenterAdmin, Reader
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.members.models import Member
from mixshare.settings import now_local
from mixshare.sharing import service as sharing
from mixshare.sharing.schemas import parse_month
from mixshare.users.models import User
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import FormFields, field_errors, redirect, render

router = APIRouter()
FIELDS = (
    "valid_from",
    "line_fixed_cost",
    "staff_cost_per_line_shift",
    "treatment_unit_cost",
    "lines_per_treatment_unit",
    "overhead_cost",
    "target_utilisation",
    "shift_hours",
    "max_shifts",
    "maintenance_hours_per_line",
    "source",
    "notes",
)
# the form's values when there is no version yet: the shape of a 3-shift center, no money
FIRST_VERSION = {
    "lines_per_treatment_unit": 2,
    "target_utilisation": 0.85,
    "shift_hours": 8,
    "max_shifts": 3,
    "maintenance_hours_per_line": 32,
}
SHOWN_BLOCKING = 20  # a page lists the first coalitions; share-costs --format json has all


def _month(value: str | None) -> tuple[date, str | None]:
    """The month asked for (this month when none), or this month and the reason."""
    this_month = now_local().date().replace(day=1)
    if not value:
        return this_month, None
    try:
        return parse_month(value), None
    except ValueError as exc:
        return this_month, str(exc)


def _source(value: str | None) -> sharing.Source:
    return value if value in ("batches", "orders") else "auto"  # type: ignore[return-value]


def _staff_view(result: sharing.Sharing) -> dict[str, Any]:
    shares = sharing.member_shares(result)
    document = sharing.as_json(result)
    return {
        "shares": shares,
        "total": result.total,
        "center": result.designs["*"],
        "core": {
            rule: {"count": len(core["blocking"]), "shown": core["blocking"][:SHOWN_BLOCKING]}
            for rule, core in document["core"].items()
        },
        "chart": _chart(shares),
    }


def _member_view(result: sharing.Sharing, code: str) -> dict[str, Any]:
    own = [s for s in sharing.member_shares(result) if s.member == code]
    return {"shares": own, "chart": _chart(own)}


def _chart(shares: list[sharing.MemberShare]) -> dict[str, Any]:
    return {
        "members": [s.member for s in shares],
        "stand_alone": [s.stand_alone for s in shares],
        **{rule: [s.shares[rule] for s in shares] for rule in sharing.RULES},
    }


def _member_code(session: Session, user: User) -> str | None:
    if user.scope is None:
        return None
    member = session.get(Member, user.scope)
    return member.code if member is not None else None


@router.get("/costs", response_class=HTMLResponse)
def cost_sharing(
    request: Request,
    session: SessionDep,
    user: Reader,
    month: str | None = None,
    source: str | None = None,
) -> HTMLResponse:
    first, problem = _month(month)
    context: dict[str, Any] = {
        "month": f"{first:%Y-%m}",
        "source_asked": _source(source),
        "problem": problem,
        "rules": sharing.RULES,
        "versions": sharing.get_all(session) if user.scope is None else [],
    }
    try:
        result = sharing.share(session, first, _source(source))
    except (NotFound, ValueError) as exc:
        context["missing"] = str(exc)
        return render(request, "sharing/costs.html", context, user=user)
    context.update(
        result=result,
        version=result.version,
        **(
            _staff_view(result)
            if user.scope is None
            else _member_view(result, _member_code(session, user) or "")
        ),
    )
    return render(request, "sharing/costs.html", context, user=user)


def _form(
    request: Request,
    user: User,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"values": values, "errors": errors or {}, "fields": FIELDS}
    return render(
        request, "sharing/cost_model_form.html", context, user=user, status_code=status_code
    )


@router.get("/cost-models/new", response_class=HTMLResponse)
def new_cost_model(request: Request, session: SessionDep, user: CenterAdmin) -> HTMLResponse:
    """The form, filled with the version in force (or the defaults) for next month."""
    today = now_local().date()
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    values: dict[str, Any] = dict(FIRST_VERSION)
    versions = sharing.get_all(session)
    if versions:
        values = {name: getattr(versions[0], name) for name in FIELDS}
    values["valid_from"] = f"{next_month:%Y-%m}"
    return _form(request, user, values)


@router.post("/cost-models/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_cost_model(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    data = {name: form.get(name, "").strip() for name in FIELDS}
    try:
        if not data["valid_from"]:
            raise ValidationFailed([Problem("valid_from", "the month is required (YYYY-MM)")])
        version = sharing.create(session, data, user_id=user.id)
    except ValidationFailed as exc:
        session.rollback()
        return _form(request, user, form, field_errors(exc.problems), 422)
    detail = {"valid_from": f"{version.valid_from:%Y-%m}"}
    Access(session, user, request).audit("create", "cost_model", version.id, detail=detail)
    session.commit()
    return redirect(f"/costs?month={version.valid_from:%Y-%m}&created={version.valid_from:%Y-%m}")
