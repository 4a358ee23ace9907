"""The earliest an order can be done, checked when it is entered: a due date before it is
warned about (the order is still accepted: the member may know something the plan does not).

Earliest completion = from the later of now and the order's release, each stage on its
fastest eligible line that is free (shifts, holidays, maintenance, outages), with the
compound's rest times between stages; other orders are ignored, so an order due before it
will be late whatever the plan (:mod:`mixshare.engine.earliest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import ChangeoverRule, CompoundVersion
from mixshare.engine.earliest import earliest_finish
from mixshare.engine.problem import Interval
from mixshare.lines import service as lines_service
from mixshare.lines.models import Line, LineCompoundStage
from mixshare.orders.models import Order
from mixshare.planning import reasons
from mixshare.planning.problem_builder import (
    lot_options,
    order_lot_parts,
    order_stages,
    unavailable_minutes,
)
from mixshare.settings import now_local

# The calendar is read this far past the due date: a completion later than that is late anyway.
LOOKAHEAD = timedelta(days=14)


@dataclass(frozen=True)
class DueWarning:
    """An order due before it can be done: ``earliest`` None when it cannot be done at all."""

    number: str
    due_at: datetime
    earliest: datetime | None
    reason: str | None = None

    def message(self) -> str:
        due = f"{self.due_at:%Y-%m-%d %H:%M}"
        if self.earliest is None:
            why = reasons.both(self.reason or reasons.DOES_NOT_FIT_HORIZON)
            return f"order {self.number}: cannot be made as it stands ({why}); due {due}"
        return (
            f"order {self.number}: due {due} is earlier than the earliest possible completion"
            f" {self.earliest:%Y-%m-%d %H:%M}"
        )


def _origin(order: Order, now: datetime) -> datetime:
    start = max(now, order.release_at) if order.release_at is not None else now
    return start.replace(second=0, microsecond=0)


@dataclass
class Plant:
    """Lines, rules and line calendars over one window, read once for a batch of orders
    (an import of thousands of rows asks the database a fixed number of times)."""

    session: Session
    lines: list[Line]
    rules: list[ChangeoverRule]
    start: datetime
    unavailable: dict[str, tuple[Interval, ...]]
    _overrides: dict[int, dict[tuple[int, str], LineCompoundStage]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, orders: list[Order], now: datetime) -> Plant:
        lines = lines_service.get_all(session)
        rules = list(session.scalars(select(ChangeoverRule)))
        start = min((_origin(o, now) for o in orders), default=now)
        end = max((max(o.due_at, _origin(o, now)) for o in orders), default=now) + LOOKAHEAD
        window = (start, end)
        unavailable = {line.code: unavailable_minutes(session, line, window) for line in lines}
        return cls(session, lines, rules, start, unavailable)

    def overrides(self, version: CompoundVersion) -> dict[tuple[int, str], LineCompoundStage]:
        if version.id not in self._overrides:
            self._overrides[version.id] = lines_service.compound_overrides(self.session, version)
        return self._overrides[version.id]


def earliest_completion(
    plant: Plant, order: Order, now: datetime
) -> tuple[datetime | None, str | None]:
    """When ``order`` could be done at the earliest, or None and the reason code."""
    origin = _origin(order, now)
    part = order_lot_parts(order, order.number)[0]
    overrides = plant.overrides(order.compound_version)
    options = {
        info.code: lot_options(plant.session, plant.lines, plant.rules, info, overrides)
        for info in part
    }
    release = int((origin - plant.start).total_seconds() // 60)
    found = earliest_finish(order_stages(part, options), plant.unavailable, release=release)
    if found.finish is None:
        return None, found.reason
    return plant.start + timedelta(minutes=found.finish), None


# The order fields a due-date warning depends on: a change of any of them checks again.
DUE_FIELDS = frozenset({"quantity_kg", "due_at", "release_at"})


@dataclass(frozen=True)
class DueCheck:
    """What order entry says about a new or changed order's due date."""

    earliest: datetime | None
    warnings: list[str]

    @classmethod
    def of(cls, session: Session, order: Order, now: datetime | None = None) -> DueCheck:
        moment = now or now_local()
        earliest, reason = earliest_completion(Plant.read(session, [order], moment), order, moment)
        if earliest is not None and earliest <= order.due_at:
            return cls(earliest, [])
        return cls(earliest, [DueWarning(order.number, order.due_at, earliest, reason).message()])


def due_warnings(session: Session, orders: list[Order], now: datetime) -> list[DueWarning]:
    """A warning per order due before its earliest possible completion."""
    plant = Plant.read(session, orders, now)
    warnings = []
    for order in orders:
        earliest, reason = earliest_completion(plant, order, now)
        if earliest is None or earliest > order.due_at:
            warnings.append(DueWarning(order.number, order.due_at, earliest, reason))
    return warnings
