"""A small published plan on the test center's line L1 (tests/web/conftest.py's world): per
order a masterbatch lot and, after the rest, its final batch lot, at the line's real pace."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mixshare.orders import service as orders
from mixshare.planning.models import Plan, PlanLot
from tests.web.conftest import World

MB_BATCHES, FB_BATCHES = 12, 10
MB_KG, FB_KG = 330.0, 300.0  # per batch
MB_CYCLE, FB_CYCLE = timedelta(minutes=3), timedelta(minutes=2.5)


def publish_small_plan(session: Session, world: World) -> Plan:
    """Replace the world plan's lots by MB and FB lots of both orders, and publish it."""
    plan = session.get(Plan, world.plan)
    assert plan is not None
    session.execute(update(Plan).values(status="superseded"))
    for lot in list(session.scalars(select(PlanLot).where(PlanLot.plan_id == plan.id))):
        session.delete(lot)
    start = plan.horizon_start
    for n, (_code, order_id) in enumerate(sorted(world.orders.items())):
        order = orders.get(session, order_id)
        mb_start = start + timedelta(hours=1) * n
        mb_end = mb_start + MB_CYCLE * MB_BATCHES
        fb_start = mb_end + timedelta(hours=5)  # rested at least the 4 h minimum
        for stage, begin, batches, kg, cycle, kwh_per_kg in (
            ("MB", mb_start, MB_BATCHES, MB_KG, MB_CYCLE, 0.14),
            ("FB", fb_start, FB_BATCHES, FB_KG, FB_CYCLE, 0.07),
        ):
            session.add(
                PlanLot(
                    plan_id=plan.id,
                    code=f"{order.number}/{stage}",
                    order_id=order.id,
                    member_id=order.member_id,
                    compound_version_id=order.compound_version_id,
                    stage=stage,
                    line_id=world.line,
                    batches=batches,
                    kg=kg * batches,
                    start=begin,
                    end=begin + cycle * batches,
                    kwh=kg * batches * kwh_per_kg,
                    energy_cost=0.0,
                )
            )
    plan.status = "published"
    session.commit()
    return plan


def horizon_start(session: Session, world: World) -> datetime:
    plan = session.get(Plan, world.plan)
    assert plan is not None
    return plan.horizon_start
