"""The edge between the database and the twin: a center's stored members, orders, lines,
calendars and tariffs as the twin's plain :class:`TwinInput` (through the planning service's
problem builder, so the twin plans exactly what the planner would)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.errors import NotFound
from mixshare.orders.models import Order
from mixshare.planning.problem_builder import build_problem
from mixshare.twin.data import TwinInput, TwinLot


def first_monday(session: Session) -> datetime:
    """Monday 00:00 of the week the earliest order is due (the demand's first week)."""
    earliest = session.scalar(select(func.min(Order.due_at)))
    if earliest is None:
        raise NotFound("no orders: load a center first (mixshare demo)")
    day = earliest.date() - timedelta(days=earliest.weekday())
    return datetime.combine(day, datetime.min.time())


def center_input(session: Session, *, weeks: int, start: datetime | None = None) -> TwinInput:
    """The stored center's demand of ``weeks`` weeks from ``start`` (default: its first
    Monday) as plain data."""
    start = start or first_monday(session)
    planning = build_problem(session, start=start, days=7 * weeks)
    lots = {
        code: TwinLot(
            code, info.order_reference, info.order.member.code, info.stage, info.kg / 1000.0
        )
        for code, info in planning.lots.items()
    }
    members = tuple(sorted({lot.member for lot in lots.values()}))
    return TwinInput(planning.problem, lots, members)
