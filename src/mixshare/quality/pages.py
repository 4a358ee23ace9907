"""Lab pages: the worklist, a batch's quality page (results against specs, result entry, release
and hold with disposition, the curve against its golden envelope) and the SPC charts.

The lab (quality, center admin) acts; every center role sees a batch's status and results;
a member's users see only their own batches (404 for another member's, audited).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from mixshare.access import TEST_BATCHES, AccessDep, LabTester, OperationsViewer, Reader
from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.errors import Conflict, Problem, ValidationFailed
from mixshare.execution.models import Batch
from mixshare.lines.models import Line
from mixshare.quality import golden, service
from mixshare.quality.models import DISPOSITIONS, CurveScore, LabResult
from mixshare.spreadsheets import as_float
from mixshare.users.models import User
from mixshare.web.deps import verify_csrf
from mixshare.web.page_common import N_, FormFields, redirect, render
from mixshare.web.params import OptionalQueryId, PathId

router = APIRouter()
# values the templates translate: batch states, verdicts, dispositions
SHOWN_VALUES = (
    N_("mixed"),
    N_("resting"),
    N_("tested"),
    N_("released"),
    N_("held"),
    N_("pass"),
    N_("fail"),
    N_("missing"),
    N_("rework"),
    N_("blend"),
    N_("downgrade"),
    N_("scrap"),
)


def _batch(access: AccessDep, batch_id: int) -> Batch:
    access.guard("batch", batch_id)
    batch = access.session.get(Batch, batch_id)
    assert batch is not None  # the guard answered 404 otherwise
    return batch


@router.get("/quality", response_class=HTMLResponse)
def worklist_page(request: Request, access: AccessDep, user: LabTester) -> HTMLResponse:
    items = service.worklist(access.session)
    access.session.commit()  # batches the worklist moved along (mixed → resting → tested)
    return render(request, "quality/worklist.html", {"items": items}, user=user)


def _batch_context(access: AccessDep, batch: Batch, user: User) -> dict[str, Any]:
    session = access.session
    service.refresh(session, batch)
    return {
        "batch": batch,
        "verdicts": service.verdicts(session, batch),
        "disposition": service.disposition_of(session, batch),
        "score": session.get(CurveScore, batch.id),  # scored at ingest, not by this page
        "curve": service.curve_chart(session, batch),
        "signals": golden.SIGNALS,
        "rest_ends": service.rest_ends(batch),
        "decisions": DISPOSITIONS,
        "can_test": access.may(TEST_BATCHES) and batch.state in service.OPEN_STATES,
        "values": {},
        "errors": {},
        "message": None,
    }


def _batch_page(
    request: Request,
    access: AccessDep,
    batch: Batch,
    user: User,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    context = {**_batch_context(access, batch, user), **extra}
    response = render(request, "quality/batch.html", context, user=user, status_code=status_code)
    access.session.commit()
    return response


@router.get("/quality/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: PathId, access: AccessDep, user: Reader) -> HTMLResponse:
    return _batch_page(request, access, _batch(access, batch_id), user)


def _entries(batch: Batch, form: dict[str, str]) -> tuple[list[service.ResultIn], list[Problem]]:
    """One result per filled ``value_<TEST>`` field; a value that is not a number is a problem."""
    entries, problems = [], []
    for key, text in form.items():
        if not key.startswith("value_") or not text.strip():
            continue
        test = key.removeprefix("value_")
        try:
            value = as_float(text)
        except ValueError as exc:
            problems.append(Problem(key, str(exc), text))
            continue
        assert value is not None
        entries.append(
            service.ResultIn(test=test, value=value, batch_id=batch.id, at=_form_field(key))
        )
    return entries, problems


def _form_field(key: str) -> Callable[[str], str]:
    """Problems with a result's value or test belong to its input ``key``; others to the batch."""
    return lambda field: key if field in ("value", "test") else field


def _by_location(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages by the whole location of their problem: the batch page's inputs are named so
    (``_form_field``), not by the last part of a dotted path as ``field_errors`` keys them."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.location, []).append(problem.message)
    return errors


@router.post(
    "/quality/batches/{batch_id}/results", dependencies=[Depends(verify_csrf)], response_model=None
)
def enter_results(
    request: Request, batch_id: PathId, access: AccessDep, user: LabTester, form: FormFields
) -> Response:
    batch = _batch(access, batch_id)
    entries, problems = _entries(batch, form)
    if not entries and not problems:
        problems.append(Problem("results", "enter at least one value"))
    try:
        if problems:
            raise ValidationFailed(problems)
        service.record_results(access.session, entries, user, source="form")
    except ValidationFailed as exc:
        access.session.rollback()
        errors = _by_location(exc.problems)
        return _batch_page(request, access, batch, user, 422, values=form, errors=errors)
    access.audit("enter_results", "batch", batch.id, member_id=batch.member_id,
                 detail={"tests": [e.test for e in entries]})  # fmt: skip
    access.session.commit()
    return redirect(f"/quality/batches/{batch.id}?saved=results")


@router.post(
    "/quality/batches/{batch_id}/release", dependencies=[Depends(verify_csrf)], response_model=None
)
def release_batch(
    request: Request, batch_id: PathId, access: AccessDep, user: LabTester
) -> Response:
    batch = _batch(access, batch_id)
    try:
        service.release(access.session, batch, user, client=access.client)
    except Conflict as exc:
        access.session.rollback()
        return _batch_page(request, access, batch, user, 409, message=str(exc))
    access.session.commit()
    return redirect(f"/quality/batches/{batch.id}?saved=released")


@router.post(
    "/quality/batches/{batch_id}/hold", dependencies=[Depends(verify_csrf)], response_model=None
)
def hold_batch(
    request: Request, batch_id: PathId, access: AccessDep, user: LabTester, form: FormFields
) -> Response:
    batch = _batch(access, batch_id)
    decision, reason = form.get("decision", ""), form.get("reason", "")
    try:
        service.hold(
            access.session, batch, user, decision=decision, reason=reason, client=access.client
        )
    except ValidationFailed as exc:
        access.session.rollback()
        errors = _by_location(exc.problems)
        return _batch_page(request, access, batch, user, 422, values=form, errors=errors)
    except Conflict as exc:
        access.session.rollback()
        return _batch_page(request, access, batch, user, 409, message=str(exc))
    access.session.commit()
    return redirect(f"/quality/batches/{batch.id}?saved=held")


# --- SPC -----------------------------------------------------------------------------------


def _choices(access: AccessDep) -> dict[str, Any]:
    """Test methods, lines, and the compound versions and stages that have lab results."""
    session = access.session
    versions = session.execute(
        select(CompoundVersion.id, Batch.stage)
        .join(Batch, Batch.compound_version_id == CompoundVersion.id)
        .join(LabResult, LabResult.batch_id == Batch.id)
        .distinct()
    ).all()
    wanted = select(CompoundVersion).join(Compound)
    found = session.scalars(wanted.where(CompoundVersion.id.in_({r[0] for r in versions})))
    keys = {v.id: v.key for v in found}
    return {
        "methods": service.test_methods(session),
        "lines": list(session.scalars(select(Line).order_by(Line.code))),
        "versions": sorted((keys[r[0]], r[0], r[1]) for r in versions),
    }


@router.get("/quality/spc", response_class=HTMLResponse)
def spc_page(
    request: Request,
    access: AccessDep,
    user: OperationsViewer,
    test: str = "MOONEY",
    version: OptionalQueryId = None,
    stage: str = "MB",
    line: OptionalQueryId = None,
) -> HTMLResponse:
    choices = _choices(access)
    if not version and choices["versions"]:
        _, version, stage = choices["versions"][0]
    if not line and choices["lines"]:
        line = choices["lines"][0].id
    series = None
    known = {m.code for m in choices["methods"]}
    if version and line and test in known and stage in ("MB", "RM", "FB"):
        series = service.spc_series(
            access.session, test=test, version_id=version, stage=stage, line_id=line
        )
    chosen = {"test": test, "version": version, "stage": stage, "line": line}
    context = {**choices, "chosen": chosen, "series": series, "figure": _figure(series)}
    return render(request, "quality/spc.html", context, user=user)


def _figure(series: service.SpcSeries | None) -> dict[str, Any] | None:
    """The chart's data for quality.js (None without two results)."""
    if series is None or series.chart is None:
        return None
    chart, spec = series.chart, series.spec
    limits = chart.limits
    return {
        "batches": series.batches,
        "values": chart.values,
        "ranges": chart.moving_ranges,
        "centre": limits.centre,
        "ucl": limits.ucl,
        "lcl": limits.lcl,
        "mr_bar": limits.mr_bar,
        "mr_ucl": limits.mr_ucl,
        "lsl": spec.lsl if spec else None,
        "usl": spec.usl if spec else None,
        "violations": {str(i): chart.rules_at(i) for i in {v.index for v in chart.violations}},
        "mr_out": chart.mr_out,
        "unit": series.method.unit,
    }
