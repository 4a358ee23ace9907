"""Catalogue forms of the center: edit a line, add/remove maintenance windows, add a tariff
version, create and edit members. Every form carries the CSRF token; a rejected form comes back
with each field's problem next to it and nothing written."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mixshare.access import Access, CenterAdmin, Planner
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.lines import service as lines
from mixshare.lines.models import Line
from mixshare.members import service as members
from mixshare.members.models import Member
from mixshare.settings import now_local
from mixshare.tariffs import service as tariffs
from mixshare.users.models import User
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    FormFields,
    field_errors,
    parse_moment,
    redirect,
    render,
)
from mixshare.web.params import PathId

router = APIRouter()
STAGE_FIELDS = ("fill_factor", "cycle_minutes", "kwh_per_kg")
Errors = dict[str, list[str]]


def _form_page(
    request: Request,
    user: User,
    template: str,
    context: dict[str, Any],
    errors: Errors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    full = {**context, "errors": errors or {}}
    return render(request, template, full, user=user, status_code=status_code)


# --- lines ------------------------------------------------------------------------------------


def _line_or_404(session: Session, line_id: int) -> Line:
    try:
        return lines.get(session, line_id)
    except NotFound:
        raise HTTPException(status_code=404) from None


def _line_context(line: Line, values: dict[str, Any]) -> dict[str, Any]:
    keys = [f"{s}_{f}" for s in lines.STAGES for f in ("enabled", "stage", *STAGE_FIELDS)]
    return {"line": line, "values": values, "stages": lines.STAGES, "stage_keys": keys}


def _line_values(line: Line) -> dict[str, Any]:
    values: dict[str, Any] = {"name": line.name, "mixer_type": line.mixer_type}
    for setting in line.stage_settings:
        values[f"{setting.stage}_enabled"] = "1"
        for name in STAGE_FIELDS:
            values[f"{setting.stage}_{name}"] = f"{getattr(setting, name):g}"
    return values


def _line_changes(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The service's change dict and the stage of each entry of ``stages`` (for errors)."""
    stages = [s for s in lines.STAGES if form.get(f"{s}_enabled")]
    changes: dict[str, Any] = {
        "name": form.get("name", ""),
        "mixer_type": form.get("mixer_type", ""),
        "stages": [
            {"stage": s, **{n: form.get(f"{s}_{n}", "").strip() or None for n in STAGE_FIELDS}}
            for s in stages
        ],
    }
    return changes, stages


def _line_errors(problems: list[Problem], stages: list[str]) -> Errors:
    """``stages.1.cycle_minutes`` becomes the field ``RM_cycle_minutes`` of the form."""
    errors: Errors = {}
    for problem in problems:
        parts = problem.location.split(".")
        if parts[0] == "stages" and len(parts) >= 3 and parts[1].isdigit():
            key = f"{stages[int(parts[1])]}_{parts[2]}"
        elif parts[0] == "stages":
            key = "stages"
        else:
            key = parts[-1]
        errors.setdefault(key, []).append(problem.message)
    return errors


@router.get("/lines/{line_id}/edit", response_class=HTMLResponse)
def edit_line(
    request: Request, session: SessionDep, user: CenterAdmin, line_id: PathId
) -> HTMLResponse:
    line = _line_or_404(session, line_id)
    context = _line_context(line, _line_values(line))
    return _form_page(request, user, "catalog/line_form.html", context)


@router.post("/lines/{line_id}/edit", dependencies=[Depends(verify_csrf)], response_model=None)
def save_line(
    request: Request, session: SessionDep, user: CenterAdmin, line_id: PathId, form: FormFields
) -> Response:
    line = _line_or_404(session, line_id)
    changes, stages = _line_changes(form)
    try:
        lines.update_line(session, line.id, changes)
    except ValidationFailed as exc:
        session.rollback()
        context = _line_context(_line_or_404(session, line_id), form)
        errors = _line_errors(exc.problems, stages)
        return _form_page(request, user, "catalog/line_form.html", context, errors, 422)
    Access(session, user, request).audit("update", "line", line.id, detail={"stages": stages})
    session.commit()
    return redirect(f"/lines?updated={line.code}")


# --- maintenance windows ----------------------------------------------------------------------


def _downtime_context(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    return {"lines": lines.get_all(session), "values": values, "kinds": lines.DOWNTIME_KINDS}


@router.get("/downtimes/new", response_class=HTMLResponse)
def new_downtime(request: Request, session: SessionDep, user: Planner) -> HTMLResponse:
    context = _downtime_context(session, {"kind": "maintenance"})
    return _form_page(request, user, "catalog/downtime_form.html", context)


@router.post("/downtimes/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_downtime(
    request: Request, session: SessionDep, user: Planner, form: FormFields
) -> Response:
    data = {
        "line_id": form.get("line_id", "").strip() or None,
        "start": parse_moment(form.get("start")) or form.get("start") or None,
        "end": parse_moment(form.get("end")) or form.get("end") or None,
        "kind": form.get("kind", "maintenance"),
        "reason": form.get("reason", ""),
    }
    try:
        downtime = lines.create_downtime(session, data)
    except ValidationFailed as exc:
        session.rollback()
        context = _downtime_context(session, form)
        errors = field_errors(exc.problems)
        return _form_page(request, user, "catalog/downtime_form.html", context, errors, 422)
    detail = {"line_id": downtime.line_id, "kind": downtime.kind}
    Access(session, user, request).audit("create", "downtime", downtime.id, detail=detail)
    session.commit()
    return redirect("/calendars?downtime=created")


@router.post(
    "/downtimes/{downtime_id}/delete", dependencies=[Depends(verify_csrf)], response_model=None
)
def delete_downtime(
    request: Request, session: SessionDep, user: Planner, downtime_id: PathId
) -> Response:
    try:
        removed = lines.delete_downtime(session, downtime_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    detail = {
        "line_id": removed.line_id,
        "start": removed.start.isoformat(),
        "end": removed.end.isoformat(),
        "kind": removed.kind,
    }
    Access(session, user, request).audit("delete", "downtime", downtime_id, detail=detail)
    session.commit()
    return redirect("/calendars?downtime=deleted")


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
    return _form_page(request, user, "catalog/tariff_form.html", {"values": values})


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
        return _form_page(request, user, "catalog/tariff_form.html", {"values": form}, errors, 422)
    detail = {"code": tariff.code, "valid_from": tariff.valid_from.isoformat()}
    Access(session, user, request).audit("create", "tariff", tariff.id, detail=detail)
    session.commit()
    return redirect(f"/tariffs?created={tariff.code}")


# --- members ----------------------------------------------------------------------------------


MEMBER_FIELDS = ("name", "name_en", "products", "priority_weight")


def _member_or_404(session: Session, member_id: int) -> Member:
    try:
        return members.get(session, member_id)
    except NotFound:
        raise HTTPException(status_code=404) from None


def _member_data(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in names}
    if not data.get("priority_weight"):
        data.pop("priority_weight", None)
    return data


@router.get("/members/new", response_class=HTMLResponse)
def new_member(request: Request, user: CenterAdmin) -> HTMLResponse:
    context = {"member": None, "values": {"priority_weight": "1"}}
    return _form_page(request, user, "catalog/member_form.html", context)


@router.post("/members/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_member(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    data = _member_data(form, ("code", *MEMBER_FIELDS))
    data["code"] = data["code"].upper()
    try:
        member = members.create_member(session, data)
    except ValidationFailed as exc:
        session.rollback()
        context = {"member": None, "values": form}
        errors = field_errors(exc.problems)
        return _form_page(request, user, "catalog/member_form.html", context, errors, 422)
    Access(session, user, request).audit(
        "create", "member", member.id, member_id=member.id, detail={"code": member.code}
    )
    session.commit()
    return redirect(f"/members?created={member.code}")


@router.get("/members/{member_id}", response_class=HTMLResponse)
def edit_member(
    request: Request, session: SessionDep, user: CenterAdmin, member_id: PathId
) -> HTMLResponse:
    member = _member_or_404(session, member_id)
    values = {name: getattr(member, name) for name in MEMBER_FIELDS}
    values["priority_weight"] = f"{member.priority_weight:g}"
    context = {"member": member, "values": values}
    return _form_page(request, user, "catalog/member_form.html", context)


@router.post("/members/{member_id}", dependencies=[Depends(verify_csrf)], response_model=None)
def save_member(
    request: Request, session: SessionDep, user: CenterAdmin, member_id: PathId, form: FormFields
) -> Response:
    member = _member_or_404(session, member_id)
    try:
        members.update_member(session, member.id, _member_data(form, MEMBER_FIELDS))
    except ValidationFailed as exc:
        session.rollback()
        context = {"member": _member_or_404(session, member_id), "values": form}
        errors = field_errors(exc.problems)
        return _form_page(request, user, "catalog/member_form.html", context, errors, 422)
    Access(session, user, request).audit("update", "member", member.id, member_id=member.id)
    session.commit()
    return redirect(f"/members?updated={member.code}")
