"""User accounts: the center admin manages everyone, a member admin its own company's users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mixshare.access import Access, AccessDep, UserAdmin
from mixshare.errors import ValidationFailed
from mixshare.members import service as members
from mixshare.users import service as users
from mixshare.users.models import LANGUAGES, MEMBER_ROLES, PEOPLE_ROLES, User
from mixshare.web.auth import current_session
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    PAGE_SIZE,
    FormFields,
    Page,
    field_errors,
    page_number,
    redirect,
    render,
)
from mixshare.web.params import PathId

router = APIRouter()


def _visible_user(access: Access, user_id: int) -> User:
    access.guard("user", user_id)
    return users.get(access.session, user_id)


def _form_context(session: Session, actor: User) -> dict[str, Any]:
    return {
        "roles": MEMBER_ROLES if actor.is_member_user else PEOPLE_ROLES,
        "languages": LANGUAGES,
        "members": [] if actor.is_member_user else members.get_all(session),
    }


def _form_page(
    request: Request,
    session: Session,
    actor: User,
    account: User | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The account form: a new account when ``account`` is None."""
    context = {
        **_form_context(session, actor),
        "account": account,
        "values": values,
        "errors": errors or {},
    }
    return render(request, "users/form.html", context, user=actor, status_code=status_code)


def _shown_again(form: dict[str, str]) -> dict[str, Any]:
    """A rejected form's values to show again: all but the password."""
    return {k: v for k, v in form.items() if k != "password"}


def user_data(form: dict[str, str], actor: User, creating: bool) -> dict[str, Any]:
    """The form as the users service expects it (blank fields left out when editing)."""
    data: dict[str, Any] = {}
    for name in ("username", "password", "role", "full_name", "language"):
        value = form.get(name, "").strip()
        if value or (creating and name in ("username", "password", "role")):
            data[name] = value
    if not creating:
        data.pop("username", None)
        data["active"] = "active" in form
    member = form.get("member_id", "").strip()
    if actor.is_member_user:
        data["member_id"] = actor.scope
    elif member:
        data["member_id"] = int(member) if member.isdigit() else member
    elif not creating:
        data["member_id"] = None
    return data


@router.get("/users", response_class=HTMLResponse)
def user_list(
    request: Request, session: SessionDep, actor: UserAdmin, page: str | None = None
) -> HTMLResponse:
    paging = Page(page_number(page), PAGE_SIZE, users.count(session, actor.scope))
    rows = users.get_all(session, actor.scope, limit=PAGE_SIZE, offset=paging.offset)
    return render(request, "users/list.html", {"users": rows, "paging": paging}, user=actor)


@router.get("/users/new", response_class=HTMLResponse)
def new_user(request: Request, session: SessionDep, actor: UserAdmin) -> HTMLResponse:
    return _form_page(request, session, actor, None, {})


@router.post("/users/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_user(
    request: Request, session: SessionDep, actor: UserAdmin, form: FormFields
) -> Response:
    try:
        account = users.create_user(session, user_data(form, actor, True), member_id=actor.scope)
    except ValidationFailed as exc:
        session.rollback()
        errors = field_errors(exc.problems)
        return _form_page(request, session, actor, None, _shown_again(form), errors, 422)
    Access(session, actor, request).audit("create", "user", account.id, member_id=account.member_id)
    session.commit()
    return redirect("/users")


@router.get("/users/{user_id}", response_class=HTMLResponse)
def edit_user(
    request: Request, access: AccessDep, actor: UserAdmin, user_id: PathId
) -> HTMLResponse:
    session = access.session
    account = _visible_user(access, user_id)
    values = {
        "role": account.role,
        "member_id": account.member_id or "",
        "full_name": account.full_name,
        "language": account.language,
        "active": account.active,
    }
    return _form_page(request, session, actor, account, values)


@router.post("/users/{user_id}", dependencies=[Depends(verify_csrf)], response_model=None)
def update_user(
    request: Request, access: AccessDep, actor: UserAdmin, user_id: PathId, form: FormFields
) -> Response:
    session = access.session
    account = _visible_user(access, user_id)
    try:
        users.update_user(
            session,
            account,
            user_data(form, actor, False),
            member_id=actor.scope,
            acting_user_id=actor.id,
            current_session=current_session(request),
        )
    except ValidationFailed as exc:
        session.rollback()
        account = _visible_user(access, user_id)
        errors = field_errors(exc.problems)
        return _form_page(request, session, actor, account, _shown_again(form), errors, 422)
    access.audit("update", "user", account.id, member_id=account.member_id)
    session.commit()
    return redirect("/users")
