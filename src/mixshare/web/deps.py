"""The app shell's dependencies: the database session, who is asking, CSRF.

For views (``Annotated`` aliases):

- ``SessionDep``: a database session; committed after the view returns, rolled back on error.
  Views that must turn a commit failure into an answer call ``session.commit()`` themselves.
- ``OptionalUser`` / ``CurrentUser``: the user of the bearer token or of the session cookie.
  ``CurrentUser`` answers 401 on ``/api`` and redirects pages to ``/login?next=…``.

What the user may see and do is decided in :mod:`mixshare.access` (permissions, member
isolation, the audit of denials), not here.

CSRF for forms: put ``csrf_token(request)`` in a hidden field named ``csrf_token`` (or send it as
the ``X-CSRF-Token`` header from scripts) and protect the POST route with
``dependencies=[CsrfProtected]``. The token is an HMAC of the session cookie (or, before login,
of a random ``mixshare_csrf`` cookie that the middleware sets), so it needs no storage. The API
requires the header for unsafe methods when it is called with the session cookie; bearer-token
clients need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.orm import Session

from mixshare.db import transaction
from mixshare.users import service as users
from mixshare.users.models import User

SESSION_COOKIE = "mixshare_session"
CSRF_COOKIE = "mixshare_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(Exception):
    """No valid session cookie or bearer token."""


class CsrfFailed(Exception):
    """A state-changing request without the right CSRF token (or from another origin)."""


_bearer_scheme = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/token")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


# --- database ------------------------------------------------------------------------------


def get_session(request: Request) -> Iterator[Session]:
    with transaction(request.app.state.session_factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# --- who is asking -------------------------------------------------------------------------


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _authenticate(request: Request, session: Session) -> User | None:
    secret = _bearer_token(request)
    if secret is not None:
        token = users.token_for_secret(session, secret)
        if token is None:
            raise NotAuthenticated("invalid, expired or revoked token")
        request.state.auth = "token"
        request.state.token_id = token.id
        return token.user
    cookie = request.cookies.get(SESSION_COOKIE)
    user = users.user_for_session(session, cookie) if cookie else None
    request.state.auth = "session" if user else None
    return user


def optional_user(
    request: Request, session: SessionDep, _scheme: Any = Depends(_bearer_scheme)
) -> User | None:
    """The caller, or ``None`` for an anonymous request."""
    user = _authenticate(request, session)
    request.state.user = user
    cookie_write = request.state.auth == "session" and request.method not in SAFE_METHODS
    if cookie_write and is_api(request):
        _check_csrf(request, request.headers.get(CSRF_HEADER))
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(user: OptionalUser) -> User:
    # async: no I/O here, so FastAPI need not hop to the thread pool for it
    if user is None:
        raise NotAuthenticated("log in or send a bearer token")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


# --- CSRF ----------------------------------------------------------------------------------


def _sign(request: Request, key: str) -> str:
    secret: bytes = request.app.state.secret_key
    return hmac.new(secret, b"csrf:" + key.encode(), hashlib.sha256).hexdigest()


def _csrf_key(request: Request) -> str | None:
    seed = getattr(request.state, "csrf_seed", None)
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE) or seed


def csrf_token(request: Request) -> str:
    """The token to put in this page's forms (field ``csrf_token``)."""
    key = _csrf_key(request)
    if key is None:
        # Before login: a random seed; the middleware sends it as the mixshare_csrf cookie.
        key = request.state.csrf_seed = secrets.token_urlsafe(32)
    return _sign(request, key)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _check_csrf(request: Request, sent: str | None) -> None:
    key = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    if not _same_origin(request):
        raise CsrfFailed("the request comes from another site")
    if not key or not sent or not hmac.compare_digest(sent, _sign(request, key)):
        raise CsrfFailed("missing or wrong CSRF token; reload the page and try again")


async def verify_csrf(request: Request) -> None:
    """Reject an unsafe request whose form field or header lacks this session's token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    _check_csrf(request, sent)


CsrfProtected = Depends(verify_csrf)
