"""Sharing the month's fixed costs: the cost model's versions, each member's demand of the
month, and the cost game with its allocations (:mod:`mixshare.costshare`).

Demand comes from one of two sources, stated with every result:

- ``batches``: the batch records mixed in the month (tonnes ``actual_kg``, line hours from
  each batch's start to end): what happened, for a month that is over;
- ``orders``: the orders due in the month (not cancelled), each stage's tonnes and the line
  hours of its batches on the fastest line that may run it (the planner's lot options): what
  the members asked for, for the running or a coming month.

``auto`` takes ``batches`` for a month that has ended and ``orders`` otherwise.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mixshare.compounds.models import ChangeoverRule, CompoundVersion
from mixshare.costshare import allocation, coalitions
from mixshare.costshare.model import CenterCostModel, CenterDesign
from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.execution.models import Batch
from mixshare.lines import service as lines_service
from mixshare.lines.models import Holiday, LineCompoundStage
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.planning.problem_builder import lot_options, order_lot_parts
from mixshare.settings import now_local
from mixshare.sharing.models import CostModelVersion
from mixshare.sharing.schemas import CostModelIn

Source = Literal["auto", "batches", "orders"]
RULES = ("shapley", "nucleolus", "proportional")


# --- the cost model's versions ---------------------------------------------------------------


def get_all(session: Session) -> list[CostModelVersion]:
    """Every version, newest first."""
    return list(
        session.scalars(select(CostModelVersion).order_by(CostModelVersion.valid_from.desc()))
    )


def valid_for(session: Session, month: date) -> CostModelVersion:
    """The version in force in ``month``: the latest one valid from its first day or before."""
    version = session.scalars(
        select(CostModelVersion)
        .where(CostModelVersion.valid_from <= month.replace(day=1))
        .order_by(CostModelVersion.valid_from.desc())
        .limit(1)
    ).first()
    if version is None:
        raise NotFound(
            f"no cost model is valid in {month:%Y-%m}: the center admin adds one on"
            " /cost-models/new"
        )
    return version


def create(
    session: Session, data: CostModelIn | Mapping[str, Any], *, user_id: int | None = None
) -> CostModelVersion:
    """A new version from its month on; a month that has a version already is refused."""
    spec = validated(CostModelIn, data)
    taken = session.scalars(
        select(CostModelVersion).where(CostModelVersion.valid_from == spec.valid_from)
    ).first()
    if taken is not None:
        raise ValidationFailed(
            [
                Problem(
                    "valid_from",
                    "a version valid from this month exists",
                    f"{spec.valid_from:%Y-%m}",
                )
            ]
        )
    version = CostModelVersion(**spec.model_dump(), created_at=now_local(), created_by=user_id)
    session.add(version)
    session.flush()
    return version


def center_model(version: CostModelVersion) -> CenterCostModel:
    return CenterCostModel(
        line_fixed_cost=version.line_fixed_cost,
        staff_cost_per_line_shift=version.staff_cost_per_line_shift,
        treatment_unit_cost=version.treatment_unit_cost,
        lines_per_treatment_unit=version.lines_per_treatment_unit,
        overhead_cost=version.overhead_cost,
        target_utilisation=version.target_utilisation,
        shift_hours=version.shift_hours,
        max_shifts=version.max_shifts,
        maintenance_hours_per_line=version.maintenance_hours_per_line,
    )


# --- demand ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demand:
    """One member's demand in the month: mixed tonnes (every pass) and line hours."""

    member: str
    tonnes: float
    hours: float


def month_window(month: date) -> tuple[datetime, datetime]:
    start = datetime.combine(month.replace(day=1), datetime.min.time())
    days = calendar.monthrange(month.year, month.month)[1]
    return start, start + timedelta(days=days)


def operating_days(session: Session, month: date) -> float:
    """Days of the month less the center's whole-day holidays (a part-day holiday still
    opens some shifts, so it counts)."""
    start, end = month_window(month)
    closed = session.scalars(
        select(Holiday).where(
            Holiday.day >= start.date(), Holiday.day < end.date(), Holiday.open_shifts == ""
        )
    ).all()
    return (end - start).days - len(closed)


def resolve_source(
    month: date, source: Source, now: datetime | None = None
) -> Literal["batches", "orders"]:
    if source != "auto":
        return source
    return "batches" if month_window(month)[1] <= (now or now_local()) else "orders"


def _batch_demand(session: Session, month: date) -> dict[int, tuple[float, float]]:
    start, end = month_window(month)
    rows = session.execute(
        select(Batch.member_id, Batch.actual_kg, Batch.started_at, Batch.ended_at).where(
            Batch.started_at >= start, Batch.started_at < end
        )
    )
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for member_id, kg, started, ended in rows:
        totals[member_id][0] += kg / 1000
        totals[member_id][1] += max(0.0, (ended - started).total_seconds() / 3600)
    return {member: (t, h) for member, (t, h) in totals.items()}


def _order_demand(session: Session, month: date) -> dict[int, tuple[float, float]]:
    start, end = month_window(month)
    orders = session.scalars(
        select(Order)
        .where(Order.due_at >= start, Order.due_at < end, Order.status != "cancelled")
        .options(selectinload(Order.compound_version).selectinload(CompoundVersion.ingredients))
    ).all()
    lines = lines_service.get_all(session)
    rules = list(session.scalars(select(ChangeoverRule)))
    overrides: dict[int, dict[tuple[int, str], LineCompoundStage]] = {}
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for order in orders:
        version = order.compound_version
        if version.id not in overrides:
            overrides[version.id] = lines_service.compound_overrides(session, version)
        for part in order_lot_parts(order, order.number):
            for info in part:
                options = lot_options(session, lines, rules, info, overrides[version.id])
                totals[order.member_id][0] += info.kg / 1000
                if options:  # a stage no line may run is reported by the planner, not here
                    totals[order.member_id][1] += min(o.minutes for o in options) / 60
    return {member: (t, h) for member, (t, h) in totals.items()}


def demand(session: Session, month: date, source: Literal["batches", "orders"]) -> list[Demand]:
    """Every member's demand in ``month``, by member code (members without any: zero)."""
    found = _batch_demand(session, month) if source == "batches" else _order_demand(session, month)
    members = session.scalars(select(Member).order_by(Member.code)).all()
    return [
        Demand(
            m.code,
            round(found.get(m.id, (0.0, 0.0))[0], 6),
            round(found.get(m.id, (0.0, 0.0))[1], 6),
        )
        for m in members
    ]


# --- the game and its allocations ------------------------------------------------------------


@dataclass(frozen=True)
class Sharing:
    """The month's cost game and its allocations (exact for up to 20 members)."""

    month: date
    source: Literal["batches", "orders"]
    version: CostModelVersion
    operating_days: float
    demands: list[Demand]
    costs: np.ndarray  # c(S) by coalition mask
    allocations: dict[str, list[float]]  # rule → shares in cents, by member
    blocking: dict[str, list[int]]  # rule → masks of the coalitions that block it
    designs: dict[str, CenterDesign]  # member → the center it would need alone; "*": all

    @property
    def members(self) -> list[str]:
        return [d.member for d in self.demands]

    @property
    def total(self) -> float:
        return round(float(self.costs[-1]), 2)

    def stand_alone(self, index: int) -> float:
        return round(float(self.costs[1 << index]), 2)

    def name(self, mask: int) -> str:
        return coalitions.name(mask, self.members)


def share(session: Session, month: date, source: Source = "auto") -> Sharing:
    """The cost game of ``month`` under the cost model in force, with every allocation and
    the coalitions blocking each."""
    used = resolve_source(month, source)
    version = valid_for(session, month)
    model = center_model(version)
    days = operating_days(session, month)
    demands = demand(session, month, used)
    if not demands:
        raise NotFound("there are no member companies to share costs between")
    coalitions.check_size(len(demands))
    hours = np.array([d.hours for d in demands])
    costs = model.cost(coalitions.subset_sums(hours), days)
    total = float(costs[-1])
    exact = {
        "shapley": allocation.shapley(costs),
        "nucleolus": allocation.nucleolus(costs),
        "proportional": allocation.proportional(total, [d.tonnes for d in demands]),
    }
    designs = {d.member: model.design(d.hours, days) for d in demands}
    designs["*"] = model.design(float(hours.sum()), days)
    return Sharing(
        month=month,
        source=used,
        version=version,
        operating_days=days,
        demands=demands,
        costs=costs,
        allocations={rule: allocation.largest_remainder(x, total) for rule, x in exact.items()},
        blocking={rule: allocation.blocking(costs, x) for rule, x in exact.items()},
        designs=designs,
    )


def _ordered(sharing: Sharing, masks: list[int]) -> list[str]:
    """Names of ``masks`` in the listing order (by size, then member order)."""
    n = len(sharing.members)
    rank = {mask: k for k, mask in enumerate(coalitions.in_order(n))} if masks else {}
    return [sharing.name(mask) for mask in sorted(masks, key=rank.__getitem__)]


def as_json(sharing: Sharing) -> dict[str, Any]:
    """The document of ``mixshare share-costs --format json`` (issue 9's shape, exactly)."""
    members = sharing.members
    n = len(members)
    return {
        "members": members,
        "total": sharing.total,
        "coalitions": {
            sharing.name(mask): round(float(sharing.costs[mask]), 2)
            for mask in coalitions.in_order(n)
        },
        "allocations": {
            rule: dict(zip(members, shares, strict=True))
            for rule, shares in sharing.allocations.items()
        },
        "core": {
            rule: {"stable": not masks, "blocking": _ordered(sharing, masks)}
            for rule, masks in sharing.blocking.items()
        },
    }


@dataclass(frozen=True)
class MemberShare:
    """What one member may see: its demand, its stand-alone cost and its share by rule."""

    member: str
    tonnes: float
    hours: float
    stand_alone: float
    design: CenterDesign
    shares: dict[str, float]

    def saving(self, rule: str) -> float:
        return round(self.stand_alone - self.shares[rule], 2)


def member_shares(sharing: Sharing) -> list[MemberShare]:
    return [
        MemberShare(
            member=d.member,
            tonnes=d.tonnes,
            hours=d.hours,
            stand_alone=sharing.stand_alone(i),
            design=sharing.designs[d.member],
            shares={rule: sharing.allocations[rule][i] for rule in RULES},
        )
        for i, d in enumerate(sharing.demands)
    ]
