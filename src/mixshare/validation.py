"""What input may contain: the one definition of identifiers, usernames, text, numbers and
moments, used by the API schemas, the web forms (through the services), the spreadsheet
imports and the CLI alike.

Why each rule exists:

* identifiers (order numbers, compound, member, line and material codes) end up in lot codes,
  HTML, URLs, file names and spreadsheets; a small character set keeps every one of those safe
  and keeps codes typeable: ASCII letters, digits and ``. _ -``, starting with a letter or
  a digit (never ``-``, ``=`` or ``+``, which spreadsheets read as formulas);
* usernames are compared by people: NFKC folds full-width and compatibility forms, and only
  ASCII letters, digits and ``. _ -`` remain allowed, so no look-alike letter (Cyrillic ``а``
  for Latin ``a``), bidi override (U+202E) or invisible character can imitate another user;
* free text (notes, names, reasons) may hold any script, but no control character (except
  tab and newline where several lines make sense), no bidi override/isolate, no lone
  surrogate: NUL breaks PostgreSQL and every Excel export, overrides make text lie;
  and it may not start with ``= + - @`` (OWASP CSV/formula injection), so nothing typed
  here can turn into a formula in someone's spreadsheet;
* numbers are finite and never booleans (JSON ``true`` is not 1 kg);
* moments lie in 2000–2100 so date arithmetic cannot overflow; services bound them further
  against the center's clock.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from mixshare.settings import CENTER_TIMEZONE

IDENTIFIER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
IDENTIFIER_RULE = (
    "may contain only ASCII letters, digits and . _ - (starting with a letter or digit)"
)
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
USERNAME_RULE = (
    "a username may contain only ASCII letters, digits and . _ - (starting with a letter or digit)"
)
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection");
# tab and carriage return are control characters and rejected as such.
FORMULA_STARTS = ("=", "+", "-", "@")
# Bidi embeddings, overrides and isolates ("Trojan Source"), and the two noncharacters.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NONCHARACTERS = frozenset("\ufffe\uffff")
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)
MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character ``text`` may not contain, or None."""
    allowed = "\t\n" if multiline else ""
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS or ch in NONCHARACTERS:
            return ch
    return None


def _character_name(ch: str) -> str:
    return f"U+{ord(ch):04X}" + (f" {unicodedata.name(ch)}" if unicodedata.name(ch, "") else "")


def check_text(value: str, *, multiline: bool = False) -> str:
    """``value`` if it is safe free text (see the module docstring), else ``ValueError``."""
    if multiline:
        value = value.replace("\r\n", "\n")
    bad = forbidden_character(value, multiline=multiline)
    if bad is not None:
        raise ValueError(f"contains a control or invisible character ({_character_name(bad)})")
    if value.startswith(FORMULA_STARTS):
        raise ValueError(
            "may not start with = + - or @ (spreadsheet programs would run it as a formula)"
        )
    return value


def _single_line(value: str) -> str:
    return check_text(value)


def _multiline(value: str) -> str:
    return check_text(value, multiline=True)


def check_identifier(value: str) -> str:
    if not IDENTIFIER_RE.fullmatch(value):
        raise ValueError(IDENTIFIER_RULE)
    return value


def normalise_username(value: str) -> str:
    """The canonical form of a username (NFKC, lower case), if it is an allowed one."""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if not USERNAME_RE.fullmatch(text):
        raise ValueError(USERNAME_RULE)
    return text


def _not_bool(value: Any) -> Any:
    # Pydantic's lax mode reads true as 1; a quantity or an id is never a yes/no.
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def to_local_naive(value: datetime) -> datetime:
    """Times are stored as naive local times of the center; aware input is converted."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(CENTER_TIMEZONE).replace(tzinfo=None)
    except OverflowError:
        raise ValueError("date is out of range") from None


def _bounded_moment(value: datetime) -> datetime:
    local = to_local_naive(value)
    if not EARLIEST <= local < LATEST:
        raise ValueError(f"date must lie between {EARLIEST:%Y} and {LATEST:%Y}")
    return local


Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(check_identifier),
]
Username = Annotated[str, Field(max_length=64), AfterValidator(normalise_username)]
# One line of free text (names, reasons) and several lines (notes); lengths are per field.
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_single_line)]
Note = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_multiline)]
Number = Annotated[float, BeforeValidator(_not_bool), AfterValidator(_finite)]
WholeNumber = Annotated[int, BeforeValidator(_not_bool)]
Id = Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=MAX_ID)]
Moment = Annotated[datetime, AfterValidator(_bounded_moment)]
