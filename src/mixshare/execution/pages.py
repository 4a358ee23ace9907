"""Execution pages: batches (list, detail with the curve), the review queue of quarantined and
conflicting documents, and the operator's shift view with the hand-record form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from mixshare.access import AccessDep, BatchRecorder, BatchReviewer, OperationsViewer, Reader
from mixshare.compounds.models import STAGES
from mixshare.execution import service, views
from mixshare.execution.models import BatchConflict
from mixshare.lines.models import Line
from mixshare.settings import CENTER_TIMEZONE, now_local
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    PAGE_SIZE,
    FormFields,
    Page,
    page_number,
    parse_moment,
    redirect,
    render,
)
from mixshare.web.params import OptionalQueryId, PathId

router = APIRouter()
FORM_FIELDS = (
    "line",
    "batch",
    "lot",
    "compound",
    "stage",
    "started_at",
    "ended_at",
    "operator",
    "dump_temperature_c",
    "energy_kwh",
    "ingredients",
)


@router.get("/batches", response_class=HTMLResponse)
def batch_list(
    request: Request,
    access: AccessDep,
    user: Reader,
    line: OptionalQueryId = None,
    stage: str | None = None,
    deviations: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """Batches newest first; a member's users see only their own compounds' batches."""
    session = access.session
    stage = stage if stage in STAGES else None
    conditions = views.batch_filters(access.scope, line, stage, deviations == "1")
    total_rows = views.list_batches(session, conditions, 0, 0)[1]
    paging = Page(page_number(page), PAGE_SIZE, total_rows)
    rows, _ = views.list_batches(session, conditions, PAGE_SIZE, paging.offset)
    lines = list(session.scalars(select(Line).order_by(Line.code)))
    context = {
        "batches": rows,
        "paging": paging,
        "lines": lines,
        "stages": STAGES,
        "filters": {"line": line or "", "stage": stage or "", "deviations": deviations == "1"},
    }
    return render(request, "execution/list.html", context, user=user)


@router.get("/batches/review", response_class=HTMLResponse)
def review(request: Request, session: SessionDep, user: BatchReviewer) -> HTMLResponse:
    """Quarantined documents (with every reason) and conflicts, newest first."""
    quarantined, conflicts = views.review_queue(session)
    context = {"quarantined": quarantined, "conflicts": conflicts}
    return render(request, "execution/review.html", context, user=user)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_detail(
    request: Request, batch_id: PathId, access: AccessDep, user: Reader
) -> HTMLResponse:
    """One batch: weighings, genealogy, deviations and its curve."""
    access.guard("batch", batch_id)
    batch = service.get_batch(access.session, batch_id, access.scope)
    conflicts: list[BatchConflict] = []
    if access.scope is None:
        conflicts = list(
            access.session.scalars(select(BatchConflict).where(BatchConflict.batch_id == batch.id))
        )
    curve = service.curve_of(batch)
    hz = batch.curve.hz if batch.curve is not None else 1.0
    context = {
        "batch": batch,
        "conflicts": conflicts,
        "curve": {"hz": hz, **curve},
        "has_curve": bool(curve["power_kw"]),
    }
    return render(request, "execution/detail.html", context, user=user)


# --- the operator's shift view -------------------------------------------------------------


def _shift_context(session: SessionDep, at: str | None) -> dict[str, Any]:
    moment = parse_moment(at) or now_local()
    plan, shifts = views.shift_view(session, moment)
    return {
        "plan": plan,
        "shifts": shifts,
        "moment": moment,
        "lines": [s.line for s in shifts],
        "stages": STAGES,
    }


@router.get("/shift", response_class=HTMLResponse)
def shift(
    request: Request, session: SessionDep, user: OperationsViewer, at: str | None = None
) -> HTMLResponse:
    """Per line: the published plan's lots in the current shift, with the batches reported."""
    context = _shift_context(session, at)
    context |= {"values": {"operator": user.username}, "reasons": []}
    return render(request, "execution/shift.html", context, user=user)


def _moment(value: str) -> str | None:
    """A datetime-local value of center time as ISO 8601 with the center's offset."""
    moment = parse_moment(value)
    return moment.replace(tzinfo=CENTER_TIMEZONE).isoformat() if moment else (value or None)


def _number(value: str) -> float | str | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        return value  # the ingest service names the field


def _weighings(text: str) -> list[dict[str, Any]]:
    """``material raw_lot target_kg actual_kg`` per line (``-`` for no raw lot)."""
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        parts += [""] * (4 - len(parts))
        material, lot, target, actual = parts[:4]
        rows.append(
            {
                "material": material,
                "raw_lot": None if lot in ("", "-") else lot,
                "target_kg": _number(target),
                "actual_kg": _number(actual),
            }
        )
    return rows


def hand_document(fields: dict[str, str]) -> dict[str, Any]:
    """The batch document a hand-filled form describes (checked by the ingest service)."""
    document: dict[str, Any] = {
        "line": fields.get("line", ""),
        "batch": fields.get("batch", ""),
        "lot": fields.get("lot") or None,
        "compound": fields.get("compound", ""),
        "stage": fields.get("stage", ""),
        "started_at": _moment(fields.get("started_at", "")),
        "ended_at": _moment(fields.get("ended_at", "")),
        "operator": fields.get("operator", ""),
        "ingredients": _weighings(fields.get("ingredients", "")),
        "consumed": [],
        "dump_temperature_c": _number(fields.get("dump_temperature_c", "")),
    }
    energy = _number(fields.get("energy_kwh", ""))
    if energy is not None:
        document["energy_kwh"] = energy
    return {k: v for k, v in document.items() if v is not None or k == "lot"}


@router.post("/shift/record", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def record_batch(
    request: Request, session: SessionDep, user: BatchRecorder, form: FormFields
) -> Response:
    """Record a batch by hand (a line without a data link): the same ingest service as the
    lines' API, so it is accepted, a duplicate, a conflict or quarantined alike."""
    fields = {name: form.get(name, "").strip() for name in FORM_FIELDS}
    result = service.ingest_and_commit(
        session, [hand_document(fields)], source="form", user=user
    ).results[0]
    if result.outcome in ("accepted", "duplicate"):
        return redirect(f"/shift?recorded={result.batch_id}")
    context = _shift_context(session, None)
    context |= {"values": fields, "reasons": result.reasons, "outcome": result.outcome}
    return render(request, "execution/shift.html", context, user=user, status_code=result.status)
