"""``/api/v1/statements``: monthly statements. The center admin reads every member's and closes
months and issues credit notes; a member's users read their own company's statement only
(another member's answers 404, audited). A statement that cannot be computed from complete
data answers 422 naming every missing piece."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from mixshare.access import AccessDep, CenterAdmin, StatementReader
from mixshare.billing import exports, service
from mixshare.ledger.service import MONTH_PATTERN
from mixshare.members.models import Member
from mixshare.validation import Text
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS
from mixshare.web.downloads import PDF, XLSX, attachment
from mixshare.web.params import PathId

router = APIRouter(prefix="/statements", tags=["billing"], responses=PROBLEMS)

Month = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM, 2000-01 to 2100-12")]


class CreditNoteIn(BaseModel):
    """A credit note: a stated credit in yuan, or (no amount) the recomputed difference."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=400)
    amount: float | None = Field(default=None, gt=0, le=1e9, allow_inf_nan=False)


def member_code(access: AccessDep, member_id: int) -> str:
    """The code of member ``member_id`` if the caller may see it (404 otherwise, audited)."""
    access.guard("member", member_id)
    member = access.session.get(Member, member_id)
    assert member is not None  # guarded
    return member.code


@router.get("/{month}")
def month_statements(access: AccessDep, user: StatementReader, month: Month) -> dict[str, Any]:
    """The month: every member's total and the totals by kind (the admin); a member's users get
    their own statement's total only."""
    if access.scope is None:
        return service.month_summary(access.session, month=month)
    member = access.session.get(Member, access.scope)
    assert member is not None
    document = service.statement(access.session, month=month, member=member.code)
    return {
        "month": month,
        "status": document["status"],
        "members": {member.code: document["total"]},
    }


@router.get("/{month}/members/{member_id}")
def member_statement(
    access: AccessDep, user: StatementReader, month: Month, member_id: PathId
) -> dict[str, Any]:
    """A member's statement: lines, totals by kind, the fixed-cost explanation, credit notes."""
    code = member_code(access, member_id)
    return service.statement(access.session, month=month, member=code)


def statement_file(access: AccessDep, month: str, member_id: int, suffix: str) -> Response:
    """A member's statement as a download, ``suffix`` "pdf" or "xlsx" (for the API and the
    pages alike)."""
    code = member_code(access, member_id)
    document = service.statement(access.session, month=month, member=code)
    data = exports.pdf_bytes(document) if suffix == "pdf" else exports.xlsx_bytes(document)
    return attachment(data, f"statement-{month}-{code}.{suffix}")


@router.get(
    "/{month}/members/{member_id}/statement.pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {}}}},
)
def member_statement_pdf(
    access: AccessDep, user: StatementReader, month: Month, member_id: PathId
) -> Response:
    """The statement as PDF (Chinese and English)."""
    return statement_file(access, month, member_id, "pdf")


@router.get(
    "/{month}/members/{member_id}/statement.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def member_statement_xlsx(
    access: AccessDep, user: StatementReader, month: Month, member_id: PathId
) -> Response:
    """The statement as xlsx."""
    return statement_file(access, month, member_id, "xlsx")


@router.post("/{month}/close", responses=WRITE_PROBLEMS)
def close_month(access: AccessDep, user: CenterAdmin, month: Month) -> dict[str, Any]:
    """Close the month: every member's statement is stored and frozen."""
    closed = service.close_month(access.session, month=month, user_id=user.id)
    access.audit("close", "statement_month", month, detail={"total": closed.total_cents / 100})
    access.session.commit()
    return {"month": month, "statements": closed.statements, "total": closed.total_cents / 100}


@router.post("/{month}/members/{member_id}/credit-notes", status_code=201, responses=WRITE_PROBLEMS)
def credit_note(
    body: CreditNoteIn, access: AccessDep, user: CenterAdmin, month: Month, member_id: PathId
) -> dict[str, Any]:
    """A credit note on a closed statement (never an edit of it)."""
    code = member_code(access, member_id)
    note = service.credit_note(
        access.session,
        month=month,
        member=code,
        reason=body.reason,
        amount=body.amount,
        user_id=user.id,
    )
    access.audit(
        "credit_note",
        "statement",
        note.number,
        member_id=member_id,
        detail={"total": note.total_cents / 100},
    )
    access.session.commit()
    return {
        "number": note.number,
        "total": note.total_cents / 100,
        "references": f"ST-{month}-{code}",
    }
