"""Logging in and out of the web pages (HTML form at ``/login``).

The session cookie holds a random token (the database keeps only its SHA-256 digest): HttpOnly,
SameSite=Lax, Secure when served over https. Every POST here carries the CSRF token. Failed
logins are throttled per username and client (see ``mixshare.users.service``).

The page itself is the pages' template ``login.html`` when it exists, rendered with
``next``, ``username``, ``error`` (``"invalid"`` | ``"throttled"`` | None) and ``retry_after``;
otherwise a plain built-in form.
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from mixshare.audit import service as audit
from mixshare.users import service as users
from mixshare.users.models import User
from mixshare.web import i18n
from mixshare.web.deps import (
    CSRF_FIELD,
    SESSION_COOKIE,
    CsrfProtected,
    OptionalUser,
    SessionDep,
    client_of,
    csrf_token,
)

router = APIRouter(include_in_schema=False)

SESSION_MAX_AGE = int(users.SESSION_LIFETIME.total_seconds())


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (other hosts, ``//x``) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if target.startswith(("/login", "/logout")):
        return "/"
    return target


def authenticate(
    session: Session, username: str, password: str, client: str, *, object_type: str
) -> User:
    """``users.authenticate`` for the login form and the API token endpoint. A failed login is
    audited as ``login_failed`` (on ``object_type``) and committed at once, since it counts
    towards the throttle, before ``AuthenticationFailed`` goes on to the caller."""
    try:
        return users.authenticate(session, username.strip(), password, client)
    except users.AuthenticationFailed:
        audit.record(
            session,
            action="login_failed",
            object_type=object_type,
            client=client,
            detail={"username": username[:64]},
        )
        session.commit()
        raise


def current_session(request: Request) -> str | None:
    """The session cookie this request was authenticated with (None for bearer tokens)."""
    if getattr(request.state, "auth", None) != "session":
        return None
    return request.cookies.get(SESSION_COOKIE)


def set_session_cookie(response: Response, request: Request, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def render_login(
    request: Request,
    *,
    next_url: str,
    username: str = "",
    error: str | None = None,
    retry_after: int | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "next": next_url,
        "username": username,
        "error": error,
        "retry_after": retry_after,
    }
    if (i18n.TEMPLATES_DIR / "login.html").exists():
        from mixshare.web.page_common import render

        response: Response = render(
            request, "login.html", context, user=None, status_code=status_code
        )
    else:
        response = HTMLResponse(_builtin_form(request, context), status_code=status_code)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _builtin_form(request: Request, context: dict[str, Any]) -> str:
    messages = {"invalid": "Wrong username or password.", "throttled": "Too many attempts."}
    error = messages.get(context["error"] or "", "")
    esc = html.escape
    return (
        "<!doctype html><title>mixshare login</title><h1>mixshare</h1>"
        f'<p role="alert">{esc(error)}</p><form method="post" action="/login">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{esc(csrf_token(request))}">'
        f'<input type="hidden" name="next" value="{esc(context["next"])}">'
        f'<label>Username <input name="username" value="{esc(context["username"])}"></label>'
        '<label>Password <input name="password" type="password"></label>'
        "<button>Log in</button></form>"
    )


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render_login(request, next_url=safe_next(next))


@router.post("/login", dependencies=[CsrfProtected])
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    client = client_of(request)
    target = safe_next(next)
    try:
        user = authenticate(session, username, password, client, object_type="user")
    except users.Throttled as exc:
        return render_login(
            request,
            next_url=target,
            username=username,
            error="throttled",
            retry_after=exc.retry_after,
            status_code=429,
        )
    except users.AuthenticationFailed:
        return render_login(
            request, next_url=target, username=username, error="invalid", status_code=401
        )
    secret = users.create_session(session, user)
    audit.record(
        session,
        action="login",
        object_type="user",
        object_id=user.id,
        user=user,
        member_id=user.member_id,
        client=client,
    )
    session.commit()
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, secret)
    return response


@router.post("/logout", dependencies=[CsrfProtected])
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        users.end_session(session, secret)
    if user is not None:
        audit.record(
            session,
            action="logout",
            object_type="user",
            object_id=user.id,
            user=user,
            member_id=user.member_id,
            client=client_of(request),
        )
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
