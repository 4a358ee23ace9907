"""Lines and calendars pages: the line list and a line's form, the calendars page with its
shift patterns, holidays and maintenance windows, and their forms. Every form carries the CSRF
token; a rejected form comes back with each field's problem next to it and nothing written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.access import Access, CenterAdmin, OperationsViewer, Planner
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.lines import holidays, shift_patterns
from mixshare.lines import service as lines
from mixshare.lines.models import Calendar, Downtime, Line
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    FormFields,
    field_errors,
    form_page,
    parse_moment,
    redirect,
    render,
)
from mixshare.web.params import PathId

router = APIRouter()
Errors = dict[str, list[str]]
STAGE_FIELDS = ("fill_factor", "cycle_minutes", "kwh_per_kg")
DOWNTIME_LIMIT = 200


@router.get("/lines", response_class=HTMLResponse)
def line_list(request: Request, session: SessionDep, user: OperationsViewer) -> HTMLResponse:
    calendars = {c.id: c.name for c in session.scalars(select(Calendar))}
    context = {"lines": lines.get_all(session), "calendars": calendars}
    return render(request, "catalog/lines.html", context, user=user)


def _calendars_context(session: Session) -> dict[str, Any]:
    line_codes = {line.id: line.code for line in session.scalars(select(Line))}
    downtimes = session.scalars(
        select(Downtime).order_by(Downtime.start.desc()).limit(DOWNTIME_LIMIT)
    )
    return {
        "calendars": shift_patterns.get_all(session),
        "weekday_names": shift_patterns.weekday_names,
        "cycle_text": shift_patterns.cycle_text,
        "holidays": holidays.get_all(session),
        "downtimes": list(downtimes),
        "line_codes": line_codes,
        "values": {},
        "errors": {},
    }


@router.get("/calendars", response_class=HTMLResponse)
def calendar_list(request: Request, session: SessionDep, user: OperationsViewer) -> HTMLResponse:
    return render(request, "catalog/calendars.html", _calendars_context(session), user=user)


# --- shift patterns ---------------------------------------------------------------------------


def parse_shift_lines(text: str, rotating: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """Form lines ``NAME | HH:MM | HOURS | DAYS | CREW`` (DAYS: weekdays such as Mon-Sat, or
    the cycle days 1-4 of a rotating pattern) as the service's shift dicts, and the problems
    of lines that cannot be read."""
    shifts: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, start, hours, days, crew = [*(p.strip() for p in line.split("|")), "", "", "", ""][:5]
        try:
            shift: dict[str, Any] = {"name": name, "crew": crew}
            shift["start_minute"] = shift_patterns.parse_clock(start)
            shift["duration_minutes"] = round(float(hours) * 60)
            if rotating:
                shift["cycle_days"] = shift_patterns.parse_cycle_days(days)
            else:
                shift["weekdays"] = shift_patterns.parse_weekdays(days)
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        shifts.append(shift)
    return shifts, problems


@router.post("/calendars/new", dependencies=[Depends(verify_csrf)], response_model=None)
def save_calendar(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    """Create a shift pattern, or replace the shifts of the one of that name."""
    cycle = form.get("cycle_days", "").strip()
    shifts, unreadable = parse_shift_lines(form.get("shifts", ""), rotating=bool(cycle))
    data = {
        "name": form.get("calendar_name", "").strip(),
        "cycle_days": cycle or None,
        "cycle_start": form.get("cycle_start", "").strip() or None,
        "shifts": shifts,
    }
    try:
        if unreadable:
            raise ValidationFailed([Problem("shifts", message) for message in unreadable])
        calendar, created = shift_patterns.save_calendar(session, data)
    except ValidationFailed as exc:
        session.rollback()
        context = {**_calendars_context(session), "values": form}
        errors = _calendar_errors(exc.problems)
        return form_page(request, user, "catalog/calendars.html", context, errors, 422)
    detail = {"name": calendar.name, "shifts": len(calendar.shifts)}
    action = "create" if created else "update"
    Access(session, user, request).audit(action, "calendar", calendar.id, detail=detail)
    session.commit()
    return redirect("/calendars?calendar=saved")


def _calendar_errors(problems: list[Problem]) -> Errors:
    """Problems of one shift go to the shifts field, naming the line of the text."""
    errors: Errors = {}
    for problem in problems:
        parts = problem.location.split(".")
        if parts[0] == "shifts" and len(parts) > 1 and parts[1].isdigit():
            message = f"line {int(parts[1]) + 1}, {'.'.join(parts[2:])}: {problem.message}"
            errors.setdefault("shifts", []).append(message)
        elif parts[0] == "name":
            errors.setdefault("calendar_name", []).append(problem.message)
        elif parts[0] in ("cycle_days", "cycle_start", "shifts"):
            errors.setdefault(parts[0], []).append(problem.message)
        else:
            errors.setdefault("shifts", []).append(problem.message)
    return errors


# --- holidays ---------------------------------------------------------------------------------


@router.post("/holidays/new", dependencies=[Depends(verify_csrf)], response_model=None)
def save_holiday(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    """Add a holiday, or change the one its day has (name, what still runs)."""
    data = {name: form.get(name, "").strip() for name in ("day", "name", "open_shifts")}
    try:
        holiday, created = holidays.save_holiday(session, {**data, "day": data["day"] or None})
    except ValidationFailed as exc:
        session.rollback()
        context = {**_calendars_context(session), "values": form}
        errors = field_errors(exc.problems)
        return form_page(request, user, "catalog/calendars.html", context, errors, 422)
    detail = {"day": holiday.day.isoformat(), "open_shifts": holiday.open_shifts}
    action = "create" if created else "update"
    Access(session, user, request).audit(action, "holiday", holiday.id, detail=detail)
    session.commit()
    return redirect("/calendars?holiday=saved")


@router.post(
    "/holidays/{holiday_id}/delete", dependencies=[Depends(verify_csrf)], response_model=None
)
def delete_holiday(
    request: Request, session: SessionDep, user: CenterAdmin, holiday_id: PathId
) -> Response:
    try:
        removed = holidays.delete_holiday(session, holiday_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    detail = {"day": removed.day.isoformat(), "name": removed.name}
    Access(session, user, request).audit("delete", "holiday", holiday_id, detail=detail)
    session.commit()
    return redirect("/calendars?holiday=deleted")


# --- lines ------------------------------------------------------------------------------------


def _line_or_404(session: Session, line_id: int) -> Line:
    try:
        return lines.get(session, line_id)
    except NotFound:
        raise HTTPException(status_code=404) from None


def _line_context(session: Session, line: Line | None, values: Mapping[str, Any]) -> dict[str, Any]:
    keys = [f"{s}_{f}" for s in lines.STAGES for f in ("enabled", "stage", *STAGE_FIELDS)]
    return {
        "line": line,
        "values": values,
        "stages": lines.STAGES,
        "stage_keys": keys,
        "calendars": shift_patterns.get_all(session),
    }


def _calendar_field(form: Mapping[str, str]) -> int | str | None:
    value = form.get("calendar_id", "").strip()
    return int(value) if value.isdigit() else (value or None)


def _line_values(line: Line) -> dict[str, Any]:
    values: dict[str, Any] = {"name": line.name, "mixer_type": line.mixer_type}
    values["calendar_id"] = "" if line.calendar_id is None else str(line.calendar_id)
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


@router.get("/lines/new", response_class=HTMLResponse)
def new_line(request: Request, session: SessionDep, user: CenterAdmin) -> HTMLResponse:
    values = {"MB_enabled": "1", "FB_enabled": "1", "calendar_id": ""}
    return form_page(request, user, "catalog/line_form.html", _line_context(session, None, values))


@router.post("/lines/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_line(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    data, stages = _line_changes(form)
    data["code"] = form.get("code", "").strip().upper()
    data["calendar_id"] = _calendar_field(form)
    for name in ("net_volume_l", "rated_power_kw"):
        data[name] = form.get(name, "").strip() or None
    try:
        line = lines.create_line(session, data)
    except ValidationFailed as exc:
        session.rollback()
        context = _line_context(session, None, form)
        errors = _line_errors(exc.problems, stages)
        return form_page(request, user, "catalog/line_form.html", context, errors, 422)
    Access(session, user, request).audit("create", "line", line.id, detail={"code": line.code})
    session.commit()
    return redirect(f"/lines?updated={line.code}")


@router.get("/lines/{line_id}/edit", response_class=HTMLResponse)
def edit_line(
    request: Request, session: SessionDep, user: CenterAdmin, line_id: PathId
) -> HTMLResponse:
    line = _line_or_404(session, line_id)
    context = _line_context(session, line, _line_values(line))
    return form_page(request, user, "catalog/line_form.html", context)


@router.post("/lines/{line_id}/edit", dependencies=[Depends(verify_csrf)], response_model=None)
def save_line(
    request: Request, session: SessionDep, user: CenterAdmin, line_id: PathId, form: FormFields
) -> Response:
    line = _line_or_404(session, line_id)
    changes, stages = _line_changes(form)
    try:
        lines.update_line(session, line.id, changes)
        if "calendar_id" in form:
            calendar = _calendar_field(form)
            if isinstance(calendar, str):
                raise ValidationFailed([Problem("calendar_id", "unknown calendar", calendar)])
            lines.assign_calendar(session, line.id, calendar)
    except ValidationFailed as exc:
        session.rollback()
        context = _line_context(session, _line_or_404(session, line_id), form)
        errors = _line_errors(exc.problems, stages)
        return form_page(request, user, "catalog/line_form.html", context, errors, 422)
    Access(session, user, request).audit("update", "line", line.id, detail={"stages": stages})
    session.commit()
    return redirect(f"/lines?updated={line.code}")


# --- maintenance windows ----------------------------------------------------------------------


def _downtime_context(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    return {"lines": lines.get_all(session), "values": values, "kinds": lines.DOWNTIME_KINDS}


@router.get("/downtimes/new", response_class=HTMLResponse)
def new_downtime(request: Request, session: SessionDep, user: Planner) -> HTMLResponse:
    context = _downtime_context(session, {"kind": "maintenance"})
    return form_page(request, user, "catalog/downtime_form.html", context)


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
        return form_page(request, user, "catalog/downtime_form.html", context, errors, 422)
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
