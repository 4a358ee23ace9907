"""``/api/v1/deliveries`` and ``/api/v1/stock``.

The shop floor (operator, center admin) delivers; anyone reads, a member's users only their own
deliveries, stock and certificates (404 for another member's delivery, audited).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from mixshare.access import AccessDep, Reader, StockHandler
from mixshare.stock import certificate, service
from mixshare.stock.models import Delivery
from mixshare.stock.schemas import (
    DeliveredBatchRead,
    DeliveryCreate,
    DeliveryRead,
    StockRead,
    StockRowRead,
)
from mixshare.validation import Moment
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS
from mixshare.web.params import OptionalQueryId, PathId

router = APIRouter(prefix="/deliveries", tags=["stock"], responses=PROBLEMS)
stock_router = APIRouter(prefix="/stock", tags=["stock"], responses=PROBLEMS)


def delivery_read(delivery: Delivery) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        number=delivery.number,
        member=delivery.member.code,
        delivered_at=delivery.delivered_at,
        note=delivery.note,
        total_kg=round(service.delivered_kg(delivery), 1),
        batches=[
            DeliveredBatchRead(
                id=item.batch.id,
                batch=item.batch.code,
                line=item.batch.line.code,
                compound=item.batch.compound_version.key,
                stage=item.batch.stage,
                mass_kg=service.mass_kg(item.batch),
                ended_at=item.batch.ended_at,
            )
            for item in delivery.batches
        ],
        certificate=f"/api/v1/deliveries/{delivery.id}/certificate.pdf",
    )


def _delivery(access: AccessDep, delivery_id: int) -> Delivery:
    access.guard("delivery", delivery_id)
    return service.get_delivery(access.session, delivery_id)


@router.get("", response_model=list[DeliveryRead])
def list_deliveries(
    access: AccessDep,
    user: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DeliveryRead]:
    """Deliveries, newest first (a member's users: their own)."""
    rows, _ = service.list_deliveries(access.session, access.scope, limit=limit, offset=offset)
    return [delivery_read(d) for d in rows]


@router.post("", status_code=201, response_model=DeliveryRead, responses=WRITE_PROBLEMS)
def create_delivery(body: DeliveryCreate, access: AccessDep, user: StockHandler) -> DeliveryRead:
    """Deliver released batches to their member; 422 names every batch that may not go."""
    delivery = service.create_delivery(
        access.session,
        member_id=body.member_id,
        batch_ids=body.batches,
        user=user,
        delivered_at=body.delivered_at,
        note=body.note,
        client=access.client,
    )
    access.session.commit()
    return delivery_read(delivery)


@router.get("/{delivery_id}", response_model=DeliveryRead)
def get_delivery(delivery_id: PathId, access: AccessDep, user: Reader) -> DeliveryRead:
    """One delivery and its batches."""
    return delivery_read(_delivery(access, delivery_id))


@router.get(
    "/{delivery_id}/certificate.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def get_certificate(delivery_id: PathId, access: AccessDep, user: Reader) -> Response:
    """The certificate of analysis of a delivery (PDF, zh-CN and English)."""
    delivery = _delivery(access, delivery_id)
    return certificate.pdf_response(access.session, delivery)


@stock_router.get("", response_model=StockRead)
def get_stock(
    access: AccessDep,
    user: Reader,
    location_id: OptionalQueryId = None,
    stage: Annotated[str | None, Query(pattern="^(MB|RM|FB)$")] = None,
    alarms: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    at: Annotated[Moment | None, Query(description="ages and alarms as of then")] = None,
) -> StockRead:
    """Batches in stock, oldest first, with age and alarm (a member's users: their own)."""
    where = service.StockFilter(access.scope, location_id, stage, alarms)
    page = service.stock(access.session, where, now=at, limit=limit, offset=offset)
    return StockRead(
        total=page.total,
        expiring=page.expiring,
        expired=page.expired,
        rows=[
            StockRowRead(
                id=row.batch.id,
                batch=row.batch.code,
                line=row.batch.line.code,
                compound=row.batch.compound_version.key,
                stage=row.batch.stage,
                state=row.batch.state,
                location=row.location.code if row.location else None,
                mass_kg=service.mass_kg(row.batch),
                ended_at=row.batch.ended_at,
                age_hours=round(row.age_hours, 1),
                max_age_hours=round(row.max_age.total_seconds() / 3600, 1),
                alarm=row.alarm,
                rested=row.rested,
            )
            for row in page.rows
        ],
    )
