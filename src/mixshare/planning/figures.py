"""Dashboard figures of one plan for one week, shaped for the charts.

A stored plan can hold a year of lots, so the dashboard never reads the whole plan: it shows
one window (by default the week of today, else the plan's first week). Output and on-time rate
are grouped in SQL on indexed columns; utilisation, changeover hours and energy cost by TOU
period come from the window's lots and changeovers (a few hundred rows). A member sees only its
own output, on-time rate and energy. Figures are cached per (database, plan, data version,
member, window): any committed edit of shown data moves the data version, so an entry is never
stale and ``CACHE_SECONDS`` only bounds the memory entries hold.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare import data_version
from mixshare.errors import MixshareError
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.planning.board import Window
from mixshare.planning.models import Plan, PlanChangeover, PlanLot
from mixshare.planning.utilisation import line_utilisation
from mixshare.settings import now_local
from mixshare.tariffs.service import PriceSpan, hourly_prices
from mixshare.web.cache import TtlCache, page_cache

STAGES = ("MB", "RM", "FB")
PERIODS = ("sharp", "peak", "flat", "valley", "deep_valley")
WINDOW_DAYS = 7
CACHE_SECONDS = 600.0
CACHE_SIZE = 128


def dashboard_window(plan: Plan, now: datetime, week: date | None = None) -> Window:
    """The week (Monday to Monday) of ``week`` or of ``now``; the plan's first week when that
    week does not overlap the plan's horizon."""
    day = week or now.date()
    monday = datetime.combine(day - timedelta(days=day.weekday()), datetime.min.time())
    window = Window(monday, monday + timedelta(days=WINDOW_DAYS))
    if week is None and (window.end <= plan.horizon_start or window.start >= plan.horizon_end):
        return Window(plan.horizon_start, plan.horizon_start + timedelta(days=WINDOW_DAYS))
    return window


# --- grouped SQL ------------------------------------------------------------------------------


def tonnes_by_member_stage(
    session: Session, plan: Plan, member_id: int | None, window: Window
) -> dict[str, dict[str, float]]:
    """Tonnes of the lots starting in the window, by member and stage."""
    query = (
        select(Member.code, PlanLot.stage, func.sum(PlanLot.kg))
        .join(Member, Member.id == PlanLot.member_id)
        .where(PlanLot.plan_id == plan.id)
        .where(PlanLot.start >= window.start, PlanLot.start < window.end)
        .group_by(Member.code, PlanLot.stage)
    )
    if member_id is not None:
        query = query.where(PlanLot.member_id == member_id)
    tonnes: dict[str, dict[str, float]] = defaultdict(dict)
    for member, stage, kg in session.execute(query):
        tonnes[member][stage] = round(float(kg) / 1000, 2)
    return dict(sorted(tonnes.items()))


def on_time(session: Session, plan: Plan, member_id: int | None, window: Window) -> dict[str, int]:
    """Orders due in the window that the plan finishes by their due date vs late."""
    due = select(Order.id).where(Order.due_at >= window.start, Order.due_at < window.end)
    if member_id is not None:
        due = due.where(Order.member_id == member_id)
    finish = (
        select(PlanLot.order_id, func.max(PlanLot.end).label("finish"))
        .where(PlanLot.plan_id == plan.id, PlanLot.order_id.in_(due.scalar_subquery()))
        .group_by(PlanLot.order_id)
        .subquery()
    )
    query = (
        select(
            func.count().filter(finish.c.finish <= Order.due_at),
            func.count().filter(finish.c.finish > Order.due_at),
        )
        .select_from(finish)
        .join(Order, Order.id == finish.c.order_id)
    )
    on, late = session.execute(query).one()
    return {"on_time": int(on or 0), "late": int(late or 0)}


# --- the window's lots and changeovers --------------------------------------------------------


def _overlap_minutes(start: datetime, end: datetime, window: Window) -> float:
    return max(0.0, (min(end, window.end) - max(start, window.start)).total_seconds() / 60)


def energy_by_period(
    session: Session, plan: Plan, member_id: int | None, window: Window
) -> dict[str, float]:
    """Energy cost of the lots' running time inside the window by TOU period (a lot's kWh is
    spread evenly over its run)."""
    try:
        prices = hourly_prices(session, window.start, window.end)
    except MixshareError:
        return {}
    query = select(PlanLot.start, PlanLot.end, PlanLot.kwh).where(
        PlanLot.plan_id == plan.id, PlanLot.start < window.end, PlanLot.end > window.start
    )
    if member_id is not None:
        query = query.where(PlanLot.member_id == member_id)
    costs: dict[str, float] = defaultdict(float)
    for start, end, kwh in session.execute(query):
        minutes = (end - start).total_seconds() / 60
        if minutes > 0:
            _spread(costs, prices, start, end, kwh / minutes)
    return {period: round(value, 2) for period, value in costs.items()}


def _spread(
    costs: dict[str, float], prices: list[PriceSpan], start: datetime, end: datetime, rate: float
) -> None:
    for span in prices:
        if span.start >= end:
            break
        if span.end <= start:
            continue
        overlap = (min(end, span.end) - max(start, span.start)).total_seconds() / 60
        costs[span.period] += rate * overlap * span.price


def changeovers(session: Session, plan: Plan, window: Window) -> tuple[float, int]:
    """Changeover hours and cleaning batches of the changeovers starting in the window."""
    query = select(PlanChangeover.start, PlanChangeover.end, PlanChangeover.cleaning_batches)
    query = query.where(
        PlanChangeover.plan_id == plan.id,
        PlanChangeover.start >= window.start,
        PlanChangeover.start < window.end,
    )
    hours, cleaning = 0.0, 0
    for start, end, batches in session.execute(query):
        hours += max(0.0, (end - start).total_seconds() / 3600)
        cleaning += batches or 0
    return round(hours, 2), cleaning


# --- the dashboard ----------------------------------------------------------------------------


def _compute(session: Session, plan: Plan, member_id: int | None, window: Window) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "plan": {
            "id": plan.id,
            "version": plan.version,
            "status": plan.status,
            "start": plan.horizon_start.isoformat(timespec="minutes"),
            "end": plan.horizon_end.isoformat(timespec="minutes"),
        },
        "window": {
            "start": window.start.isoformat(timespec="minutes"),
            "end": window.end.isoformat(timespec="minutes"),
            "previous": (window.start - timedelta(days=WINDOW_DAYS)).date().isoformat(),
            "next": window.end.date().isoformat(),
        },
        "stages": list(STAGES),
        "tonnes": tonnes_by_member_stage(session, plan, member_id, window),
        "on_time": on_time(session, plan, member_id, window),
        "energy_cost_by_period": energy_by_period(session, plan, member_id, window),
    }
    if member_id is None:
        figures["utilisation"] = line_utilisation(session, plan, window.start, window.end)
        hours, cleaning = changeovers(session, plan, window)
        figures["changeover_hours"] = hours
        figures["cleaning_batches"] = cleaning
    return figures


_cache: TtlCache[dict[str, Any]] = page_cache(CACHE_SECONDS, CACHE_SIZE)


def dashboard_figures(
    session: Session,
    plan: Plan,
    member_id: int | None,
    window: Window | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the dashboard charts show for ``plan`` over ``window`` (default: this week)."""
    window = window or dashboard_window(plan, now or now_local())
    stamp = data_version.current(session)  # any committed edit, by any process
    key = (str(session.get_bind().engine.url), plan.id, stamp, member_id, window)
    return _cache.get_or_compute(key, lambda: _compute(session, plan, member_id, window))
