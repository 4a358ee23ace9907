"""``mixshare serve``: run the web application with uvicorn."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from mixshare.web.app import create_app


def server_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for ``app``. uvicorn's own forwarded-header handling is off (by
    default it believes any local connection): the app reads those headers from the proxies
    in ``MIXSHARE_TRUSTED_PROXIES`` only (see ``create_app``); set it behind a TLS proxy."""
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, log_level="info")


def serve(host: str = "127.0.0.1", port: int = 8000, database_url: str | None = None) -> None:
    """Serve until interrupted."""
    uvicorn.Server(server_config(create_app(database_url), host, port)).run()
