"""``/api/v1/ledger/energy``: the month's energy ledger. Staff get the whole center; a
member's users get their own company's batches only (never another member's rows or the
center-wide peak demand and line meters)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from mixshare.access import AccessDep, Reader
from mixshare.ledger import service
from mixshare.ledger.service import MONTH_PATTERN
from mixshare.web.api_common import PROBLEMS

router = APIRouter(prefix="/ledger", tags=["ledger"], responses=PROBLEMS)

Month = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, 2000-01 to 2100-12")]


@router.get("/energy")
def energy_ledger(access: AccessDep, user: Reader, month: Month) -> dict[str, Any]:
    """kWh, TOU cost, kWh/t, kgce/t and CO2 of the month by line, member, compound, stage and
    day; peak demand per line and meter reconciliation (staff only); definitions and factors."""
    return service.energy_ledger(access.session, month=month, member_id=access.scope)
