"""The environment ledger as JSON: VOC by both methods for a month (a member's users get their
own VOC per tonne only, as on the page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from mixshare.access import AccessDep, Reader
from mixshare.environment import service
from mixshare.web.api_common import PROBLEMS

router = APIRouter(prefix="/environment", tags=["environment"], responses=PROBLEMS)
Month = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class VocMethod(BaseModel):
    method: str
    kg: float | None
    kg_per_t: float | None
    basis: str


class EnvironmentMonthRead(BaseModel):
    month: str
    member: str | None  # the member the figures belong to; None: the whole center
    rubber_input_t: float
    voc: list[VocMethod]
    stack_hours_read: float  # the share of the month's hours with a stack reading, 0..1


@router.get("", response_model=EnvironmentMonthRead)
def get_month(access: AccessDep, user: Reader, month: Month) -> EnvironmentMonthRead:
    """VOC (as NMHC) of a month by emission factor and by stack monitoring, side by side."""
    session = access.session
    stack_basis = "Σ mg/m³ × m³/h × 1 h over the hours read"
    if access.scope is not None:
        share = service.member_share(session, month, access.scope)
        allocated = stack_basis + "; allocated by rubber input"
        return EnvironmentMonthRead(
            month=month, member=user.member.code if user.member else None,
            rubber_input_t=share.tonnes, stack_hours_read=share.stack_coverage,
            voc=[
                VocMethod(method=service.FACTOR_METHOD, kg=share.voc_factor_kg,
                          kg_per_t=share.per_tonne(share.voc_factor_kg), basis=service.BASIS),
                VocMethod(method=service.STACK_METHOD, kg=share.voc_stack_kg,
                          kg_per_t=share.per_tonne(share.voc_stack_kg), basis=allocated),
            ],
        )  # fmt: skip
    ledger = service.month_ledger(session, month)
    stack_kg = ledger.stack.nmhc_kg if ledger.stack.hours_read else None
    return EnvironmentMonthRead(
        month=month, member=None, rubber_input_t=ledger.tonnes,
        stack_hours_read=ledger.stack.coverage,
        voc=[
            VocMethod(method=service.FACTOR_METHOD, kg=ledger.voc_factor.emitted_kg,
                      kg_per_t=ledger.per_tonne(ledger.voc_factor.emitted_kg),
                      basis=service.BASIS),
            VocMethod(method=service.STACK_METHOD, kg=stack_kg,
                      kg_per_t=ledger.per_tonne(stack_kg), basis=stack_basis),
        ],
    )  # fmt: skip
