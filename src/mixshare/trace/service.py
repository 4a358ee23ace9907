"""Trace a raw-material lot forward to batches, the batches that consumed them and the
deliveries that took those, or a delivery backward to its batches, the batches they consumed,
the raw lots weighed into any of them and their lab results.

The walk is iterative and set-based: one query per generation of the genealogy
(``batch_consumption``: masterbatch → remill → final batch is three), each asking for the next
generation of the whole frontier at once, then a fixed handful of queries for the batches,
links, deliveries, raw lots and results of all the ids found. The cost does not grow with one
query per batch. A recursive CTE did the same in one statement, but PostgreSQL cannot estimate
a recursive CTE's size and hash-joined it against whole tables (a seq scan of a year of
batches, 0.5 s per trace); explicit id lists are index lookups on both databases. Ids already
reached are not walked again, so a bad document that consumed its own descendant ends too.

Member isolation is applied inside the walk: for a member's user (``scope``) it only steps
through that member's batches, so nothing of another member's (not a batch, not a delivery,
not a count) takes part in the answer, and a lot none of its batches used is not found,
exactly like a lot that does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Select, and_, select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.errors import NotFound
from mixshare.execution.models import Batch, BatchConsumption, BatchIngredient, RawMaterialLot
from mixshare.lines.models import Line
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.quality.models import LabResult, QualitySpec, TestMethod
from mixshare.stock.models import Delivery, DeliveryBatch


@dataclass(frozen=True)
class TraceBatch:
    """A batch reached by a trace, with what the trace tree needs to place it."""

    id: int
    code: str
    line: str
    stage: str
    compound: str
    member: str
    state: str
    started_at: datetime
    delivery: str | None = None


@dataclass(frozen=True)
class RawLotInfo:
    code: str
    material: str
    supplier: str = ""
    supplier_lot: str = ""
    received_at: datetime | None = None


@dataclass(frozen=True)
class TraceDelivery:
    id: int
    number: str
    member: str
    delivered_at: datetime
    batches: list[str]  # codes of the trace's batches in this delivery


@dataclass(frozen=True)
class RawLotUse:
    """A raw lot weighed into batches of a backward trace."""

    lot: RawLotInfo
    known: bool  # False: the weighing named a lot code the center never received
    batches: list[str]


@dataclass(frozen=True)
class TraceResult:
    """One lab result of a batch in a backward trace, judged against its spec (if any)."""

    batch: str
    test: str
    unit: str
    value: float
    measured_at: datetime
    lsl: float | None
    usl: float | None

    @property
    def in_spec(self) -> bool | None:
        if self.lsl is None and self.usl is None:
            return None
        return (self.lsl is None or self.value >= self.lsl) and (
            self.usl is None or self.value <= self.usl
        )


@dataclass
class Genealogy:
    """The batches of a trace and the consumption links among them."""

    batches: list[TraceBatch]
    links: list[tuple[int, int]]  # (consumer batch id, consumed batch id), both in the trace
    deliveries: dict[int, TraceDelivery] = field(default_factory=dict)  # by delivery id

    def by_id(self) -> dict[int, TraceBatch]:
        return {b.id: b for b in self.batches}

    def consumers(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for consumer, consumed in self.links:
            found[consumed].append(consumer)
        return found

    def inputs(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for consumer, consumed in self.links:
            found[consumer].append(consumed)
        return found


@dataclass
class ForwardTrace:
    raw_lot: RawLotInfo
    genealogy: Genealogy
    weighed: set[int]  # ids of the batches the lot was weighed into (the roots)
    deliveries: list[TraceDelivery]


@dataclass
class BackwardTrace:
    delivery: TraceDelivery
    genealogy: Genealogy
    delivered: list[int]  # ids of the delivery's batches (the roots)
    raw_lots: list[RawLotUse] = field(default_factory=list)
    results: list[TraceResult] = field(default_factory=list)

    @property
    def consumed(self) -> list[TraceBatch]:
        roots = set(self.delivered)
        return [b for b in self.genealogy.batches if b.id not in roots]


# --- the walk -----------------------------------------------------------------------------

CHUNK = 5000  # ids per IN list: well inside SQLite's and PostgreSQL's bind-parameter limits


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _scoped(statement: Select[Any], scope: int | None) -> Select[Any]:
    """``statement`` (whose first column is a batch id) limited to the member's batches."""
    if scope is None:
        return statement
    # ``+ 0``: the batch is found by its id; a plain ``member_id = ?`` lets SQLite's planner
    # walk the member's index over a whole year of that member's batches instead (4x slower)
    return statement.join(Batch, Batch.id == statement.selected_columns[0]).where(
        Batch.member_id + 0 == scope
    )


def _walk(
    session: Session,
    start: set[int],
    step: Callable[[list[int]], Select[Any]],
    scope: int | None,
) -> set[int]:
    """``start`` and every batch reached from it by ``step`` (the next generation of a list
    of ids), one query per generation (and per ``CHUNK`` ids of it)."""
    reached, frontier = set(start), set(start)
    while frontier:
        found: set[int] = set()
        for chunk in _chunks(frontier):
            found.update(i for i in session.scalars(_scoped(step(chunk), scope)) if i is not None)
        frontier = found - reached
        reached |= frontier
    return reached


def _consumers(ids: list[int]) -> Select[Any]:
    return select(BatchConsumption.batch_id).where(BatchConsumption.consumed_batch_id.in_(ids))


def _inputs(ids: list[int]) -> Select[Any]:
    return select(BatchConsumption.consumed_batch_id).where(
        BatchConsumption.batch_id.in_(ids), BatchConsumption.consumed_batch_id.is_not(None)
    )


def _genealogy(session: Session, ids: set[int]) -> Genealogy:
    """The batches of ``ids``, the consumption links among them and their deliveries."""
    genealogy = Genealogy([], [])
    for chunk in _chunks(ids):
        shipped = _deliveries_in(session, chunk, genealogy.deliveries)
        genealogy.batches += [
            _trace_batch(row, shipped.get(row[0])) for row in session.execute(_batch_rows(chunk))
        ]
        edges = session.execute(
            select(BatchConsumption.batch_id, BatchConsumption.consumed_batch_id).where(
                BatchConsumption.batch_id.in_(chunk)
            )
        )
        genealogy.links += [(a, b) for a, b in edges if b is not None and b in ids]
    genealogy.batches.sort(key=lambda b: (b.started_at, b.id))
    for delivery in genealogy.deliveries.values():
        delivery.batches.sort()
    return genealogy


def _batch_rows(ids: list[int]) -> Executable:
    return (
        select(
            Batch.id,
            Batch.code,
            Line.code,
            Batch.stage,
            Member.code,
            Compound.code,
            CompoundVersion.version,
            Batch.state,
            Batch.started_at,
        )
        .join(Line, Line.id == Batch.line_id)
        .join(CompoundVersion, CompoundVersion.id == Batch.compound_version_id)
        .join(Compound, Compound.id == CompoundVersion.compound_id)
        .join(Member, Member.id == Batch.member_id)
        .where(Batch.id.in_(ids))
    )


def _deliveries_in(
    session: Session, ids: list[int], deliveries: dict[int, TraceDelivery]
) -> dict[int, str]:
    """The delivery number of each delivered batch of ``ids``; adds the deliveries (with those
    batches) to ``deliveries``. A batch's delivery belongs to the batch's member."""
    rows = session.execute(
        select(
            DeliveryBatch.batch_id,
            Batch.code,
            Delivery.id,
            Delivery.number,
            Member.code,
            Delivery.delivered_at,
        )
        .join(Batch, Batch.id == DeliveryBatch.batch_id)
        .join(Delivery, Delivery.id == DeliveryBatch.delivery_id)
        .join(Member, Member.id == Delivery.member_id)
        .where(DeliveryBatch.batch_id.in_(ids))
    )
    shipped: dict[int, str] = {}
    for batch_id, batch_code, delivery_id, number, member, at in rows:
        delivery = deliveries.setdefault(
            delivery_id, TraceDelivery(delivery_id, number, member, at, [])
        )
        delivery.batches.append(batch_code)
        shipped[batch_id] = number
    return shipped


def _trace_batch(row: Any, delivery: str | None) -> TraceBatch:
    bid, code, line, stage, member, compound, version, state, started = row
    key = f"{member}.{compound}.v{version}"
    return TraceBatch(bid, code, line, stage, key, member, state, started, delivery)


# --- forward: from a raw-material lot ------------------------------------------------------


def raw_lot_info(session: Session, code: str) -> RawLotInfo | None:
    row = session.execute(
        select(
            RawMaterialLot.code,
            Material.code,
            RawMaterialLot.supplier,
            RawMaterialLot.supplier_lot,
            RawMaterialLot.received_at,
        )
        .join(Material, Material.id == RawMaterialLot.material_id)
        .where(RawMaterialLot.code == code)
    ).first()
    return RawLotInfo(*row) if row is not None else None


def _weighed_material(session: Session, code: str, scope: int | None) -> str | None:
    """The material a weighing named with an unreceived lot code (the lot is still traced)."""
    statement = select(BatchIngredient.material_code).where(BatchIngredient.raw_lot_code == code)
    if scope is not None:
        statement = statement.join(Batch, Batch.id == BatchIngredient.batch_id).where(
            Batch.member_id == scope
        )
    return session.scalars(statement.limit(1)).first()


def trace_raw_lot(session: Session, *, code: str, scope: int | None = None) -> ForwardTrace:
    """Forward trace of a raw-material lot; ``scope``: only this member's batches and
    deliveries. NotFound when no (visible) batch used the lot and, for a member, always then."""
    weighed_in = select(BatchIngredient.batch_id).where(BatchIngredient.raw_lot_code == code)
    weighed = set(session.scalars(_scoped(weighed_in, scope)))
    genealogy = _genealogy(session, _walk(session, weighed, _consumers, scope))
    info = raw_lot_info(session, code)
    if not genealogy.batches:
        if info is None or scope is not None:
            raise NotFound(f"raw lot {code} not found")
        return ForwardTrace(info, genealogy, set(), [])
    if info is None:
        info = RawLotInfo(code, _weighed_material(session, code, scope) or "")
    return ForwardTrace(info, genealogy, weighed, _deliveries_of(genealogy))


def _deliveries_of(genealogy: Genealogy) -> list[TraceDelivery]:
    return sorted(genealogy.deliveries.values(), key=lambda d: (d.delivered_at, d.id))


# --- backward: from a delivery -------------------------------------------------------------


def find_delivery(session: Session, key: str) -> int:
    """The id of the delivery numbered ``key``, else of id ``key``; NotFound otherwise."""
    found = session.scalar(select(Delivery.id).where(Delivery.number == key))
    if found is None and key.isdigit() and len(key) < 12:
        found = session.scalar(select(Delivery.id).where(Delivery.id == int(key)))
    if found is None:
        raise NotFound(f"delivery {key} not found")
    return int(found)


def delivery_owner(session: Session, delivery_id: int) -> int | None:
    return session.scalar(select(Delivery.member_id).where(Delivery.id == delivery_id))


def trace_delivery(
    session: Session, *, delivery_id: int, scope: int | None = None
) -> BackwardTrace:
    """Backward trace of a delivery: its batches, what they consumed (recursively), the raw
    lots weighed into any of them and their lab results. The caller guards the delivery."""
    head = session.execute(
        select(Delivery.id, Delivery.number, Member.code, Delivery.delivered_at, Delivery.member_id)
        .join(Member, Member.id == Delivery.member_id)
        .where(Delivery.id == delivery_id)
    ).first()
    if head is None or (scope is not None and head[4] != scope):
        raise NotFound(f"delivery {delivery_id} not found")
    delivered_in = select(DeliveryBatch.batch_id).where(DeliveryBatch.delivery_id == delivery_id)
    ids = _walk(session, set(session.scalars(_scoped(delivered_in, scope))), _inputs, scope)
    genealogy = _genealogy(session, ids)
    delivered = [b.id for b in genealogy.batches if b.delivery == head[1]]
    codes = [genealogy.by_id()[i].code for i in delivered]
    delivery = TraceDelivery(head[0], head[1], head[2], head[3], codes)
    trace = BackwardTrace(delivery, genealogy, delivered)
    trace.raw_lots = _raw_lots_in(session, ids)
    trace.results = _results_in(session, ids)
    return trace


def _raw_lots_in(session: Session, ids: set[int]) -> list[RawLotUse]:
    rows: list[Any] = []
    for chunk in _chunks(ids):
        rows += session.execute(
            select(
                BatchIngredient.raw_lot_code,
                BatchIngredient.material_code,
                RawMaterialLot.id,
                RawMaterialLot.supplier,
                RawMaterialLot.supplier_lot,
                RawMaterialLot.received_at,
                Batch.code,
            )
            .join(Batch, Batch.id == BatchIngredient.batch_id)
            .outerjoin(RawMaterialLot, RawMaterialLot.id == BatchIngredient.raw_lot_id)
            .where(BatchIngredient.batch_id.in_(chunk), BatchIngredient.raw_lot_code.is_not(None))
        ).all()
    uses: dict[str, RawLotUse] = {}
    for lot_code, material, lot_id, supplier, supplier_lot, received, batch in sorted(
        rows, key=lambda r: (r[1], r[0], r[6])
    ):
        code = str(lot_code)  # not null: filtered above
        if code not in uses:
            info = RawLotInfo(code, material, supplier or "", supplier_lot or "", received)
            uses[code] = RawLotUse(info, lot_id is not None, [])
        if batch not in uses[code].batches:
            uses[code].batches.append(batch)
    return list(uses.values())


def _results_in(session: Session, ids: set[int]) -> list[TraceResult]:
    spec = and_(
        QualitySpec.compound_version_id == Batch.compound_version_id,
        QualitySpec.stage == Batch.stage,
        QualitySpec.test_method_id == LabResult.test_method_id,
    )
    rows: list[Any] = []
    for chunk in _chunks(ids):
        rows += session.execute(
            select(
                Batch.code,
                TestMethod.code,
                TestMethod.unit,
                LabResult.value,
                LabResult.measured_at,
                QualitySpec.lsl,
                QualitySpec.usl,
                Batch.started_at,
                Batch.id,
                TestMethod.position,
                TestMethod.id,
            )
            .join(Batch, Batch.id == LabResult.batch_id)
            .join(TestMethod, TestMethod.id == LabResult.test_method_id)
            .outerjoin(QualitySpec, spec)
            .where(LabResult.batch_id.in_(chunk))
        ).all()
    rows.sort(key=lambda r: (r[7], r[8], r[9], r[10]))
    return [TraceResult(*row[:7]) for row in rows]
