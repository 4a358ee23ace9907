"""``/api/v1/trace``: a raw-material lot forward, a delivery backward (the JSON of
``mixshare trace … --format json``). Any logged-in person may trace; a member's users see only
their own company's batches and deliveries (:mod:`mixshare.trace.service`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from mixshare.access import AccessDep, Reader
from mixshare.trace import service
from mixshare.trace.schemas import DeliveryTraceRead, RawLotTraceRead, delivery_read, raw_lot_read
from mixshare.web.api_common import PROBLEMS
from mixshare.web.params import PathId

router = APIRouter(prefix="/trace", tags=["trace"], responses=PROBLEMS)
LotCode = Annotated[str, Path(min_length=1, max_length=40, description="a raw-material lot code")]


@router.get("/raw-lots/{lot}", response_model=RawLotTraceRead)
def trace_raw_lot(lot: LotCode, access: AccessDep, user: Reader) -> RawLotTraceRead:
    """Forward: the batches the lot went into, the batches that consumed those (recursively)
    and the deliveries that took any of them. 404 when none of the caller's batches used it."""
    return raw_lot_read(service.trace_raw_lot(access.session, code=lot, scope=access.scope))


@router.get("/deliveries/{delivery_id}", response_model=DeliveryTraceRead)
def trace_delivery(delivery_id: PathId, access: AccessDep, user: Reader) -> DeliveryTraceRead:
    """Backward: the delivery's batches, what they consumed (recursively), the raw lots weighed
    into any of them and their lab results."""
    access.guard("delivery", delivery_id)
    trace = service.trace_delivery(access.session, delivery_id=delivery_id, scope=access.scope)
    return delivery_read(trace)
