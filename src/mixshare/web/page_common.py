"""What every page shares: templates per language, the page user, forms, errors, paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache, partial
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from starlette.datastructures import FormData

from mixshare import access
from mixshare.center_time import plausible_day, plausible_moment
from mixshare.errors import Problem
from mixshare.planning import reasons
from mixshare.users.models import User
from mixshare.web import i18n
from mixshare.web.deps import csrf_token
from mixshare.web.params import MAX_PAGE_NUMBER

PAGE_SIZE = 50
T = TypeVar("T")


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated where it is shown (``_(value)`` in templates)."""
    return message


# Values shown translated in templates: roles, statuses, stages, colours, periods, kinds.
SHOWN_VALUES = (
    N_("center_admin"),
    N_("planner"),
    N_("operator"),
    N_("quality"),
    N_("member_user"),
    N_("member_admin"),
    N_("open"),
    N_("planned"),
    N_("in_progress"),
    N_("done"),
    N_("cancelled"),
    N_("draft"),
    N_("published"),
    N_("superseded"),
    N_("final"),
    N_("masterbatch"),
    N_("black"),
    N_("light"),
    N_("coloured"),
    N_("sharp"),
    N_("peak"),
    N_("flat"),
    N_("valley"),
    N_("deep_valley"),
    N_("maintenance"),
    N_("outage"),
    N_("polymer"),
    N_("filler"),
    N_("oil"),
    N_("chemical"),
    N_("curative"),
)


# --- templates ----------------------------------------------------------------------------


def _fmt_dt(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else value.strftime(pattern)


def _fmt_num(value: float | int | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


@cache
def environment(language: str) -> jinja2.Environment:
    """A Jinja2 environment with the language's translations installed (one per language)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(i18n.TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = i18n.translations(language)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["gettext"] = env.globals["_"] = _remembered_gettext(translations.gettext)
    env.filters["dt"] = _fmt_dt
    env.filters["num"] = _fmt_num
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    env.globals["reason_label"] = partial(reasons.label, language=language)
    return env


def _remembered_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's new-style ``gettext``/``_`` with the same output, that translates a message
    without variables once per language instead of on every use (a page has about a hundred:
    translating and %-formatting each through Markup was a tenth of a page's time)."""

    @lru_cache(maxsize=4096)  # bounded: ``_(value)`` is also used on data (statuses, kinds)
    def constant(message: str, autoescape: bool) -> str:
        return formatted(message, autoescape, {})

    def formatted(message: str, autoescape: bool, variables: dict[str, Any]) -> str:
        translated = translate(message)
        # as Jinja's: always a format string (so "%%" reads "%"), escaped in HTML templates
        return (Markup(translated) if autoescape else translated) % variables

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, /, **variables: Any) -> str:
        autoescape = bool(context.eval_ctx.autoescape)
        if variables:
            return formatted(message, autoescape, variables)
        return constant(message, autoescape)

    return gettext


def nav_items(user: User | None) -> list[tuple[str, str]]:
    """(path, label msgid) of the navigation, by role."""
    if user is None:
        return []
    items = [("/dashboard", N_("Dashboard")), ("/orders", N_("Orders"))]
    items.append(("/batches", N_("Batches")))
    items.append(("/ledger/energy", N_("Energy ledger")))
    items += [("/stock", N_("Stock")), ("/deliveries", N_("Deliveries"))]
    items.append(("/costs", N_("Cost sharing")))
    if access.may(user, access.READ_STATEMENTS):
        items.append(("/statements", N_("Statements")))
    if not access.may(user, access.SEE_OPERATIONS):
        items += [("/timeline", N_("Timeline")), ("/compounds", N_("Compounds"))]
    else:
        items += [("/plan", N_("Plan board")), ("/shift", N_("Shift view"))]
        items += [("/compounds", N_("Compounds"))]
        items += [("/lines", N_("Lines")), ("/calendars", N_("Calendars"))]
        items += [("/tariffs", N_("Tariffs")), ("/members", N_("Members"))]
        items += [("/materials", N_("Materials"))]
        if access.may(user, access.PLAN):
            items += [("/changeover-rules", N_("Changeover rules"))]
        if access.may(user, access.SEE_TWIN):
            items += [("/twin", N_("Twin"))]
    items.append(("/environment", N_("Environment")))
    if access.may(user, access.WRITE_ORDERS):
        items.append(("/imports", N_("Upload")))
    if access.may(user, access.TEST_BATCHES):
        items.append(("/quality", N_("Lab")))
    elif access.may(user, access.SEE_OPERATIONS):
        items.append(("/quality/spc", N_("SPC charts")))
    items.append(("/trace", N_("Traceability")))
    if access.may(user, access.MANAGE_USERS):
        items.append(("/users", N_("Users")))
    return items


def language_of(request: Request, user: User | None) -> str:
    return i18n.request_language(request, user.language if user else None)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    user: User | None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` in the request's language; ``?lang=`` is remembered in a cookie."""
    language = language_of(request, user)
    full = {
        "request": request,
        "user": user,
        "lang": language,
        "html_lang": i18n.HTML_LANG[language],
        "csrf_token": csrf_token(request),
        "nav": nav_items(user),
        "may": access.granted(user),
        "path": request.url.path,
        "query_without_lang": _query_without_lang(request),
        **context,
    }
    html = environment(language).get_template(template).render(full)
    response = HTMLResponse(html, status_code=status_code)
    asked = i18n.normalise(request.query_params.get("lang"))
    if asked:
        response.set_cookie(i18n.LANGUAGE_COOKIE, asked, max_age=365 * 86400, samesite="lax")
    return response


def _query_without_lang(request: Request) -> str:
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return urlencode(items)


def form_page(
    request: Request,
    user: User,
    template: str,
    context: Mapping[str, Any],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A form page: its context and each field's problems (none on first view)."""
    full = {**context, "errors": errors or {}}
    return render(request, template, full, user=user, status_code=status_code)


def translate(request: Request, user: User | None, message: str) -> str:
    return i18n.gettext(language_of(request, user), message)


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (303)."""
    return RedirectResponse(url, status_code=303)


# --- forms --------------------------------------------------------------------------------


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files are ignored)."""
    form: FormData = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def blank_to_none(fields: Mapping[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields, stripped, with empty strings as None (so models see "missing")."""
    out: dict[str, Any] = {}
    for name in names:
        value = fields.get(name, "").strip()
        out[name] = value or None
    return out


def field_errors(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems keyed by form field: the last part of each problem's location."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        parts = [p for p in problem.location.split(".") if p and not p.isdigit()]
        key = parts[-1] if parts else "__all__"
        if key in ("compound", "order", "input", "__root__") and len(parts) == 1:
            key = parts[0]
        errors.setdefault(key, []).append(problem.message)
    return errors


@dataclass(frozen=True)
class Page:
    """One page of a long list."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(value: str | None) -> int:
    """``?page=``: 1 when missing or not a number; huge numbers are clamped (an offset past
    the drivers' integer range would fail instead of showing an empty page)."""
    try:
        return min(MAX_PAGE_NUMBER, max(1, int(value or "1")))
    except ValueError:
        return 1


def parse_day(value: str | None) -> date | None:
    """``YYYY-MM-DD`` within the plausible range (see :mod:`mixshare.center_time`), else None."""
    try:
        return plausible_day(date.fromisoformat(value)) if value else None
    except ValueError:
        return None


def parse_moment(value: str | None) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` (an HTML datetime-local value) or a date within the plausible
    range, else None."""
    if not value:
        return None
    try:
        return plausible_moment(datetime.fromisoformat(value))
    except ValueError:
        return None
