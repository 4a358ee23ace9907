"""The simulated shipping of ``mixshare simulate`` and ``mixshare demo``: released compound
leaves the center in deliveries, through the stock service as the shop floor would record them.

At the end of the simulated days (the lab's clock), every member gets one delivery per day of
mixing holding its released final batches of that day, first in, first out. Batches already
delivered are not in stock any more, so a re-run delivers nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.execution.models import Batch
from mixshare.stock import service
from mixshare.users.models import User

SHIPPERS = ("operator", "center_admin")


@dataclass
class ShippingOutcome:
    deliveries: int = 0
    batches: int = 0


def shipper(session: Session) -> User | None:
    """Who records the deliveries: the first active operator, else the center admin."""
    for role in SHIPPERS:
        query = select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
        found = session.scalars(query.limit(1)).first()
        if found is not None:
            return found
    return None


def run_shipping(session: Session, codes: Sequence[str], clock: datetime) -> ShippingOutcome:
    """Deliver the released final batches among ``codes`` (see the module docstring)."""
    wanted = set(codes)
    user = shipper(session)
    members = session.scalars(select(Batch.member_id).where(Batch.code.in_(wanted)).distinct())
    outcome = ShippingOutcome()
    for member_id in sorted(set(members)):
        by_day: dict[date, list[int]] = defaultdict(list)
        for batch in service.deliverable(session, member_id, limit=100_000):
            if batch.code in wanted and batch.ended_at <= clock:
                by_day[batch.ended_at.date()].append(batch.id)
        for day in sorted(by_day):
            for start in range(0, len(by_day[day]), service.MAX_DELIVERY_BATCHES):
                batch_ids = by_day[day][start : start + service.MAX_DELIVERY_BATCHES]
                _deliver(session, member_id, batch_ids, user, clock, day)
                outcome.deliveries += 1
                outcome.batches += len(batch_ids)
    session.commit()
    return outcome


def _deliver(
    session: Session,
    member_id: int,
    batch_ids: list[int],
    user: User | None,
    clock: datetime,
    day: date,
) -> None:
    service.create_delivery(
        session,
        member_id=member_id,
        batch_ids=batch_ids,
        user=user,
        delivered_at=clock,
        note=f"模拟发货 simulated delivery of {day:%Y-%m-%d}",
        client="simulator",
    )
