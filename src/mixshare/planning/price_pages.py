"""Planning prices page: every version of the money objective's prices, and the center
admin's form adding one (center staff may read them; members never see them)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from mixshare.access import Access, CenterAdmin, OperationsViewer
from mixshare.errors import ValidationFailed
from mixshare.planning import prices
from mixshare.settings import now_local
from mixshare.users.models import User
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import FormFields, field_errors, redirect, render

router = APIRouter()
PRICE_FIELDS = ("code", "valid_from", "cleaning_material_yuan", "cleaning_kwh",
                "changeover_hour_yuan", "lateness_tonne_hour_yuan", "source")  # fmt: skip


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    versions = prices.get_all(session)
    latest = prices.read(versions[0]) if versions else {}
    shown = values or {
        **{k: str(v) for k, v in latest.items() if k in PRICE_FIELDS and v is not None},
        "code": "", "valid_from": now_local().date().isoformat(),
    }  # fmt: skip
    context = {"versions": versions, "errors": errors or {}, "values": shown}
    return render(request, "plan/prices.html", context, user=user,
                  status_code=422 if errors else 200)  # fmt: skip


@router.get("/planning/prices", response_class=HTMLResponse)
def price_list(request: Request, session: SessionDep, user: OperationsViewer) -> HTMLResponse:
    """Every version of the planning prices (latest first) and, for the admin, the form."""
    return _page(request, session, user)


@router.post("/planning/prices", dependencies=[Depends(verify_csrf)], response_model=None)
def add_prices(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    """A new version; the open-ended one before it ends the day before it starts."""
    data = {name: form.get(name, "").strip() for name in PRICE_FIELDS}
    try:
        version = prices.create(session, data)
    except ValidationFailed as exc:
        session.rollback()
        return _page(request, session, user, field_errors(exc.problems), dict(form))
    detail = {"code": version.code, "valid_from": version.valid_from.isoformat()}
    Access(session, user, request).audit("create", "planning_price", version.id, detail=detail)
    session.commit()
    return redirect(f"/planning/prices?created={version.code}")
