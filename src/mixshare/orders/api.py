"""``/api/v1/orders``: members place, change and cancel their own orders; the center sees all."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from mixshare.access import AccessDep, OrderWriter, Planner, Reader
from mixshare.audit import service as audit
from mixshare.center_time import CenterDateTime
from mixshare.errors import Problem, ValidationFailed
from mixshare.orders import service
from mixshare.orders.models import ORDER_STATUSES, Order
from mixshare.orders.schemas import OrderCreate, OrderUpdate
from mixshare.planning.due_check import DUE_FIELDS, DueCheck
from mixshare.users.models import User
from mixshare.validation import Id, Identifier
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS, Page, PagingDep, page_of
from mixshare.web.params import OptionalQueryId, OptionalVersionQuery, PathId

router = APIRouter(prefix="/orders", tags=["orders"], responses=PROBLEMS)

Status = Literal["open", "planned", "in_progress", "done", "cancelled"]
assert set(ORDER_STATUSES) == set(Status.__args__)  # type: ignore[attr-defined]


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    member_id: int
    member_code: str
    compound_version_id: int
    compound_key: str
    stage: str
    quantity_kg: float
    due_at: CenterDateTime
    release_at: CenterDateTime | None
    status: str
    created_at: CenterDateTime
    note: str
    version: int = Field(description="send it back when changing the order")
    urgency: Literal["", "requested", "urgent"] = Field(
        default="", description="requested by the member; urgent once the planner decides"
    )
    urgency_reason: str = ""
    urgency_at: CenterDateTime | None = None
    warnings: list[str] = Field(
        default_factory=list,
        description="on creation, and on a change of quantity or dates: e.g. a due date earlier"
        " than the earliest possible completion (the order is accepted)",
    )
    earliest_completion: CenterDateTime | None = Field(
        default=None,
        description="on creation, and on a change of quantity or dates: the earliest the"
        " order could be done",
    )

    @classmethod
    def of(cls, order: Order, check: DueCheck | None = None) -> OrderRead:
        return cls(
            **{name: getattr(order, name) for name in _PLAIN},
            member_code=order.member.code,
            compound_key=order.compound_version.key,
            version=order.row_version,
            warnings=check.warnings if check else [],
            earliest_completion=check.earliest if check else None,
        )


_PLAIN = [
    "urgency",
    "urgency_reason",
    "urgency_at",
    "id",
    "number",
    "member_id",
    "compound_version_id",
    "stage",
    "quantity_kg",
    "due_at",
    "release_at",
    "status",
    "created_at",
    "note",
]


class OrderIn(OrderCreate):
    """A new order; ``member`` may be left out by a member's users (their own company)."""

    member: Id | Identifier | None = None  # type: ignore[assignment]


class OrderPatch(OrderUpdate):
    """Changes, with the ``version`` of the order that was read."""

    version: int = Field(ge=1)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)


def _with_member(body: OrderIn, user: User) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    if user.scope is not None:
        data.setdefault("member", user.scope)
    elif body.member is None:
        raise ValidationFailed([Problem("member", "required: the member (code or id) ordering")])
    return data


@router.get("", response_model=Page[OrderRead])
def list_orders(
    access: AccessDep,
    user: Reader,
    paging: PagingDep,
    status: Status | None = None,
    member_id: Annotated[OptionalQueryId, Query(description="center roles only")] = None,
) -> Page[OrderRead]:
    """Orders by due date; a member's users see only their own company's."""
    scope = access.scope if access.scope is not None else member_id
    orders = service.get_all(access.session, scope, status, paging.limit, paging.offset)
    total = service.count(access.session, scope, status)
    return page_of([OrderRead.of(o) for o in orders], total, paging)


@router.post("", status_code=201, response_model=OrderRead, responses=WRITE_PROBLEMS)
def create_order(body: OrderIn, access: AccessDep, user: OrderWriter) -> OrderRead:
    order = service.create_order(access.session, _with_member(body, user), access.scope)
    check = DueCheck.of(access.session, order)
    access.audit(
        "create",
        "order",
        order.id,
        member_id=order.member_id,
        detail={"number": order.number, "kg": order.quantity_kg},
    )
    access.session.commit()
    return OrderRead.of(order, check)


@router.get("/{order_id}", response_model=OrderRead)
def get_order(order_id: PathId, access: AccessDep, user: Reader) -> OrderRead:
    access.guard("order", order_id)
    return OrderRead.of(service.get(access.session, order_id, access.scope))


@router.patch("/{order_id}", response_model=OrderRead, responses=WRITE_PROBLEMS)
def update_order(
    order_id: PathId, body: OrderPatch, access: AccessDep, user: OrderWriter
) -> OrderRead:
    """Change quantity, dates or note; 409 if the order changed since ``version`` was read."""
    access.guard("order", order_id)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    order = service.update_order(access.session, order_id, changes, body.version, access.scope)
    access.audit(
        "update",
        "order",
        order.id,
        member_id=order.member_id,
        detail={"changes": audit.jsonable(changes), "version": order.row_version},
    )
    check = DueCheck.of(access.session, order) if changes.keys() & DUE_FIELDS else None
    access.session.commit()
    return OrderRead.of(order, check)


def _cancel(order_id: int, version: int | None, access: AccessDep) -> Order:
    access.guard("order", order_id)
    order = service.cancel_order(access.session, order_id, version, access.scope)
    access.audit(
        "cancel", "order", order.id, member_id=order.member_id, detail={"number": order.number}
    )
    access.session.commit()
    return order


@router.post("/{order_id}/cancel", response_model=OrderRead, responses=WRITE_PROBLEMS)
def cancel_order(
    order_id: PathId, body: CancelIn, access: AccessDep, user: OrderWriter
) -> OrderRead:
    """Cancel an open or planned order (it stays, with status ``cancelled``)."""
    return OrderRead.of(_cancel(order_id, body.version, access))


@router.delete("/{order_id}", status_code=204, responses=WRITE_PROBLEMS)
def delete_order(
    order_id: PathId,
    access: AccessDep,
    user: OrderWriter,
    version: OptionalVersionQuery = None,
) -> Response:
    """Same as cancel: orders are never erased, so plans and bills keep their history."""
    _cancel(order_id, version, access)
    return Response(status_code=204)


class UrgencyRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=400, description="why it is needed sooner")


class UrgencyDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urgent: bool = Field(description="true: rush it; false: normal (declined or over)")
    reason: str = Field(max_length=400)


def _urgency_audited(access: AccessDep, order: Order, action: str) -> OrderRead:
    detail = {"number": order.number, "urgency": order.urgency, "reason": order.urgency_reason}
    access.audit(action, "order", order.id, member_id=order.member_id, detail=detail)
    access.session.commit()
    return OrderRead.of(order)


@router.post("/{order_id}/urgency/request", response_model=OrderRead, responses=WRITE_PROBLEMS)
def request_urgency(
    order_id: PathId, body: UrgencyRequestIn, access: AccessDep, user: OrderWriter
) -> OrderRead:
    """Ask for a rush (members and staff); the planner decides (``POST …/urgency``)."""
    access.guard("order", order_id)
    order = service.request_urgency(
        access.session, order_id, body.reason, user.id, member_id=access.scope
    )
    return _urgency_audited(access, order, "request urgency")


@router.post("/{order_id}/urgency", response_model=OrderRead, responses=WRITE_PROBLEMS)
def decide_urgency(
    order_id: PathId, body: UrgencyDecisionIn, access: AccessDep, user: Planner
) -> OrderRead:
    """The planner marks the order urgent (weighted above member priority) or normal."""
    access.guard("order", order_id)
    order = service.decide_urgency(access.session, order_id, body.urgent, body.reason, user.id)
    return _urgency_audited(access, order, "decide urgency")
