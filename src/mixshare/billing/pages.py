"""``/statements``: a member's monthly statement with its cost breakdown chart, PDF and xlsx.

A member's users see their own company's statement only (the member chooser is not shown and
another member's id answers 404, audited); the center admin sees every member's, the month's
totals, and closes the month. Missing data is listed instead of a statement.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from mixshare.access import AccessDep, CenterAdmin, StatementReader
from mixshare.billing import exports, service
from mixshare.billing.api import member_code, statement_file
from mixshare.errors import NotFound, ValidationFailed
from mixshare.ledger.service import MONTH_PATTERN
from mixshare.members.models import Member
from mixshare.settings import now_local
from mixshare.web.deps import verify_csrf
from mixshare.web.page_common import FormFields, redirect, render
from mixshare.web.params import OptionalQueryId, PathId

router = APIRouter()

OptionalMonth = Annotated[str | None, Query(pattern=MONTH_PATTERN)]
Month = Annotated[str, Path(pattern=MONTH_PATTERN)]


def _chart(document: dict[str, Any]) -> dict[str, Any]:
    return {"parts": exports.breakdown(document), "total": document["total"]}


@router.get("/statements", response_class=HTMLResponse)
def statements_page(
    request: Request,
    access: AccessDep,
    user: StatementReader,
    month: OptionalMonth = None,
    member: OptionalQueryId = None,
) -> HTMLResponse:
    month = month or now_local().strftime("%Y-%m")
    member_id = access.scope if access.scope is not None else member
    context: dict[str, Any] = {"month": month, "member_id": member_id, "document": None}
    if access.scope is None:
        context["members"] = list(
            access.session.execute(
                select(Member.id, Member.code, Member.name).order_by(Member.code)
            )
        )
    try:
        if access.scope is None and member_id is None:
            context["summary"] = service.month_summary(access.session, month=month)
        elif member_id is not None:
            code = member_code(access, member_id)
            context["document"] = service.statement(access.session, month=month, member=code)
            context["chart"] = _chart(context["document"])
    except ValidationFailed as exc:
        context["problems"] = [str(p) for p in exc.problems]
    except NotFound as exc:
        if member_id is not None and access.scope is not None and member_id != access.scope:
            raise
        context["problems"] = [str(exc)]
    return render(request, "billing/statements.html", context, user=user)


@router.get("/statements/{month}/members/{member_id}.pdf", response_class=Response)
def statement_pdf(
    access: AccessDep, user: StatementReader, month: Month, member_id: PathId
) -> Response:
    return statement_file(access, month, member_id, "pdf")


@router.get("/statements/{month}/members/{member_id}.xlsx", response_class=Response)
def statement_xlsx(
    access: AccessDep, user: StatementReader, month: Month, member_id: PathId
) -> Response:
    return statement_file(access, month, member_id, "xlsx")


@router.post("/statements/close", dependencies=[Depends(verify_csrf)], response_model=None)
def close_month(
    request: Request, access: AccessDep, user: CenterAdmin, form: FormFields
) -> Response:
    """Close the month given in the form; refusals come back to the page, named."""
    month = form.get("month", "").strip()[:7]
    try:
        closed = service.close_month(access.session, month=month, user_id=user.id)
    except ValidationFailed as exc:
        access.session.rollback()
        context = {
            "month": month,
            "document": None,
            "problems": [str(p) for p in exc.problems],
            "members": [],
        }
        return render(request, "billing/statements.html", context, user=user, status_code=422)
    access.audit("close", "statement_month", month, detail={"total": closed.total_cents / 100})
    access.session.commit()
    return redirect(f"/statements?month={month}&closed=1")
