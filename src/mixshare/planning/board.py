"""Read-only data for the plan board and the timeline, limited to a window of days.

A thin adapter over the stored plan rows (``planning.service`` has no windowed Gantt reader
yet): one query per kind of block, explicit columns, nothing loaded lazily, so a year of plans
stays fast to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.errors import MixshareError
from mixshare.lines import calendars
from mixshare.lines.models import Downtime, Line
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.planning.models import Plan, PlanChangeover, PlanLot
from mixshare.tariffs.service import hourly_prices

MAX_WINDOW_DAYS = 14
MAX_TABLE_LOTS = 600


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))


def board_window(plan: Plan, start: datetime | None, days: int | None) -> Window:
    """The days shown: from ``start`` (default the horizon start) for ``days`` (default 3)."""
    days = min(MAX_WINDOW_DAYS, max(1, days or 3))
    begin = start or plan.horizon_start
    return Window(begin, begin + timedelta(days=days))


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="minutes")


def _lot_query(plan: Plan, window: Window) -> Any:
    return (
        select(
            PlanLot.code,
            PlanLot.stage,
            PlanLot.start,
            PlanLot.end,
            PlanLot.kg,
            PlanLot.batches,
            PlanLot.kwh,
            PlanLot.energy_cost,
            PlanLot.locked,
            PlanLot.member_id,
            Line.code.label("line"),
            Member.code.label("member"),
            Compound.code.label("compound"),
            CompoundVersion.version,
            CompoundVersion.polymer_family.label("family"),
            Order.id.label("order_id"),
            Order.number.label("order"),
            Order.due_at,
            Order.urgency,
        )
        .join(Line, Line.id == PlanLot.line_id)
        .join(Member, Member.id == PlanLot.member_id)
        .join(CompoundVersion, CompoundVersion.id == PlanLot.compound_version_id)
        .join(Compound, Compound.id == CompoundVersion.compound_id)
        .join(Order, Order.id == PlanLot.order_id)
        .where(PlanLot.plan_id == plan.id)
        .where(PlanLot.start < window.end, PlanLot.end > window.start)
        .order_by(PlanLot.start, PlanLot.code)
    )


def window_lots(
    session: Session, plan: Plan, window: Window, member_id: int | None = None, limit: int = 5000
) -> list[dict[str, Any]]:
    query = _lot_query(plan, window).limit(limit)
    if member_id is not None:
        query = query.where(PlanLot.member_id == member_id)
    return [
        {
            "code": row.code,
            "line": row.line,
            "stage": row.stage,
            "start": _iso(row.start),
            "end": _iso(row.end),
            "kg": round(row.kg, 1),
            "batches": row.batches,
            "kwh": round(row.kwh, 1),
            "energy_cost": round(row.energy_cost, 2),
            "locked": row.locked,
            "member": row.member,
            "compound": f"{row.compound}.v{row.version}",
            "family": row.family,
            "order": row.order,
            "order_id": row.order_id,
            "due": _iso(row.due_at),
            "late": row.stage != "MB" and row.end > row.due_at,
            "urgent": row.urgency == "urgent",
        }
        for row in session.execute(query)
    ]


def window_changeovers(session: Session, plan: Plan, window: Window) -> list[dict[str, Any]]:
    query = (
        select(PlanChangeover, Line.code)
        .join(Line, Line.id == PlanChangeover.line_id)
        .where(PlanChangeover.plan_id == plan.id)
        .where(PlanChangeover.start < window.end, PlanChangeover.end > window.start)
        .where(PlanChangeover.end > PlanChangeover.start)
    )
    return [
        {
            "line": line,
            "start": _iso(c.start),
            "end": _iso(c.end),
            "from": c.from_lot_code or "",
            "to": c.to_lot_code,
            "cleaning_batches": c.cleaning_batches,
        }
        for c, line in session.execute(query)
    ]


def window_downtimes(session: Session, window: Window) -> list[dict[str, Any]]:
    query = (
        select(Downtime, Line.code)
        .join(Line, Line.id == Downtime.line_id)
        .where(Downtime.start < window.end, Downtime.end > window.start)
    )
    return [
        {
            "line": line,
            "start": _iso(max(d.start, window.start)),
            "end": _iso(min(d.end, window.end)),
            "kind": d.kind,
            "reason": d.reason,
        }
        for d, line in session.execute(query)
    ]


def window_prices(session: Session, window: Window) -> list[dict[str, Any]]:
    """TOU price bands over the window (empty when no tariff covers it)."""
    try:
        spans = hourly_prices(session, window.start, window.end)
    except MixshareError:
        return []
    return [
        {"start": _iso(s.start), "end": _iso(s.end), "period": s.period, "price": s.price}
        for s in spans
    ]


def window_off_shift(session: Session, window: Window) -> list[dict[str, Any]]:
    """Each line's unavailable time in the window (off shift, holidays, downtimes), shaded
    behind the lots so a gap in the plan reads as "line not working", not "idle"."""
    return [
        {"line": line.code, "start": _iso(start), "end": _iso(end)}
        for line in session.scalars(select(Line).order_by(Line.code))
        for start, end in calendars.unavailable(session, line, window.start, window.end)
    ]


def line_codes(session: Session) -> list[dict[str, Any]]:
    return [
        {"id": line.id, "code": line.code, "name": line.name}
        for line in session.scalars(select(Line).order_by(Line.code))
    ]


def gantt(
    session: Session, plan: Plan, window: Window, member_id: int | None = None
) -> dict[str, Any]:
    """Everything the Gantt chart draws for ``window``."""
    return {
        "plan": {"id": plan.id, "version": plan.version, "status": plan.status},
        "window": {"start": _iso(window.start), "end": _iso(window.end)},
        "frozen_until": _iso(plan.frozen_until) if plan.frozen_until else None,
        "lines": [line["code"] for line in line_codes(session)],
        "lots": window_lots(session, plan, window, member_id),
        "changeovers": [] if member_id is not None else window_changeovers(session, plan, window),
        "downtimes": window_downtimes(session, window),
        "off_shift": window_off_shift(session, window),
        "prices": window_prices(session, window),
    }


def planned_completion(
    session: Session, plan: Plan | None, order_ids: list[int]
) -> dict[int, datetime]:
    """When the given orders' last lot ends in ``plan``."""
    if plan is None or not order_ids:
        return {}
    query = (
        select(PlanLot.order_id, func.max(PlanLot.end))
        .where(PlanLot.plan_id == plan.id, PlanLot.order_id.in_(order_ids))
        .group_by(PlanLot.order_id)
    )
    return {order_id: end for order_id, end in session.execute(query)}
