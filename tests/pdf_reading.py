"""Reading back the PDFs mixshare writes (statements, certificates of analysis) with pypdf:
their text and the fonts it is set in."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, PdfObject


def pdf_text(data: bytes) -> str:
    """The text of every page, one after the other."""
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _dictionary(value: object) -> DictionaryObject:
    resolved = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(resolved, DictionaryObject), resolved
    return resolved


def fonts_of(data: bytes) -> set[str]:
    """The base fonts the pages use."""
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in _dictionary(_dictionary(page["/Resources"])["/Font"]).values():
            fonts.add(str(_dictionary(font)["/BaseFont"]))
    return fonts
