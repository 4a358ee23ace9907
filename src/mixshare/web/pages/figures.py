"""Dashboard figures of one plan, shaped for the charts.

Output and on-time rate are summed in SQL (a plan of a year of lots stays fast); line
utilisation, changeover hours and energy by period come from the KPIs the planning service
stored with the plan. A member sees only its own output, on-time rate and energy.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.errors import MixshareError
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.planning.models import Plan, PlanLot
from mixshare.tariffs.service import hourly_prices

STAGES = ("MB", "RM", "FB")
PERIODS = ("sharp", "peak", "flat", "valley", "deep_valley")


def tonnes_by_member_stage(
    session: Session, plan: Plan, member_id: int | None
) -> dict[str, dict[str, float]]:
    query = (
        select(Member.code, PlanLot.stage, func.sum(PlanLot.kg))
        .join(Member, Member.id == PlanLot.member_id)
        .where(PlanLot.plan_id == plan.id)
        .group_by(Member.code, PlanLot.stage)
    )
    if member_id is not None:
        query = query.where(PlanLot.member_id == member_id)
    tonnes: dict[str, dict[str, float]] = defaultdict(dict)
    for member, stage, kg in session.execute(query):
        tonnes[member][stage] = round(float(kg) / 1000, 2)
    return dict(sorted(tonnes.items()))


def on_time(session: Session, plan: Plan, member_id: int | None) -> dict[str, int]:
    """Orders of the plan finishing by their due date vs late."""
    finish = (
        select(PlanLot.order_id, func.max(PlanLot.end).label("finish"))
        .where(PlanLot.plan_id == plan.id)
        .group_by(PlanLot.order_id)
    )
    if member_id is not None:
        finish = finish.where(PlanLot.member_id == member_id)
    sub = finish.subquery()
    query = (
        select(
            func.count().filter(sub.c.finish <= Order.due_at),
            func.count().filter(sub.c.finish > Order.due_at),
        )
        .select_from(sub)
        .join(Order, Order.id == sub.c.order_id)
    )
    on, late = session.execute(query).one()
    return {"on_time": int(on or 0), "late": int(late or 0)}


def member_energy_by_period(session: Session, plan: Plan, member_id: int) -> dict[str, float]:
    """Energy cost of one member's lots by TOU period (kWh spread evenly over each lot)."""
    try:
        prices = hourly_prices(session, plan.horizon_start, plan.horizon_end)
    except MixshareError:
        return {}
    query = select(PlanLot.start, PlanLot.end, PlanLot.kwh).where(
        PlanLot.plan_id == plan.id, PlanLot.member_id == member_id
    )
    costs: dict[str, float] = defaultdict(float)
    for start, end, kwh in session.execute(query):
        minutes = (end - start).total_seconds() / 60
        if minutes <= 0:
            continue
        for span in prices:
            overlap = (min(end, span.end) - max(start, span.start)).total_seconds() / 60
            if overlap > 0:
                costs[span.period] += kwh * overlap / minutes * span.price
    return {period: round(value, 2) for period, value in costs.items()}


def dashboard_figures(session: Session, plan: Plan, member_id: int | None) -> dict[str, Any]:
    """Everything the dashboard charts show for ``plan``."""
    stored = plan.kpis or {}
    figures: dict[str, Any] = {
        "plan": {
            "id": plan.id,
            "version": plan.version,
            "status": plan.status,
            "start": plan.horizon_start.isoformat(timespec="minutes"),
            "end": plan.horizon_end.isoformat(timespec="minutes"),
        },
        "stages": list(STAGES),
        "tonnes": tonnes_by_member_stage(session, plan, member_id),
        "on_time": on_time(session, plan, member_id),
    }
    if member_id is None:
        figures["utilisation"] = stored.get("utilisation", {})
        figures["changeover_hours"] = stored.get("changeover_hours", 0.0)
        figures["cleaning_batches"] = stored.get("cleaning_batches", 0)
        figures["energy_cost_by_period"] = stored.get("energy_cost_by_period", {})
    else:
        figures["energy_cost_by_period"] = member_energy_by_period(session, plan, member_id)
    return figures
