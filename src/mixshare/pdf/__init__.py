"""Printable documents (the monthly statement, the certificate of analysis) as PDF: a Jinja
template that extends ``pdf_base.html`` (A4 page, page numbers, CJK fonts, tables), rendered by
WeasyPrint, which writes real text a reader can search and copy and a test can extract.

Chinese text needs a CJK font installed on the machine (``fonts-wqy-microhei`` or Noto CJK,
which ``scripts/setup`` installs when it can).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

BASE_TEMPLATES = Path(__file__).parent / "templates"


def _moment(moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.strftime(fmt)


@cache
def _environment(templates: Path) -> Environment:
    """One environment per template folder, which also finds ``pdf_base.html``."""
    env = Environment(
        loader=FileSystemLoader([templates, BASE_TEMPLATES]),
        autoescape=select_autoescape(["html"]),
    )
    env.filters["dt"] = _moment
    return env


def render_html(templates: Path, name: str, **context: Any) -> str:
    """The template ``name`` of the folder ``templates`` filled with ``context``."""
    return _environment(templates).get_template(name).render(**context)


def render_pdf(templates: Path, name: str, **context: Any) -> bytes:
    """The template ``name`` of the folder ``templates`` filled with ``context``, as PDF bytes."""
    from weasyprint import HTML  # imported late: it loads Pango, which only PDFs need

    return bytes(HTML(string=render_html(templates, name, **context)).write_pdf())
