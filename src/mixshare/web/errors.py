"""Errors as answers: RFC 9457 ``application/problem+json`` on the API, HTML on pages.

Every validation answer carries ``errors: [{field, message}]`` naming each bad field.
Pages may show their own error page: set ``app.state.render_error`` to a callable
``(request, status, title, detail) -> Response``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mixshare.errors import Conflict, MixshareError, NotFound, Problem, ValidationFailed
from mixshare.users.service import AuthenticationFailed, Throttled
from mixshare.web.deps import CsrfFailed, NotAuthenticated, is_api

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "urn:mixshare:problem:"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    request: Request,
    status: int,
    detail: str = "",
    *,
    kind: str | None = None,
    title: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An RFC 9457 answer on the API; an HTML page elsewhere."""
    title = title or _title(status)
    if not is_api(request):
        return _html_error(request, status, title, detail, headers)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _html_error(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None
) -> Response:
    render = getattr(request.app.state, "render_error", None)
    if render is not None:
        response: Response = render(request, status, title, detail)
        response.headers.update(headers or {})
        return response
    page = (
        f"<!doctype html><title>{status} {html.escape(title)}</title>"
        f"<h1>{status} {html.escape(title)}</h1><p>{html.escape(detail)}</p>"
        '<p><a href="/">mixshare</a></p>'
    )
    return HTMLResponse(page, status_code=status, headers=headers)


def field_of(loc: Iterable[int | str]) -> str:
    """``("body", "ingredients", 0, "phr")`` → ``ingredients.0.phr``; the whole body: ``body``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts[:1]
    return ".".join(parts) or "body"


def pydantic_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        out.append({"field": field_of(loc), "message": message, "in": str(loc[0]) if loc else ""})
    return out


def problem_errors(problems: Sequence[Problem], strip: str = "") -> list[dict[str, Any]]:
    """Service problems as ``{field, message, value}``; ``strip`` drops a location prefix."""
    out = []
    for p in problems:
        field = p.location.removeprefix(strip + ".") if strip else p.location
        out.append({"field": field, "message": p.message, "value": p.value})
    return out


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        ctx = errors[0].get("ctx", {}) or {}
        message = f"malformed JSON: {ctx.get('error', 'cannot be parsed')}"
        body = [{"field": "body", "message": message, "in": "body"}]
        return problem(request, 400, message, kind="malformed-json", errors=body)
    fields = pydantic_errors(errors)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in fields)
    return problem(request, 422, detail, kind="validation", title="Invalid input", errors=fields)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if 300 <= exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code)
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such resource"
    headers = dict(exc.headers) if exc.headers else None
    return problem(request, exc.status_code, detail, headers=headers)


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    if is_api(request):
        headers = {"WWW-Authenticate": 'Bearer realm="mixshare"'}
        return problem(request, 401, str(exc), kind="not-authenticated", headers=headers)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/login?" + urlencode({"next": target})
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def _csrf_failed(request: Request, exc: Exception) -> Response:
    return problem(request, 403, str(exc), kind="csrf", title="CSRF check failed")


async def _not_found(request: Request, exc: Exception) -> Response:
    return problem(request, 404, str(exc), kind="not-found")


async def _validation_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationFailed)
    strip = getattr(request.state, "problem_prefix", "")
    errors = problem_errors(exc.problems, strip)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(request, 422, detail, kind="validation", title="Invalid input", errors=errors)


async def _conflict(request: Request, exc: Exception) -> Response:
    detail = str(exc) if isinstance(exc, Conflict) else "changed by someone else; reload it"
    if isinstance(exc, IntegrityError):
        detail = "conflicts with stored data (a duplicate, or a reference that is gone)"
    return problem(request, 409, detail, kind="conflict")


async def _throttled(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Throttled)
    headers = {"Retry-After": str(exc.retry_after)}
    return problem(request, 429, str(exc), kind="throttled", headers=headers)


async def _authentication_failed(request: Request, exc: Exception) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="mixshare"'}
    return problem(request, 401, str(exc), kind="authentication-failed", headers=headers)


async def _mixshare_error(request: Request, exc: Exception) -> Response:
    return problem(request, 400, str(exc), kind="rejected")


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    handlers: list[tuple[type[Exception], Any]] = [
        (RequestValidationError, _request_validation),
        (StarletteHTTPException, _http_exception),
        (NotAuthenticated, _not_authenticated),
        (CsrfFailed, _csrf_failed),
        (NotFound, _not_found),
        (ValidationFailed, _validation_failed),
        (Conflict, _conflict),
        (StaleDataError, _conflict),
        (IntegrityError, _conflict),
        (Throttled, _throttled),
        (AuthenticationFailed, _authentication_failed),
        (MixshareError, _mixshare_error),
    ]
    for exc_class, handler in handlers:
        app.add_exception_handler(exc_class, handler)
