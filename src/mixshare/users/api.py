"""``/api/v1/users``: accounts. The center admin manages everyone; a member admin manages its
own company's users (others' answer 404); everyone may read themselves at ``/users/me``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mixshare.access import AccessDep, Reader, UserAdmin
from mixshare.users import service
from mixshare.users.schemas import UserCreate, UserRead, UserUpdate
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS, Page, PagingDep, page_of
from mixshare.web.auth import current_session
from mixshare.web.params import PathId

router = APIRouter(prefix="/users", tags=["users"], responses=PROBLEMS)


@router.get("/me", response_model=UserRead)
def me(user: Reader) -> UserRead:
    return UserRead.model_validate(user)


@router.get("", response_model=Page[UserRead])
def list_users(access: AccessDep, paging: PagingDep, admin: UserAdmin) -> Page[UserRead]:
    found = service.get_all(access.session, access.scope, limit=paging.limit, offset=paging.offset)
    total = service.count(access.session, access.scope)
    return page_of([UserRead.model_validate(u) for u in found], total, paging)


@router.post("", status_code=201, response_model=UserRead, responses=WRITE_PROBLEMS)
def create_user(body: UserCreate, access: AccessDep, admin: UserAdmin) -> UserRead:
    user = service.create_user(access.session, body, access.scope)
    access.audit(
        "create",
        "user",
        user.id,
        member_id=user.member_id,
        detail={"username": user.username, "role": user.role},
    )
    access.session.commit()
    return UserRead.model_validate(user)


@router.get("/{user_id}", response_model=UserRead)
def get_user(user_id: PathId, access: AccessDep, admin: UserAdmin) -> UserRead:
    access.guard("user", user_id)
    return UserRead.model_validate(service.get(access.session, user_id, access.scope))


@router.patch("/{user_id}", response_model=UserRead, responses=WRITE_PROBLEMS)
def update_user(
    user_id: PathId, body: UserUpdate, request: Request, access: AccessDep, admin: UserAdmin
) -> UserRead:
    access.guard("user", user_id)
    user = service.get(access.session, user_id, access.scope)
    service.update_user(
        access.session,
        user,
        body,
        access.scope,
        acting_user_id=admin.id,
        current_session=current_session(request),
    )
    changed = sorted(body.model_fields_set - {"password"})
    detail = {"fields": changed, "password_changed": body.password is not None}
    access.audit("update", "user", user.id, member_id=user.member_id, detail=detail)
    access.session.commit()
    return UserRead.model_validate(user)


@router.delete("/{user_id}", status_code=204, responses=WRITE_PROBLEMS)
def deactivate_user(user_id: PathId, access: AccessDep, admin: UserAdmin) -> Response:
    """Accounts are deactivated, never erased (the audit log keeps pointing at them)."""
    access.guard("user", user_id)
    user = service.get(access.session, user_id, access.scope)
    service.update_user(
        access.session, user, UserUpdate(active=False), access.scope, acting_user_id=admin.id
    )
    access.audit(
        "update",
        "user",
        user.id,
        member_id=user.member_id,
        detail={"fields": ["active"], "active": False},
    )
    access.session.commit()
    return Response(status_code=204)
