"""Templates and page scripts keep to what the Content-Security-Policy allows and build no
markup from data: no inline scripts or event handlers, no ``|safe``, no ``innerHTML``
(issue 11, #1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mixshare.web.i18n import TEMPLATES_DIR

STATIC_APP = TEMPLATES_DIR.parent / "static" / "app"
TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))
SCRIPTS = sorted(STATIC_APP.glob("*.js"))
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
UNESCAPED = re.compile(r"\|\s*safe\b|Markup\(|autoescape\s+false", re.IGNORECASE)
MARKUP_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write")


def _name(path: Path) -> str:
    return str(path.relative_to(TEMPLATES_DIR.parent))


def test_there_is_something_to_check() -> None:
    assert len(TEMPLATES) > 10 and len(SCRIPTS) >= 3


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_template_has_no_inline_code(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for attributes in SCRIPT_TAG.findall(text):
        is_data = 'type="application/json"' in attributes
        assert is_data or "src=" in attributes, f"inline <script{attributes}> in {path.name}"
    assert not EVENT_HANDLER.search(text), f"inline event handler in {path.name}"
    assert "javascript:" not in text.lower(), f"javascript: URL in {path.name}"
    assert not UNESCAPED.search(text), f"unescaped output in {path.name}"


@pytest.mark.parametrize("path", SCRIPTS, ids=_name)
def test_page_script_builds_no_markup_by_hand(path: Path) -> None:
    """Text goes in with textContent, or through mixshare.escapeHtml (static/app/safe.js)."""
    text = path.read_text(encoding="utf-8")
    assert not MARKUP_SINKS.search(text), f"{path.name} writes HTML; use textContent"
    assert "eval(" not in text and "new Function" not in text, path.name
