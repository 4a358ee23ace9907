"""Pure ASGI middleware: request body limit, security headers, the pre-login CSRF cookie,
denied-access audit entries written after the response."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mixshare.audit import service as audit

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# The upload page takes a spreadsheet as large as an import may be, plus the form around it.
UPLOAD_PATH = "/imports"
MAX_UPLOAD_BODY_BYTES = 20 * 1024 * 1024 + 64 * 1024
# Scripts only from our own static files: an injected <script> or onerror= does not run even
# if some text escapes escaping. Styles allow 'unsafe-inline' because ECharts writes its
# tooltip markup with style="" attributes (colour dots, layout); styles cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
# Pages and API answers carry one user's data (and CSRF tokens): no cache, shared or
# private, may keep them, so the back button after logout or a proxy shows nothing.
NO_STORE = (b"cache-control", b"no-store")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


async def _too_large(send: Send, path: str, limit: int) -> None:
    body = json.dumps(
        {
            "type": "urn:mixshare:problem:too-large",
            "title": "Content Too Large",
            "status": 413,
            "detail": f"the request body is larger than {limit} bytes",
            "instance": path,
            "errors": [{"field": "body", "message": f"larger than {limit} bytes", "in": "body"}],
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Answer 413 (problem+json) to bodies over ``limit`` bytes, declared or streamed."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY_BYTES, upload_limit: int = MAX_UPLOAD_BODY_BYTES
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] == UPLOAD_PATH else self.limit
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, scope["path"], limit)
            return
        await self._streamed(scope, receive, send, limit)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        state = {"received": 0, "over": False, "replaced": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["over"] = True
                    raise ValueError("request body too large")
            return message

        async def guarded_send(message: Message) -> None:
            # The app turns the failed read into some error; answer 413 instead.
            if state["over"]:
                if message["type"] == "http.response.start":
                    state["replaced"] = True
                    await _too_large(send, scope["path"], limit)
                return
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _with_defaults(headers: list[Any]) -> list[Any]:
    """``headers`` plus each security header the route did not set itself."""
    present = {key.lower() for key, _ in headers}
    defaults = [*SECURITY_HEADERS, NO_STORE]
    return headers + [(k, v) for k, v in defaults if k not in present]


class WebDefaults:
    """Security headers and ``no-store`` on every answer (static files set their own cache
    policy); the pre-login CSRF seed cookie when one was made."""

    def __init__(self, app: ASGIApp, csrf_cookie: str = "mixshare_csrf") -> None:
        self.app = app
        self.csrf_cookie = csrf_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _with_defaults(list(message.get("headers", [])))
                seed = scope.get("state", {}).get("csrf_seed")
                if seed:
                    headers.append((b"set-cookie", self._cookie(scope, seed)))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie(self, scope: Scope, seed: str) -> bytes:
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        return f"{self.csrf_cookie}={seed}; Path=/; HttpOnly; SameSite=Lax{secure}".encode()


class DeferredDenials:
    """Write the request's denied-access audit entries once its response has been sent.

    A denied probe of another member's id then does the same work before answering as a probe
    of a missing id, so response time does not tell which ids exist.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with audit.deferring_denials() as pending:
            await self.app(scope, receive, send)
        if pending:
            await anyio.to_thread.run_sync(_write, pending)


def _write(pending: list[audit.Denial]) -> None:
    try:
        audit.write_denials(pending)
    except SQLAlchemyError:  # the answer is gone already; keep the server quiet but say why
        log.exception("could not write %d denied-access audit entries", len(pending))
