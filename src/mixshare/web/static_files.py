"""The vendored static files (chart library, styles, page scripts), served by the pages.

The plant network has no internet, so nothing is loaded from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC_DIR = (Path(__file__).parent / "static").resolve()
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}

router = APIRouter()


@router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    """A file under ``web/static`` (never outside it)."""
    if "\x00" in path:  # no file name holds NUL; the OS calls would fail on it
        raise HTTPException(status_code=404)
    target = (STATIC_DIR / path).resolve()
    if not target.is_file() or STATIC_DIR not in target.parents:
        raise HTTPException(status_code=404)
    return FileResponse(
        target,
        media_type=MEDIA_TYPES.get(target.suffix),
        headers={"Cache-Control": "public, max-age=3600"},
    )
