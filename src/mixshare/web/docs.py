"""The API's Swagger UI page, with a Content-Security-Policy of its own.

FastAPI's page loads Swagger UI from a CDN and starts it with one inline script. Rather than
exempting it from the strict policy every other answer gets (see ``middleware``), its policy
names the CDN host and that one inline script by its hash: nothing else can run on it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_CDN = "https://cdn.jsdelivr.net"
SWAGGER_FAVICON_HOST = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _script_hashes(html: str) -> list[str]:
    """CSP source expressions for the page's inline scripts."""
    digests = (hashlib.sha256(code.encode()).digest() for code in _INLINE_SCRIPT.findall(html))
    return [f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests]


def docs_policy(html: str) -> str:
    """The policy of the Swagger UI page ``html``."""
    scripts = " ".join(["'self'", SWAGGER_CDN, *_script_hashes(html)])
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            f"style-src 'self' 'unsafe-inline' {SWAGGER_CDN}",
            f"img-src 'self' data: {SWAGGER_FAVICON_HOST}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )


def install(app: FastAPI, path: str, openapi_url: str) -> None:
    """Serve Swagger UI for ``openapi_url`` at ``path`` (the app is made with docs_url=None)."""
    html = bytes(
        get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} - Swagger UI").body
    ).decode()
    headers = {"content-security-policy": docs_policy(html)}

    @app.get(path, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)
