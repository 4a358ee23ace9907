"""Stock and delivery rules.

- **In stock**: a batch the lines reported that no later batch consumed (genealogy) and no
  delivery took. It lies at its placement, or else in the first location holding its stage.
- **Age** counts from the end of mixing. The **maximum age** is the compound version's:
  ``max_age_minutes`` for masterbatch and remill (domain.md §3: 5 days by default),
  ``shelf_life_minutes`` for final batch (3–10 days by cure system; 7 by default). A batch
  is **expiring** within ``WARN_BEFORE`` of it (one day: time for the planner to use it
  first) and **expired** after.
- **First in, first out**: what to deliver or consume next is the oldest usable batch.
- **Deliveries** take only the owning member's deliverable batches (released, at the
  compound's last stage, not consumed, never delivered before): :func:`create_delivery`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Exists, Select, exists, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from mixshare.audit import service as audit
from mixshare.compounds.models import CompoundVersion
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.execution.models import Batch, BatchConsumption
from mixshare.members.models import Member
from mixshare.quality.service import is_deliverable, rest_ends
from mixshare.settings import now_local
from mixshare.stock.models import Delivery, DeliveryBatch, StockLocation, StockPlacement
from mixshare.users.models import User
from mixshare.validation import check_text

WARN_BEFORE = timedelta(days=1)
MAX_DELIVERY_BATCHES = 500
ALARMS = ("ok", "expiring", "expired")


# --- ages ------------------------------------------------------------------------------------


def max_age(batch: Batch) -> timedelta:
    """How old the batch may get: max age (MB, RM) or shelf life (FB) of its version."""
    version = batch.compound_version
    minutes = version.shelf_life_minutes if batch.stage == "FB" else version.max_age_minutes
    return timedelta(minutes=minutes)


def alarm(batch: Batch, now: datetime) -> str:
    """``ok``, ``expiring`` (within ``WARN_BEFORE`` of its maximum age) or ``expired``."""
    return _alarm_of(batch.ended_at + max_age(batch) - now)


def mass_kg(batch: Batch) -> float:
    """What the batch weighs: its weighings plus the batches it consumed (a final batch's
    record weighs only the curatives; the masterbatch goes in as a consumed batch)."""
    inner = sum(mass_kg(c.consumed_batch) for c in batch.consumed if c.consumed_batch)
    return round(batch.actual_kg + inner, 1)


def _with_consumed() -> _AbstractLoad:
    """Load what ``mass_kg`` reads (the consumed batches) with the batches, not one by one."""
    return selectinload(Batch.consumed).selectinload(BatchConsumption.consumed_batch)


def final_stage(version: CompoundVersion) -> str:
    """The stage a member receives: FB, or the last stage of a masterbatch-only compound."""
    return version.stages()[-1]


# --- what is in stock ------------------------------------------------------------------------


def _consumed() -> Exists:
    return exists().where(BatchConsumption.consumed_batch_id == Batch.id)


def _delivered() -> Exists:
    return exists().where(DeliveryBatch.batch_id == Batch.id)


def in_stock(member_id: int | None = None) -> Select[Batch]:
    """Batches in stock (of one member when ``member_id`` is given), oldest first."""
    query = select(Batch).where(~_consumed(), ~_delivered())
    if member_id is not None:
        query = query.where(Batch.member_id == member_id)
    return query.order_by(Batch.ended_at, Batch.id)


def locations(session: Session) -> list[StockLocation]:
    return list(session.scalars(select(StockLocation).order_by(StockLocation.id)))


def default_location(all_locations: Sequence[StockLocation], stage: str) -> StockLocation | None:
    return next((loc for loc in all_locations if loc.holds(stage)), None)


@dataclass(frozen=True)
class StockRow:
    """A batch in stock, where it lies and how old it is."""

    batch: Batch
    location: StockLocation | None
    age: timedelta
    max_age: timedelta
    alarm: str
    rested: bool  # its minimum rest is over

    @property
    def age_hours(self) -> float:
        return self.age.total_seconds() / 3600

    @property
    def left_hours(self) -> float:
        return (self.max_age - self.age).total_seconds() / 3600


@dataclass(frozen=True)
class StockFilter:
    member_id: int | None = None  # a member's users: always their own
    location_id: int | None = None
    stage: str | None = None
    alarm_only: bool = False  # expiring or expired only


@dataclass(frozen=True)
class StockPage:
    rows: list[StockRow]
    total: int  # batches matching the filter
    expiring: int  # of those, within a day of their maximum age
    expired: int


def stock(
    session: Session,
    where: StockFilter,
    *,
    now: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> StockPage:
    """A page of the stock, oldest first, with the alarm counts of the whole filter.

    Ages and alarms are decided in Python on narrow rows (the maximum age depends on the
    stage and version, and date arithmetic differs between SQLite and PostgreSQL); only the
    page's batches are loaded whole.
    """
    now = now or now_local()
    all_locations = locations(session)
    placed = _placements(session)
    light = _light_rows(session, where)
    matching = []
    counts = {name: 0 for name in ALARMS}
    for batch_id, stage, ended_at, max_minutes, shelf_minutes in light:
        location = placed.get(batch_id) or _default_id(all_locations, stage)
        if where.location_id is not None and location != where.location_id:
            continue
        minutes = shelf_minutes if stage == "FB" else max_minutes
        state = _alarm_of(ended_at + timedelta(minutes=minutes) - now)
        if where.alarm_only and state == "ok":
            continue
        counts[state] += 1
        matching.append(batch_id)
    page_ids = matching[offset : offset + limit]
    rows = _rows(session, page_ids, placed, all_locations, now)
    return StockPage(rows, len(matching), counts["expiring"], counts["expired"])


def _alarm_of(left: timedelta) -> str:
    if left <= timedelta(0):
        return "expired"
    return "expiring" if left <= WARN_BEFORE else "ok"


def _default_id(all_locations: Sequence[StockLocation], stage: str) -> int | None:
    found = default_location(all_locations, stage)
    return found.id if found is not None else None


def _placements(session: Session) -> dict[int, int]:
    """Where batches in stock were put (placements of consumed or delivered ones are history)."""
    query = (
        select(StockPlacement.batch_id, StockPlacement.location_id)
        .join(Batch, Batch.id == StockPlacement.batch_id)
        .where(~_consumed(), ~_delivered())
    )
    return {batch_id: location_id for batch_id, location_id in session.execute(query)}


def _light_rows(session: Session, where: StockFilter) -> list[tuple[int, str, datetime, int, int]]:
    query = (
        select(
            Batch.id,
            Batch.stage,
            Batch.ended_at,
            CompoundVersion.max_age_minutes,
            CompoundVersion.shelf_life_minutes,
        )
        .join(CompoundVersion, CompoundVersion.id == Batch.compound_version_id)
        .where(~_consumed(), ~_delivered())
        .order_by(Batch.ended_at, Batch.id)
    )
    if where.member_id is not None:
        query = query.where(Batch.member_id == where.member_id)
    if where.stage is not None:
        query = query.where(Batch.stage == where.stage)
    return [(r[0], r[1], r[2], r[3], r[4]) for r in session.execute(query)]


def _rows(
    session: Session,
    ids: list[int],
    placed: dict[int, int],
    all_locations: Sequence[StockLocation],
    now: datetime,
) -> list[StockRow]:
    loaded = session.scalars(
        select(Batch)
        .where(Batch.id.in_(ids))
        .options(selectinload(Batch.compound_version), selectinload(Batch.line), _with_consumed())
    )
    by_batch = {b.id: b for b in loaded}
    by_location = {loc.id: loc for loc in all_locations}
    rows = []
    for batch_id in ids:
        batch = by_batch[batch_id]
        location = by_location.get(placed.get(batch_id, -1))
        rows.append(
            StockRow(
                batch=batch,
                location=location or default_location(all_locations, batch.stage),
                age=now - batch.ended_at,
                max_age=max_age(batch),
                alarm=alarm(batch, now),
                rested=now >= rest_ends(batch),
            )
        )
    return rows


def move(
    session: Session, batch: Batch, location: StockLocation, user: User, client: str = ""
) -> StockPlacement:
    """Put a batch in stock at ``location`` (which must hold its stage)."""
    if not location.holds(batch.stage):
        raise ValidationFailed(
            [Problem("location", f"{location.code} holds {location.stages}, not {batch.stage}")]
        )
    if not session.scalar(in_stock().where(Batch.id == batch.id).exists().select()):
        raise ValidationFailed([Problem("batch", f"batch {batch.code} is no longer in stock")])
    placement = session.get(StockPlacement, batch.id) or StockPlacement(batch_id=batch.id)
    placement.location_id, placement.placed_at, placement.placed_by = (
        location.id,
        now_local(),
        user.id,
    )
    session.add(placement)
    _audit(session, "stock_moved", "batch", batch.id, user, batch.member_id, client,
           {"batch": batch.code, "location": location.code})  # fmt: skip
    session.flush()
    return placement


# --- first in, first out ---------------------------------------------------------------------


def fifo(
    session: Session,
    *,
    compound_version_id: int,
    stage: str,
    count: int,
    purpose: str = "delivery",
    now: datetime | None = None,
) -> list[Batch]:
    """The ``count`` batches to take next, oldest first.

    For a ``delivery``: released ones only. For ``consumption`` (masterbatch into the next
    stage): rested, not held, not expired (an expired masterbatch needs the lab's word first).
    """
    now = now or now_local()
    query = in_stock().where(Batch.compound_version_id == compound_version_id, Batch.stage == stage)
    if purpose == "delivery":
        query = query.where(Batch.state == "released")
    else:
        query = query.where(Batch.state != "held")
    taken: list[Batch] = []
    for batch in session.scalars(query.options(selectinload(Batch.compound_version))):
        usable = purpose == "delivery" or (
            now >= rest_ends(batch) and alarm(batch, now) != "expired"
        )
        if usable:
            taken.append(batch)
        if len(taken) >= count:
            break
    return taken


def deliverable(session: Session, member_id: int, *, limit: int = 500) -> list[Batch]:
    """The member's batches that may be delivered now, oldest first (the order to pick them)."""
    query = (
        in_stock(member_id)
        .where(Batch.state == "released")
        .options(
            selectinload(Batch.compound_version).selectinload(CompoundVersion.compound),
            _with_consumed(),
        )
    )
    found = []
    for batch in session.scalars(query):
        if batch.stage == final_stage(batch.compound_version):
            found.append(batch)
            if len(found) >= limit:
                break
    return found


# --- deliveries ------------------------------------------------------------------------------


def why_not_deliverable(session: Session, batch: Batch, member_id: int) -> str | None:
    """Why the batch may not go to the member in a delivery (None: it may)."""
    if batch.member_id != member_id:
        return f"batch {batch.code} is not this member's compound"
    if not is_deliverable(batch):
        return f"batch {batch.code} is {batch.state}: only released compound is delivered"
    wanted = final_stage(batch.compound_version)
    if batch.stage != wanted:
        return f"batch {batch.code} is {batch.stage}: this compound is delivered as {wanted}"
    if session.scalar(select(exists().where(BatchConsumption.consumed_batch_id == batch.id))):
        return f"batch {batch.code} went into another batch"
    earlier = session.scalar(
        select(Delivery.number)
        .join(DeliveryBatch, DeliveryBatch.delivery_id == Delivery.id)
        .where(DeliveryBatch.batch_id == batch.id)
    )
    if earlier is not None:
        return f"batch {batch.code} was delivered already in {earlier}"
    return None


def create_delivery(
    session: Session,
    *,
    member_id: int,
    batch_ids: Sequence[int],
    user: User | None,
    delivered_at: datetime | None = None,
    note: str = "",
    client: str = "",
) -> Delivery:
    """Deliver released batches to the member that owns them; every refusal is named."""
    member = session.get(Member, member_id)
    if member is None:
        raise ValidationFailed([Problem("member_id", "unknown member", str(member_id))])
    problems = _batch_problems(session, member_id, batch_ids) + _note_problems(note)
    if problems:
        raise ValidationFailed(problems)
    when = delivered_at or now_local()
    delivery = Delivery(
        number=_next_number(session, member, when),
        member_id=member_id,
        delivered_at=when,
        created_at=now_local(),
        created_by=user.id if user is not None else None,
        note=note.strip(),
    )
    delivery.batches = [
        DeliveryBatch(batch_id=batch_id, position=n) for n, batch_id in enumerate(batch_ids)
    ]
    session.add(delivery)
    session.flush()
    if user is not None:
        _audit(session, "delivery_created", "delivery", delivery.id, user, member_id, client,
               {"number": delivery.number, "batches": len(batch_ids)})  # fmt: skip
    return delivery


def _batch_problems(session: Session, member_id: int, batch_ids: Sequence[int]) -> list[Problem]:
    if not batch_ids:
        return [Problem("batches", "choose at least one batch")]
    if len(batch_ids) > MAX_DELIVERY_BATCHES:
        return [Problem("batches", f"at most {MAX_DELIVERY_BATCHES} batches per delivery")]
    found = {
        b.id: b
        for b in session.scalars(
            select(Batch)
            .where(Batch.id.in_(batch_ids))
            .options(selectinload(Batch.compound_version))
        )
    }
    problems, seen = [], set()
    for n, batch_id in enumerate(batch_ids):
        batch = found.get(batch_id)
        if batch_id in seen:
            problems.append(Problem(f"batches[{n}]", "the batch is listed twice", str(batch_id)))
        elif batch is None:
            problems.append(Problem(f"batches[{n}]", "unknown batch", str(batch_id)))
        elif (why := why_not_deliverable(session, batch, member_id)) is not None:
            problems.append(Problem(f"batches[{n}]", why, str(batch_id)))
        seen.add(batch_id)
    return problems


def _note_problems(note: str) -> list[Problem]:
    if len(note) > 400:
        return [Problem("note", "at most 400 characters")]
    try:
        check_text(note.strip(), multiline=True)
    except ValueError as exc:
        return [Problem("note", str(exc))]
    return []


def _next_number(session: Session, member: Member, when: datetime) -> str:
    """``M01-D261207-01``: the member, the day, the day's running number."""
    prefix = f"{member.code}-D{when:%y%m%d}-"
    taken = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.number.startswith(prefix))
    )
    return f"{prefix}{int(taken or 0) + 1:02d}"


def readable_deliveries(member_id: int | None) -> Select[Delivery]:
    """Every delivery the caller may see: a member's users only their own."""
    query = select(Delivery)
    if member_id is not None:
        query = query.where(Delivery.member_id == member_id)
    return query


def list_deliveries(
    session: Session, member_id: int | None, *, limit: int = 100, offset: int = 0
) -> tuple[list[Delivery], int]:
    """A page of deliveries, newest first, and how many there are."""
    query = readable_deliveries(member_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(
            selectinload(Delivery.member),
            selectinload(Delivery.batches).selectinload(DeliveryBatch.batch),
        )
        .order_by(Delivery.delivered_at.desc(), Delivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def get_delivery(session: Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} not found")
    return delivery


def delivery_by_number(session: Session, number: str) -> Delivery:
    """A delivery by its number or, failing that, by its id given as text."""
    delivery = session.scalar(select(Delivery).where(Delivery.number == number))
    if delivery is None and number.isdigit():
        delivery = session.get(Delivery, int(number))
    if delivery is None:
        raise NotFound(f"delivery {number!r} not found")
    return delivery


def delivered_kg(delivery: Delivery) -> float:
    return sum(mass_kg(item.batch) for item in delivery.batches)


def _audit(
    session: Session,
    action: str,
    object_type: str,
    object_id: int,
    user: User,
    member_id: int,
    client: str,
    detail: dict[str, object],
) -> None:
    audit.record(
        session,
        action=action,
        object_type=object_type,
        object_id=object_id,
        user=user,
        member_id=member_id,
        client=client,
        detail=detail,
    )
