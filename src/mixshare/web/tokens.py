"""``/api/v1/auth``: bearer tokens for machine clients (a member's ERP)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from mixshare.access import Reader
from mixshare.audit import service as audit
from mixshare.errors import Problem, ValidationFailed
from mixshare.users import service
from mixshare.users.models import ApiToken
from mixshare.users.schemas import TokenCreated, UserRead
from mixshare.web.api_common import PROBLEMS
from mixshare.web.auth import authenticate
from mixshare.web.deps import SessionDep, client_of

router = APIRouter(prefix="/auth", tags=["auth"], responses=PROBLEMS)


@router.post(
    "/token",
    response_model=TokenCreated,
    responses={429: PROBLEMS[401] | {"description": "too many failed logins"}},
)
def create_token(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    name: Annotated[str, Form(max_length=80)] = "",
) -> TokenCreated:
    """Exchange ``username`` and ``password`` (form fields) for a bearer token (90 days)."""
    given = {"username": username, "password": password}
    missing = [Problem(name, "required") for name, value in given.items() if not value]
    if missing:
        raise ValidationFailed(missing)
    client = client_of(request)
    user = authenticate(session, username, password, client, object_type="token")
    token, secret = service.create_token(session, user, name or "api")
    audit.record(
        session,
        action="token_created",
        object_type="token",
        object_id=token.id,
        user=user,
        member_id=user.member_id,
        client=client,
    )
    session.commit()
    return TokenCreated(access_token=secret, expires_at=token.expires_at)


@router.delete("/token", status_code=204)
def revoke_token(request: Request, session: SessionDep, user: Reader) -> Response:
    """Revoke the bearer token this request was made with."""
    token_id = getattr(request.state, "token_id", None)
    token = session.get(ApiToken, token_id) if token_id else None
    if token is None:
        raise ValidationFailed([Problem("authorization", "this request used no bearer token")])
    service.revoke_token(session, token)
    audit.record(
        session,
        action="token_revoked",
        object_type="token",
        object_id=token.id,
        user=user,
        member_id=user.member_id,
        client=client_of(request),
    )
    return Response(status_code=204)


@router.get("/me", response_model=UserRead)
def me(user: Reader) -> UserRead:
    return UserRead.model_validate(user)
