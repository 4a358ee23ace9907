"""``mixshare serve``: run the web application with uvicorn."""

from __future__ import annotations

import uvicorn

from mixshare.web.app import create_app


def serve(host: str = "127.0.0.1", port: int = 8000, database_url: str | None = None) -> None:
    """Serve until interrupted. Behind a TLS proxy, forwarded headers mark requests https."""
    app = create_app(database_url)
    uvicorn.run(app, host=host, port=port, proxy_headers=True, log_level="info")
