"""Languages of the web pages: Babel catalogs, the request's language, Jinja2 environments.

The catalogs live in ``locales/<lang>/LC_MESSAGES/messages.po``. They are compiled in memory
when first needed (the committed ``.mo`` files are used when they are newer), so a fresh
clone works without a build step. ``python -m mixshare.web.i18n extract|update|compile``
maintains the catalogs.
"""

from __future__ import annotations

import io
import sys
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from fastapi import Request

LOCALES_DIR = Path(__file__).parent / "locales"
TEMPLATES_DIR = Path(__file__).parent / "templates"
PACKAGE_DIR = Path(__file__).parent.parent
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


def normalise(value: str | None) -> str | None:
    """A supported language code for ``value`` (``zh-CN``, ``zh``, ``en-US`` …) or None."""
    if not value:
        return None
    value = value.strip().replace("-", "_")
    if value in LANGUAGES:
        return value
    lowered = value.lower()
    if lowered.startswith("zh"):
        return "zh_CN"
    if lowered.startswith("en"):
        return "en"
    return None


def request_language(request: Request, user_language: str | None = None) -> str:
    """``?lang=`` first, then the ``lang`` cookie, then the user's preference, then zh_CN."""
    for candidate in (
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        user_language,
    ):
        language = normalise(candidate)
        if language:
            return language
    return DEFAULT_LANGUAGE


def _po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


def _mo_bytes(language: str) -> bytes:
    """The compiled catalog: the committed .mo if it is up to date, else compiled now."""
    po = _po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        return mo.read_bytes()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


@cache
def translations(language: str) -> Translations:
    """The translations for a supported language (English falls back to the msgids)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    if not _po_path(language).exists():
        return Translations()
    return Translations(io.BytesIO(_mo_bytes(language)))


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


# --- catalog maintenance (developers) -----------------------------------------------------

# Page text lives in the templates and in the Python of the pages (each domain's pages.py, the
# shell's web/*.py): those are the sources messages.pot is extracted from.
_SOURCES = (
    (TEMPLATES_DIR, [("**.html", "jinja2")]),
    (PACKAGE_DIR, [("**/pages.py", "python"), ("web/**.py", "python")]),
)
_OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def extract() -> Path:
    """Write ``messages.pot`` from the templates and the pages' Python."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="mixshare", charset="utf-8")
    for directory, methods in _SOURCES:
        for filename, lineno, message, comments, _ctx in extract_from_dir(
            directory,
            method_map=methods,
            options_map=_OPTIONS,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        ):
            catalog.add(message, None, [(str(filename), lineno)], auto_comments=comments)
    pot = LOCALES_DIR / "messages.pot"
    pot.parent.mkdir(parents=True, exist_ok=True)
    with pot.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True)
    return pot


def update() -> None:
    """Merge ``messages.pot`` into every language's .po (new strings appear untranslated)."""
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    for language in LANGUAGES:
        po = _po_path(language)
        po.parent.mkdir(parents=True, exist_ok=True)
        if po.exists():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=language, project="mixshare", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, ignore_obsolete=True)


def compile_all() -> None:
    """Write the .mo files next to the .po files."""
    for language in LANGUAGES:
        po = _po_path(language)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_all}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: python -m mixshare.web.i18n extract|update|compile", file=sys.stderr)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
