"""The energy ledger page: a month's kWh and cost by TOU period and member (charts), by line,
stage and compound, peak demand and meter reconciliation with the allocation rule. A member's
users see only their own company's figures.

``/ledger/factors``: every version of the energy conversion factors (coal equivalent, grid
CO₂) with its source and verified flag, for center staff; the center admin adds a new version
(versions are never edited: a correction is a newer version, and the ledger uses the version in
force on each day)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from mixshare.access import AccessDep, CenterAdmin, OperationsViewer, Reader
from mixshare.errors import ValidationFailed
from mixshare.ledger import service
from mixshare.ledger.models import FACTOR_KINDS, EnergyFactor
from mixshare.settings import now_local
from mixshare.users.models import User
from mixshare.web.deps import verify_csrf
from mixshare.web.page_common import FormFields, field_errors, form_page, redirect, render

router = APIRouter()

OptionalMonth = Annotated[str | None, Query(pattern=service.MONTH_PATTERN)]


def _neighbours(month: str) -> tuple[str, str]:
    start, end = service.month_window(month)
    previous = start.replace(day=1).replace(
        year=start.year - (start.month == 1), month=(start.month - 2) % 12 + 1
    )
    return previous.strftime("%Y-%m"), end.strftime("%Y-%m")


@router.get("/ledger/energy", response_class=HTMLResponse)
def energy_page(
    request: Request, access: AccessDep, user: Reader, month: OptionalMonth = None
) -> HTMLResponse:
    month = month or now_local().strftime("%Y-%m")
    ledger = service.energy_ledger(access.session, month=month, member_id=access.scope)
    previous, following = _neighbours(month)
    context = {"ledger": ledger, "previous": previous, "following": following}
    return render(request, "ledger/energy.html", context, user=user)


# --- conversion factor versions -----------------------------------------------------------------

FACTOR_FIELDS = ("kind", "code", "name", "value", "valid_from", "source")
FACTOR_UNITS = {"coal_equivalent": "kgce/kWh", "grid_co2": "kgCO2/kWh"}
FACTOR_TEMPLATE = "ledger/factors.html"


def _factor_page(
    request: Request, access: AccessDep, user: User, values: dict[str, str],
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:  # fmt: skip
    versions = access.session.scalars(
        select(EnergyFactor).order_by(EnergyFactor.kind, EnergyFactor.valid_from.desc())
    )
    context = {"versions": list(versions), "kinds": FACTOR_KINDS, "units": FACTOR_UNITS,
               "values": values}  # fmt: skip
    return form_page(request, user, FACTOR_TEMPLATE, context, errors, 422 if errors else 200)


@router.get("/ledger/factors", response_class=HTMLResponse)
def factors_page(request: Request, access: AccessDep, user: OperationsViewer) -> HTMLResponse:
    """Every version of the coal-equivalent and grid CO₂ factors; the admin's form."""
    return _factor_page(request, access, user, {"valid_from": f"{now_local():%Y-%m-%d}"})


@router.post("/ledger/factors", dependencies=[Depends(verify_csrf)], response_model=None)
def add_factor(
    request: Request, access: AccessDep, user: CenterAdmin, form: FormFields
) -> Response:
    """A new factor version; the open-ended version of the same kind before it ends the day
    before (as with tariffs)."""
    data: dict[str, object] = {n: v.strip() for n in FACTOR_FIELDS if (v := form.get(n, ""))}
    data["verified"] = form.get("verified") == "1"
    data["unit"] = FACTOR_UNITS.get(str(data.get("kind")), "-")
    try:
        factor = service.create_factor(access.session, data)
    except ValidationFailed as exc:
        access.session.rollback()
        return _factor_page(request, access, user, form, field_errors(exc.problems))
    detail = {"code": factor.code, "kind": factor.kind, "value": factor.value,
              "valid_from": factor.valid_from.isoformat()}  # fmt: skip
    access.audit("create", "energy_factor", factor.id, detail=detail)
    access.session.commit()
    return redirect(f"/ledger/factors?created={factor.code}")
