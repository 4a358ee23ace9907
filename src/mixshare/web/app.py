"""The web application: JSON API under ``/api/v1``, login, and the server-rendered pages.

``create_app()`` is the only entry point (``mixshare serve``, tests, benchmarks). The routes
live beside their domains (``<domain>/api.py``, ``<domain>/pages.py``), gathered in
``mixshare.web.routes``.
"""

from __future__ import annotations

import os
import secrets

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from mixshare.db import session_factory
from mixshare.jobs.queue import job_queue
from mixshare.settings import database_url as default_database_url
from mixshare.settings import trusted_proxies as configured_proxies
from mixshare.web import auth, docs, errors
from mixshare.web.deps import CSRF_COOKIE
from mixshare.web.middleware import BodyLimit, DeferredDenials, WebDefaults
from mixshare.web.routes import api_router, page_router

API_PREFIX = "/api/v1"


def _secret_key(explicit: str | None) -> bytes:
    """``MIXSHARE_SECRET_KEY``, else random per process (CSRF tokens then last one run)."""
    value = explicit or os.environ.get("MIXSHARE_SECRET_KEY", "")
    return value.encode() if value else secrets.token_bytes(32)


def create_app(
    database_url: str | None = None,
    *,
    secret_key: str | None = None,
    trusted_proxies: list[str] | None = None,
) -> FastAPI:
    """A configured application on ``database_url`` (default: the settings' database).

    Forwarded headers are read here, by uvicorn's ``ProxyHeadersMiddleware``, and only from
    ``trusted_proxies`` (default ``MIXSHARE_TRUSTED_PROXIES``, empty): the one place that
    decides who the client is, whichever server runs the app (run uvicorn itself with
    ``--no-proxy-headers``, as ``mixshare serve`` does).
    """
    app = FastAPI(
        title="mixshare",
        summary="Shared rubber mixing center: orders, compounds, lines, plans and lots",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by web.docs, under a Content-Security-Policy of its own
        redoc_url=None,
    )
    app.state.database_url = database_url or default_database_url()
    app.state.session_factory = session_factory(app.state.database_url)
    app.state.job_queue = job_queue(db_url=app.state.database_url)
    app.state.secret_key = _secret_key(secret_key)
    errors.install(app)
    app.add_middleware(WebDefaults, csrf_cookie=CSRF_COOKIE)
    app.add_middleware(BodyLimit)
    app.add_middleware(DeferredDenials)
    proxies = configured_proxies() if trusted_proxies is None else trusted_proxies
    if proxies:  # outermost: every part of the app sees the real client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.include_router(api_router, prefix=API_PREFIX)
    docs.install(app, f"{API_PREFIX}/docs", f"{API_PREFIX}/openapi.json")
    app.include_router(auth.router)
    app.include_router(page_router, include_in_schema=False)
    return app
