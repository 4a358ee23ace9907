"""Tariff pages: the list of tariff versions and the form adding one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mixshare.access import Access, CenterAdmin, OperationsViewer
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.settings import now_local
from mixshare.tariffs import service as tariffs
from mixshare.tariffs.models import Tariff
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    FormFields,
    form_page,
    redirect,
    render,
)

router = APIRouter()
Errors = dict[str, list[str]]


@router.get("/tariffs", response_class=HTMLResponse)
def tariff_list(request: Request, session: SessionDep, user: OperationsViewer) -> HTMLResponse:
    rows = session.scalars(
        select(Tariff).options(selectinload(Tariff.bands)).order_by(Tariff.valid_from)
    )
    return render(request, "catalog/tariffs.html", {"tariffs": list(rows)}, user=user)


# --- tariffs ----------------------------------------------------------------------------------


TARIFF_FIELDS = ("code", "name", "source", "valid_from", "valid_to", "flat_price")


def parse_bands(text: str) -> list[dict[str, Any]]:
    """Band lines ``MONTHS START END PERIOD MULTIPLIER`` (months as ``1,2,3``), one per line."""
    bands = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        months, start, end, period, multiplier = [*parts, "", "", "", "", ""][:5]
        bands.append(
            {
                "months": months,
                "start_hour": start or None,
                "end_hour": end or None,
                "period": period or None,
                "multiplier": multiplier or None,
            }
        )
    return bands


def _tariff_errors(problems: list[Problem]) -> Errors:
    """Band problems go to the bands field, naming the line of the text."""
    errors: Errors = {}
    for problem in problems:
        parts = problem.location.split(".")
        if parts[0] == "bands":
            where = f"line {int(parts[1]) + 1}" if len(parts) > 1 and parts[1].isdigit() else ""
            field = ".".join(parts[2:])
            prefix = ", ".join(p for p in (where, field) if p)
            message = f"{prefix}: {problem.message}" if prefix else problem.message
            errors.setdefault("bands", []).append(message)
        else:
            errors.setdefault(parts[-1], []).append(problem.message)
    return errors


def _bands_text(session: Session) -> str:
    """The bands of the tariff in force today, as the form's text (a new version usually
    changes a few of them)."""
    try:
        current = tariffs.tariff_on(session, now_local().date())
    except NotFound:
        return ""
    rows = sorted(current.bands, key=lambda b: (b.months, b.start_hour))
    return "\n".join(
        f"{b.months} {b.start_hour} {b.end_hour} {b.period} {b.multiplier:g}" for b in rows
    )


@router.get("/tariffs/new", response_class=HTMLResponse)
def new_tariff(request: Request, session: SessionDep, user: CenterAdmin) -> HTMLResponse:
    values = {
        "valid_from": now_local().date().isoformat(),
        "holiday_multiplier": "0.2",
        "bands": _bands_text(session),
    }
    return form_page(request, user, "catalog/tariff_form.html", {"values": values})


@router.post("/tariffs/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_tariff(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    data: dict[str, Any] = {name: form.get(name, "").strip() or None for name in TARIFF_FIELDS}
    data["source"] = data["source"] or ""
    data["holiday_multiplier"] = form.get("holiday_multiplier", "").strip() or 0.2
    data["bands"] = parse_bands(form.get("bands", ""))
    try:
        tariff = tariffs.create_tariff(session, data)
    except ValidationFailed as exc:
        session.rollback()
        errors = _tariff_errors(exc.problems)
        return form_page(request, user, "catalog/tariff_form.html", {"values": form}, errors, 422)
    detail = {"code": tariff.code, "valid_from": tariff.valid_from.isoformat()}
    Access(session, user, request).audit("create", "tariff", tariff.id, detail=detail)
    session.commit()
    return redirect(f"/tariffs?created={tariff.code}")
