"""Files handed to the browser as downloads: the media type follows the file name's ending,
and the browser saves the file under that name."""

from __future__ import annotations

from pathlib import PurePath

from fastapi.responses import Response

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {".pdf": PDF, ".xlsx": XLSX}


def attachment(content: bytes, filename: str) -> Response:
    """``content`` as a download saved as ``filename`` (a .pdf or .xlsx name)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=MEDIA_TYPES[PurePath(filename).suffix], headers=headers)
