"""Environment pages: the month's ledger (VOC by method with its chart, particulates, limits,
treatment unit, waste, zero-waste indicators), the treatment log and waste forms, and the
reference data (factors, efficiencies, limits, product classes).

Center staff see the center's ledger; the operator and the center admin keep the log and the
waste records; the center admin versions the reference data. A member's users see only their
own VOC per tonne by both methods (their own rubber input; nothing of any other member).
"""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from mixshare.access import AccessDep, CenterAdmin, EnvironmentKeeper, OperationsViewer, Reader
from mixshare.compounds.models import Compound
from mixshare.environment import exports, service
from mixshare.environment.models import FACTOR_NAMES, LIMIT_PARAMETERS
from mixshare.errors import MixshareError, NotFound, ValidationFailed
from mixshare.settings import now_local
from mixshare.users.models import User
from mixshare.web.deps import verify_csrf
from mixshare.web.downloads import attachment
from mixshare.web.page_common import N_, FormFields, field_errors, redirect, render, translate

router = APIRouter()
MONTH_RE = re.compile(r"\d{4}-\d{2}")
SHOWN_VALUES = (N_("ok"), N_("exceeded"), N_("no data"), N_("emission factor"),
                N_("stack monitoring"), N_("general"), N_("hazardous"), N_("utilisation"),
                N_("disposal"))  # fmt: skip


def _month(value: str | None) -> str:
    """The asked month if it is one, else the current month."""
    if value and MONTH_RE.fullmatch(value):
        try:
            service.month_bounds(value)
            return value
        except ValidationFailed:
            pass
    return f"{now_local():%Y-%m}"


def _labels(request: Request, user: User) -> dict[str, str]:
    names = ("emission factor", "stack monitoring", "kg", "kg/t", "hours with readings")
    return {name: translate(request, user, name) for name in names}


@router.get("/environment", response_class=HTMLResponse)
def month_page(
    request: Request, access: AccessDep, user: Reader, month: str | None = None
) -> HTMLResponse:
    """The month's ledger for staff; a member's own VOC per tonne for a member's users."""
    shown = _month(month)
    session = access.session
    context: dict[str, Any] = {"month": shown, "labels": _labels(request, user)}
    if access.scope is not None:
        context["share"] = service.member_share(session, shown, access.scope)
        context["chart"] = service.voc_series(session, shown, member_id=access.scope)
        context["chart"]["unit"] = "kg/t"
        return render(request, "environment/member.html", context, user=user)
    context["ledger"] = service.month_ledger(session, shown)
    context["chart"] = service.voc_series(session, shown)
    context["chart"]["unit"] = "kg"
    context["indicator_names"] = exports.INDICATOR_NAMES
    return render(request, "environment/month.html", context, user=user)


@router.get("/environment/report.xlsx", response_model=None)
def report_xlsx(access: AccessDep, user: OperationsViewer, month: str | None = None) -> Response:
    """The permit execution report and zero-waste indicator sheet of the month."""
    shown = _month(month)
    buffer = io.BytesIO()
    exports.export_environment_xlsx(access.session, shown, buffer)
    return attachment(buffer.getvalue(), f"environment-{shown}.xlsx")


# --- treatment log -------------------------------------------------------------------------------


def _treatment_page(request: Request, access: AccessDep, user: User, month: str,
                    errors: dict[str, list[str]] | None = None,
                    values: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    start, end = service.month_bounds(month)
    context = {
        "month": month,
        "days": service.treatment_days(access.session, start.date(), end.date()),
        "summary": service.treatment_summary(access.session, start, end),
        "errors": errors or {},
        "values": values or {},
    }
    status = 422 if errors else 200
    return render(request, "environment/treatment.html", context, user=user, status_code=status)


@router.get("/environment/treatment", response_class=HTMLResponse)
def treatment_page(
    request: Request, access: AccessDep, user: OperationsViewer, month: str | None = None
) -> HTMLResponse:
    return _treatment_page(request, access, user, _month(month))


TREATMENT_FIELDS = ("unit", "day", "fan_hours", "combustion_temp_min_c", "combustion_temp_avg_c",
                    "carbon_changed_kg", "note")  # fmt: skip


def _filled(form: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The form's non-empty fields among ``names`` (empty ones take the model's default)."""
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


@router.post("/environment/treatment", dependencies=[Depends(verify_csrf)], response_model=None)
def record_treatment(
    request: Request, access: AccessDep, user: EnvironmentKeeper, form: FormFields
) -> Response:
    """Record (or correct) a day of the treatment unit's log."""
    data = _filled(form, TREATMENT_FIELDS)
    try:
        day = service.record_treatment_day(access.session, data=data, user_id=user.id)
    except ValidationFailed as exc:
        access.session.rollback()
        return _treatment_page(request, access, user, _month(None), field_errors(exc.problems),
                               form)  # fmt: skip
    access.session.commit()
    return redirect(f"/environment/treatment?month={day.day:%Y-%m}&saved=1")


# --- waste ---------------------------------------------------------------------------------------


def _waste_page(request: Request, access: AccessDep, user: User,
                errors: dict[str, list[str]] | None = None,
                values: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    context = {
        "containers": service.containers(access.session),
        "errors": errors or {},
        "values": values or {},
    }
    status = 422 if errors else 200
    return render(request, "environment/waste.html", context, user=user, status_code=status)


@router.get("/environment/waste", response_class=HTMLResponse)
def waste_page(request: Request, access: AccessDep, user: OperationsViewer) -> HTMLResponse:
    """Waste containers, newest first, with their transfers and receivers."""
    return _waste_page(request, access, user)


CONTAINER_FIELDS = ("code", "category", "waste_type", "hw_code", "mass_kg", "filled_on",
                    "location")  # fmt: skip
TRANSFER_FIELDS = ("container", "transferred_on", "receiver", "receiver_licence", "manifest_no",
                   "mass_kg", "method")  # fmt: skip


@router.post(
    "/environment/waste/containers", dependencies=[Depends(verify_csrf)], response_model=None
)
def record_container(
    request: Request, access: AccessDep, user: EnvironmentKeeper, form: FormFields
) -> Response:
    try:
        service.record_container(access.session, data=_filled(form, CONTAINER_FIELDS))
    except ValidationFailed as exc:
        access.session.rollback()
        return _waste_page(request, access, user, field_errors(exc.problems), form)
    access.session.commit()
    return redirect("/environment/waste?saved=container")


@router.post(
    "/environment/waste/transfers", dependencies=[Depends(verify_csrf)], response_model=None
)
def record_transfer(
    request: Request, access: AccessDep, user: EnvironmentKeeper, form: FormFields
) -> Response:
    try:
        service.record_transfer(access.session, data=_filled(form, TRANSFER_FIELDS))
    except (ValidationFailed, NotFound) as exc:
        access.session.rollback()
        problems = exc.problems if isinstance(exc, ValidationFailed) else []
        errors = field_errors(problems) if problems else {"container": [str(exc)]}
        return _waste_page(request, access, user, errors, form)
    access.session.commit()
    return redirect("/environment/waste?saved=transfer")


# --- reference data ------------------------------------------------------------------------------


def _reference_page(request: Request, access: AccessDep, user: User,
                    errors: dict[str, list[str]] | None = None,
                    values: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    session = access.session
    context = {
        "classes": service.product_classes(session),
        "factors": service.factors(session),
        "limits": service.limits(session),
        "factor_names": FACTOR_NAMES,
        "limit_parameters": LIMIT_PARAMETERS,
        "compounds": session.query(Compound).order_by(Compound.member_id, Compound.code).all(),
        "errors": errors or {},
        "values": values or {},
    }
    status = 422 if errors else 200
    return render(request, "environment/reference.html", context, user=user, status_code=status)


@router.get("/environment/reference", response_class=HTMLResponse)
def reference_page(request: Request, access: AccessDep, user: OperationsViewer) -> HTMLResponse:
    """Factors, efficiencies and limits, every version with its source and verified flag."""
    return _reference_page(request, access, user)


def _reference_post(request: Request, access: AccessDep, user: User, form: dict[str, str],
                    action: Any) -> Response:  # fmt: skip
    try:
        action()
    except MixshareError as exc:
        access.session.rollback()
        problems = exc.problems if isinstance(exc, ValidationFailed) else []
        errors = field_errors(problems) if problems else {"__all__": [str(exc)]}
        return _reference_page(request, access, user, errors, form)
    access.session.commit()
    return redirect("/environment/reference?saved=1")


def _verified(form: dict[str, str]) -> dict[str, Any]:
    return {"verified": form.get("verified") == "1"}


@router.post(
    "/environment/reference/factors", dependencies=[Depends(verify_csrf)], response_model=None
)
def add_factor(
    request: Request, access: AccessDep, user: CenterAdmin, form: FormFields
) -> Response:
    fields = ("name", "product_class", "value", "valid_from", "source")
    data = {**_filled(form, fields), **_verified(form)}
    return _reference_post(request, access, user, form,
                           lambda: service.add_factor(access.session, data=data))  # fmt: skip


@router.post(
    "/environment/reference/limits", dependencies=[Depends(verify_csrf)], response_model=None
)
def add_limit(request: Request, access: AccessDep, user: CenterAdmin, form: FormFields) -> Response:
    fields = ("parameter", "bound", "value", "valid_from", "source")
    data = {**_filled(form, fields), **_verified(form)}
    return _reference_post(request, access, user, form,
                           lambda: service.add_limit(access.session, data=data))  # fmt: skip


@router.post(
    "/environment/reference/product-class",
    dependencies=[Depends(verify_csrf)],
    response_model=None,
)
def set_product_class(
    request: Request, access: AccessDep, user: CenterAdmin, form: FormFields
) -> Response:
    key, product_class = form.get("compound", "")[:90], form.get("product_class", "")[:24]
    return _reference_post(request, access, user, form, lambda: service.set_product_class(
        access.session, compound_key=key, product_class=product_class))  # fmt: skip
