"""``mixshare serve``: run the web application with uvicorn."""

from __future__ import annotations

import os
import secrets

import uvicorn
from fastapi import FastAPI

from mixshare.web.app import create_app


def server_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for ``app``. uvicorn's own forwarded-header handling is off (by
    default it believes any local connection): the app reads those headers from the proxies
    in ``MIXSHARE_TRUSTED_PROXIES`` only (see ``create_app``); set it behind a TLS proxy."""
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, log_level="info")


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    database_url: str | None = None,
    workers: int = 1,
) -> None:
    """Serve until interrupted.

    With ``workers`` > 1, uvicorn runs that many processes, each building the app from the
    environment (``MIXSHARE_DATABASE_URL``; one ``MIXSHARE_SECRET_KEY`` for all, generated
    here when unset, so that a form signed by one process is accepted by the others). Job
    state is in the database, so any process answers for any job.
    """
    if workers > 1:
        if database_url:
            os.environ["MIXSHARE_DATABASE_URL"] = database_url
        os.environ.setdefault("MIXSHARE_SECRET_KEY", secrets.token_hex(32))
        uvicorn.run(
            "mixshare.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=False,
            log_level="info",
        )
        return
    uvicorn.Server(server_config(create_app(database_url), host, port)).run()
