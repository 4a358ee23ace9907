"""Member pages: the list of member companies and the forms creating and editing one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mixshare.access import Access, CenterAdmin, OperationsViewer
from mixshare.errors import NotFound, ValidationFailed
from mixshare.members import service as members
from mixshare.members.models import Member
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    FormFields,
    field_errors,
    form_page,
    redirect,
    render,
)
from mixshare.web.params import PathId

router = APIRouter()
Errors = dict[str, list[str]]


@router.get("/members", response_class=HTMLResponse)
def member_list(request: Request, session: SessionDep, user: OperationsViewer) -> HTMLResponse:
    return render(request, "catalog/members.html", {"members": members.get_all(session)}, user=user)


# --- members ----------------------------------------------------------------------------------


MEMBER_FIELDS = ("name", "name_en", "products", "priority_weight")


def _member_or_404(session: Session, member_id: int) -> Member:
    try:
        return members.get(session, member_id)
    except NotFound:
        raise HTTPException(status_code=404) from None


def _member_data(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in names}
    if not data.get("priority_weight"):
        data.pop("priority_weight", None)
    return data


@router.get("/members/new", response_class=HTMLResponse)
def new_member(request: Request, user: CenterAdmin) -> HTMLResponse:
    context = {"member": None, "values": {"priority_weight": "1"}}
    return form_page(request, user, "catalog/member_form.html", context)


@router.post("/members/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_member(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    data = _member_data(form, ("code", *MEMBER_FIELDS))
    data["code"] = data["code"].upper()
    try:
        member = members.create_member(session, data)
    except ValidationFailed as exc:
        session.rollback()
        context = {"member": None, "values": form}
        errors = field_errors(exc.problems)
        return form_page(request, user, "catalog/member_form.html", context, errors, 422)
    Access(session, user, request).audit(
        "create", "member", member.id, member_id=member.id, detail={"code": member.code}
    )
    session.commit()
    return redirect(f"/members?created={member.code}")


@router.get("/members/{member_id}", response_class=HTMLResponse)
def edit_member(
    request: Request, session: SessionDep, user: CenterAdmin, member_id: PathId
) -> HTMLResponse:
    member = _member_or_404(session, member_id)
    values = {name: getattr(member, name) for name in MEMBER_FIELDS}
    values["priority_weight"] = f"{member.priority_weight:g}"
    context = {"member": member, "values": values}
    return form_page(request, user, "catalog/member_form.html", context)


@router.post("/members/{member_id}", dependencies=[Depends(verify_csrf)], response_model=None)
def save_member(
    request: Request, session: SessionDep, user: CenterAdmin, member_id: PathId, form: FormFields
) -> Response:
    member = _member_or_404(session, member_id)
    try:
        members.update_member(session, member.id, _member_data(form, MEMBER_FIELDS))
    except ValidationFailed as exc:
        session.rollback()
        context = {"member": _member_or_404(session, member_id), "values": form}
        errors = field_errors(exc.problems)
        return form_page(request, user, "catalog/member_form.html", context, errors, 422)
    Access(session, user, request).audit("update", "member", member.id, member_id=member.id)
    session.commit()
    return redirect(f"/members?updated={member.code}")
