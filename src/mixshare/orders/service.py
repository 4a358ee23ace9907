"""Members' compound orders: create, change, cancel, read, and per-stage quantities.

Every function takes an optional ``member_id`` scope: a member only ever sees its own orders,
and another member's order is reported as not found (never as forbidden, which would tell
that it exists). Services flush but never commit; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, null, select
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError

from mixshare.compounds import service as compounds
from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.errors import Conflict, NotFound, Problem, ValidationFailed, validated
from mixshare.members import service as members
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.orders.schemas import OrderCreate, OrderUpdate
from mixshare.settings import now_local
from mixshare.validation import check_text

EDITABLE_STATUSES = ("open", "planned")
# Nobody orders compound for delivery years ahead (it would age out of its shelf life long
# before); a due date beyond this is a typo such as 9999-12-31, and so is a release date of
# materials that arrived more than a year ago. (Generous: test and demo centers lie years
# ahead of the clock.)
MAX_DUE_AHEAD = timedelta(days=5 * 365)
MAX_RELEASE_BEHIND = timedelta(days=365)


# --- quantities ----------------------------------------------------------------------------


def stage_quantities(version: CompoundVersion, stage_wanted: str, kg: float) -> dict[str, float]:
    """Kilograms mixed in each stage to deliver ``kg`` of ``stage_wanted``.

    The final batch is the masterbatch plus the curatives added in FB, so the masterbatch
    needed is the FB mass scaled by MB phr / (MB + FB phr). A remill re-mixes the whole
    masterbatch. A masterbatch order only mixes the masterbatch.
    """
    if stage_wanted == "masterbatch":
        return {"MB": kg}
    if stage_wanted != "final":
        raise ValueError(f"unknown order stage {stage_wanted!r}")
    if not version.has_final:
        raise ValueError(f"{version.key} is masterbatch-only; it has no final batch")
    mb_phr = version.phr_total("MB")
    fb_phr = version.phr_total("FB")
    mb_kg = kg * mb_phr / (mb_phr + fb_phr)
    quantities = {"MB": mb_kg}
    if version.has_remill:
        quantities["RM"] = mb_kg
    quantities["FB"] = kg
    return quantities


# --- reading -------------------------------------------------------------------------------


def get(session: Session, order_id: int, member_id: int | None = None) -> Order:
    order = session.get(Order, order_id)
    if order is None or (member_id is not None and order.member_id != member_id):
        raise NotFound(f"order {order_id} not found")
    return order


def get_by_number(session: Session, number: str, member_id: int | None = None) -> Order:
    """The order ``number`` of member ``member_id`` (numbers are unique per member only);
    without a member, the one order of that number, if only one member uses it."""
    stmt = select(Order).where(Order.number == number)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    found = list(session.scalars(stmt.limit(2)))
    if len(found) > 1:
        raise ValidationFailed(
            [Problem("member", "several members have an order with this number; give one", number)]
        )
    if not found:
        raise NotFound(f"order {number!r} not found")
    return found[0]


def shared_numbers(session: Session) -> set[str]:
    """Order numbers that more than one member uses."""
    stmt = (
        select(Order.number)
        .group_by(Order.number)
        .having(func.count(func.distinct(Order.member_id)) > 1)
    )
    return set(session.scalars(stmt))


def plan_reference(order: Order, shared: set[str]) -> str:
    """How plans name ``order``: its number, prefixed with its member's code (``M02:PO-7``)
    when another member uses the same number (``shared``), so that a plan's lot codes
    ``<reference>/<stage>`` stay unique."""
    return f"{order.member.code}:{order.number}" if order.number in shared else order.number


def _filtered(stmt: Any, member_id: int | None, status: str | None) -> Any:
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    if status is not None:
        stmt = stmt.where(Order.status == status)
    return stmt


def get_all(
    session: Session,
    member_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Order]:
    """Orders by due date (then id), optionally one member's and/or one status.

    Member and compound version (with its compound and owner, for ``key``) come with the
    orders in the same round trips, so a page of orders costs three queries, not one per row.
    """
    stmt = _filtered(select(Order), member_id, status).order_by(Order.due_at, Order.id)
    stmt = stmt.options(
        joinedload(Order.member),
        joinedload(Order.compound_version)
        .joinedload(CompoundVersion.compound)
        .joinedload(Compound.member),
    )
    return list(session.scalars(stmt.limit(limit).offset(offset)))


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One line of an order list: plain values, no ORM object behind it."""

    id: int
    number: str
    member_code: str
    compound_key: str  # MEMBER.CODE.vN, as ``CompoundVersion.key``
    stage: str
    quantity_kg: float
    due_at: datetime
    status: str
    planned_end: datetime | None = None  # when its last lot ends in the plan asked for


def list_rows(
    session: Session,
    member_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    plan_id: int | None = None,
) -> list[OrderRow]:
    """``get_all`` for lists that only show the orders: one query with explicit columns, and
    with ``plan_id`` each order's planned completion in that plan (an index lookup per row)."""
    from mixshare.planning.models import PlanLot  # planning builds on orders

    owner = aliased(Member)
    planned_end: Any = None
    if plan_id is not None:
        planned_end = (
            select(func.max(PlanLot.end))
            .where(PlanLot.plan_id == plan_id, PlanLot.order_id == Order.id)
            .correlate(Order)
            .scalar_subquery()
        )
    stmt = (
        select(
            Order.id,
            Order.number,
            Member.code,
            owner.code,
            Compound.code,
            CompoundVersion.version,
            Order.stage,
            Order.quantity_kg,
            Order.due_at,
            Order.status,
            planned_end if planned_end is not None else null(),
        )
        .join(Member, Member.id == Order.member_id)
        .join(CompoundVersion, CompoundVersion.id == Order.compound_version_id)
        .join(Compound, Compound.id == CompoundVersion.compound_id)
        .join(owner, owner.id == Compound.member_id)
    )
    stmt = _filtered(stmt, member_id, status).order_by(Order.due_at, Order.id)
    return [
        OrderRow(
            id=row[0],
            number=row[1],
            member_code=row[2],
            compound_key=f"{row[3]}.{row[4]}.v{row[5]}",
            stage=row[6],
            quantity_kg=row[7],
            due_at=row[8],
            status=row[9],
            planned_end=row[10],
        )
        for row in session.execute(stmt.limit(limit).offset(offset))
    ]


def count(session: Session, member_id: int | None = None, status: str | None = None) -> int:
    stmt = _filtered(select(func.count(Order.id)), member_id, status)
    return int(session.scalar(stmt) or 0)


# --- checking a new order ------------------------------------------------------------------


@dataclass
class OrderChecker:
    """Checks new orders against the database; reused across the rows of one import.

    ``taken`` holds numbers that generated numbers must avoid: those generated earlier in
    the same batch and those given explicitly in the same file. (Duplicates *within* a file
    are the importer's to report, since it knows the rows.)
    """

    session: Session
    now: datetime
    member_id: int | None = None
    taken: set[str] = field(default_factory=set)
    _runnable: dict[tuple[int, str], list[Problem]] = field(default_factory=dict)
    _members: dict[str | int, tuple[Member | None, list[Problem]]] = field(default_factory=dict)
    _highest: dict[str, int] = field(default_factory=dict)  # last generated number per prefix
    _versions: dict[
        tuple[int, str | None, int | None], tuple[CompoundVersion | None, list[Problem]]
    ] = field(default_factory=dict)

    def check(self, data: OrderCreate) -> tuple[Order | None, list[Problem]]:
        """A transient order for ``data`` (None if it cannot be built) and every problem."""
        member, problems = self.member(data.member)
        version = None
        if member is not None:
            version, found = self.version(member, data.compound, data.compound_version_id)
            problems += found
        problems += self.dates(data.due_at, data.release_at)
        if version is not None:
            problems += self._stage(data, version)
        if data.number is not None and member is not None:
            problems += self.number_free(data.number, member.id)
        if problems or member is None or version is None:
            return None, problems
        number = data.number or self._new_number(member)
        self.taken.add(number)
        order = Order(
            number=number,
            member_id=member.id,
            compound_version_id=version.id,
            stage=data.stage,
            quantity_kg=data.quantity_kg,
            due_at=data.due_at,
            release_at=data.release_at,
            status="open",
            created_at=self.now,
            note=data.note,
        )
        return order, []

    def _new_number(self, member: Member) -> str:
        """``next_number``, counted on from the first one: an import of 20,000 rows would
        otherwise search all numbers taken so far for every row."""
        year, week, _ = self.now.isocalendar()
        prefix = f"{member.code}-{year % 100:02d}{week:02d}-"
        if prefix not in self._highest:
            first = next_number(self.session, member, self.now, self.taken)
            self._highest[prefix] = int(first.removeprefix(prefix)) - 1
        self._highest[prefix] += 1
        return f"{prefix}{self._highest[prefix]:04d}"

    def member(self, value: str | int) -> tuple[Member | None, list[Problem]]:
        """The member given by code or id, if the caller may order for it."""
        if value not in self._members:  # an import asks for the same few members per row
            self._members[value] = self._member(value)
        member, problems = self._members[value]
        return member, list(problems)

    def _member(self, value: str | int) -> tuple[Member | None, list[Problem]]:
        try:
            if isinstance(value, int):
                member = members.get(self.session, value)
            else:
                member = members.get_by_code(self.session, value)
        except NotFound:
            member = None
        if member is None or (self.member_id is not None and member.id != self.member_id):
            return None, [Problem("member", "unknown member", str(value))]
        return member, []

    def version(
        self, member: Member, compound: str | None, version_id: int | None
    ) -> tuple[CompoundVersion | None, list[Problem]]:
        """The exact version ``version_id``, else the latest version of ``compound``."""
        key = (member.id, compound, version_id)
        if key not in self._versions:
            self._versions[key] = self._version(member, compound, version_id)
        version, problems = self._versions[key]
        return version, list(problems)

    def _version(
        self, member: Member, compound: str | None, version_id: int | None
    ) -> tuple[CompoundVersion | None, list[Problem]]:
        if version_id is not None:
            try:
                return compounds.get_version(self.session, version_id, member.id), []
            except NotFound:
                problem = Problem(
                    "compound_version_id",
                    "unknown compound version for this member",
                    str(version_id),
                )
                return None, [problem]
        if compound is None:
            return None, [Problem("compound", "give the compound code")]
        try:
            found: Compound = compounds.get_by_code(self.session, member.id, compound)
            return compounds.latest_version(found), []
        except NotFound:
            return None, [Problem("compound", "unknown compound for this member", compound)]

    def dates(self, due_at: datetime | None, release_at: datetime | None) -> list[Problem]:
        """Due not in the past nor years ahead; release (if any) not after due."""
        return date_problems(self.now, due_at, release_at, new_due=True, new_release=True)

    def _stage(self, data: OrderCreate, version: CompoundVersion) -> list[Problem]:
        if data.stage == "final" and not version.has_final:
            return [
                Problem(
                    "stage",
                    f"{version.key} is masterbatch-only; order it as 'masterbatch'",
                    data.stage,
                )
            ]
        cache_key = (version.id, data.stage)
        if cache_key not in self._runnable:
            needed = stage_quantities(version, data.stage, 1.0)
            self._runnable[cache_key] = [
                Problem("compound", f"no line may run stage {stage} of this compound", version.key)
                for stage, codes in compounds.runnable_lines(self.session, version).items()
                if stage in needed and not codes
            ]
        return self._runnable[cache_key]

    def number_free(self, number: str, member_id: int) -> list[Problem]:
        """Whether the member has no order ``number`` yet (other members' numbers are not
        looked at: the answer must not tell which numbers they use)."""
        exists = self.session.scalar(
            select(Order.id).where(Order.member_id == member_id, Order.number == number)
        )
        if exists is not None:
            return [Problem("number", "an order with this number already exists", number)]
        return []


def date_problems(
    now: datetime,
    due_at: datetime | None,
    release_at: datetime | None,
    *,
    new_due: bool,
    new_release: bool,
) -> list[Problem]:
    """What is wrong with an order's dates: a new due date in the past or more than five years
    ahead, a new release date more than a year ago, a release date after the due date."""
    problems = []
    if due_at is not None and new_due:
        problems += _due_problems(now, due_at)
    if release_at is not None and new_release and release_at < now - MAX_RELEASE_BEHIND:
        problems.append(
            Problem("release_at", "release date is more than a year ago", release_at.isoformat(" "))
        )
    elif release_at is not None and due_at is not None and release_at > due_at:
        problems.append(
            Problem(
                "release_at",
                "release date is after the due date: the order could never be on time",
                release_at.isoformat(" "),
            )
        )
    return problems


def _due_problems(now: datetime, due_at: datetime) -> list[Problem]:
    if due_at < now:
        return [Problem("due_at", "due date is in the past", due_at.isoformat(" "))]
    if due_at > now + MAX_DUE_AHEAD:
        limit = (now + MAX_DUE_AHEAD).date().isoformat()
        return [
            Problem("due_at", f"due date is more than five years ahead (after {limit})",
                    due_at.isoformat(" "))
        ]  # fmt: skip
    return []


def next_number(session: Session, member: Member, now: datetime, taken: set[str]) -> str:
    """Next free ``<member code>-YYWW-NNNN`` (ISO year and week of ``now``)."""
    year, week, _ = now.isocalendar()
    prefix = f"{member.code}-{year % 100:02d}{week:02d}-"
    mine = select(Order.number).where(Order.member_id == member.id)
    used = set(session.scalars(mine.where(Order.number.startswith(prefix))))
    used |= {n for n in taken if n.startswith(prefix)}
    highest = max((int(n[len(prefix) :]) for n in used if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


# --- writing -------------------------------------------------------------------------------


def create_order(
    session: Session,
    data: OrderCreate | Mapping[str, Any],
    member_id: int | None = None,
    now: datetime | None = None,
) -> Order:
    """Create an open order; raises ``ValidationFailed`` listing every problem."""
    parsed = validated(OrderCreate, data)
    checker = OrderChecker(session, now or now_local(), member_id)
    order, problems = checker.check(parsed)
    if problems or order is None:
        raise ValidationFailed(problems)
    session.add(order)
    session.flush()
    return order


def _editable(order: Order, expected_row_version: int | None) -> None:
    if expected_row_version is not None and order.row_version != expected_row_version:
        raise Conflict(
            f"order {order.number} was changed by someone else "
            f"(version {order.row_version}, you edited version {expected_row_version}); reload it"
        )
    if order.status not in EDITABLE_STATUSES:
        raise ValidationFailed(
            [Problem("status", f"an order that is {order.status} can no longer be changed")]
        )


def frozen_until(session: Session, order_id: int) -> datetime | None:
    """When the latest plan's freeze ends, if a lot of the order is frozen (locked) in it.

    Frozen lots are about to be mixed: their materials are weighed and the line is set up, so
    the order behind them can no longer be changed or cancelled (the planner can re-plan).
    """
    from mixshare.planning.models import Plan, PlanLot  # planning builds on orders

    latest = select(func.max(Plan.version)).scalar_subquery()
    query = (
        select(Plan.frozen_until)
        .join(PlanLot, PlanLot.plan_id == Plan.id)
        .where(Plan.version == latest, PlanLot.order_id == order_id, PlanLot.locked.is_(True))
        .limit(1)
    )
    row = session.execute(query).first()
    if row is None:
        return None
    return row[0] or datetime.max


def is_frozen(session: Session, order_id: int) -> bool:
    """True when a lot of the order is frozen (locked) in the latest plan."""
    return frozen_until(session, order_id) is not None


def _not_frozen(session: Session, order: Order, action: str) -> None:
    until = frozen_until(session, order.id)
    if until is None:
        return
    when = "" if until == datetime.max else f" until {until:%Y-%m-%d %H:%M}"
    raise ValidationFailed(
        [
            Problem(
                "order",
                f"order {order.number} can no longer be {action}: its lots are frozen in the "
                f"plan{when}; ask the planner",
            )
        ]
    )


def _flush(session: Session, order: Order) -> None:
    # read before the flush: a failed flush leaves the session unusable until rolled back,
    # and loading the number afterwards turned a lost race into a 500 (PendingRollbackError)
    number = order.number
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"order {number} was changed by someone else; reload it") from exc


def update_order(
    session: Session,
    order_id: int,
    changes: OrderUpdate | Mapping[str, Any],
    expected_row_version: int | None,
    member_id: int | None = None,
    now: datetime | None = None,
) -> Order:
    """Change quantity, due/release dates or note of an open or planned order whose lots are
    not frozen in the latest plan (else ``ValidationFailed``).

    ``expected_row_version`` is the ``row_version`` the caller read; if the order changed
    since, ``Conflict`` is raised instead of silently overwriting the other edit.
    """
    parsed = validated(OrderUpdate, changes)
    order = get(session, order_id, member_id)
    _editable(order, expected_row_version)
    _not_frozen(session, order, "changed")
    due = parsed.due_at or order.due_at
    release = parsed.release_at if parsed.release_at is not None else order.release_at
    problems = date_problems(
        now or now_local(),
        due,
        release,
        new_due=parsed.due_at is not None,
        new_release=parsed.release_at is not None,
    )
    if problems:
        raise ValidationFailed(problems)
    for name, value in parsed.model_dump(exclude_none=True).items():
        setattr(order, name, value)
    _flush(session, order)
    return order


def cancel_order(
    session: Session,
    order_id: int,
    expected_row_version: int | None = None,
    member_id: int | None = None,
) -> Order:
    """Cancel an open or planned order (it stays, with status ``cancelled``).

    Raises ``ValidationFailed`` once a lot of the order is frozen in the latest plan.
    """
    order = get(session, order_id, member_id)
    _editable(order, expected_row_version)
    _not_frozen(session, order, "cancelled")
    order.status = "cancelled"
    _flush(session, order)
    return order


# --- rush orders -----------------------------------------------------------------------------


def _urgency_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationFailed([Problem("reason", "say why (who needs it, what for)")])
    if len(text) > 200:
        raise ValidationFailed([Problem("reason", "at most 200 characters", text[:40])])
    try:
        return check_text(text)  # free text that exports and other users' pages show
    except ValueError as exc:
        raise ValidationFailed([Problem("reason", str(exc))]) from None


def _set_urgency(order: Order, urgency: str, reason: str, user_id: int, now: datetime) -> None:
    if order.status not in EDITABLE_STATUSES:
        message = f"an order that is {order.status} can no longer be rushed"
        raise ValidationFailed([Problem("status", message)])
    order.urgency, order.urgency_reason = urgency, reason
    order.urgency_by, order.urgency_at = user_id, now.replace(microsecond=0)


def request_urgency(
    session: Session,
    order_id: int,
    reason: str,
    user_id: int,
    member_id: int | None = None,
    now: datetime | None = None,
) -> Order:
    """Ask for ``order`` to be rushed (a member's users, or staff taking a call): it stays
    normal in the plan until a planner decides (:func:`decide_urgency`)."""
    text = _urgency_reason(reason)
    order = get(session, order_id, member_id)
    if order.urgency == "urgent":
        raise ValidationFailed([Problem("urgency", "the order is already urgent")])
    _set_urgency(order, "requested", text, user_id, now or now_local())
    _flush(session, order)
    return order


def decide_urgency(
    session: Session,
    order_id: int,
    urgent: bool,
    reason: str,
    user_id: int,
    now: datetime | None = None,
) -> Order:
    """The planner's decision: urgent (weighted above member priority in the next plan) or
    normal again (a request declined, or the rush is over); the reason is kept and audited."""
    text = _urgency_reason(reason)
    order = get(session, order_id)
    _set_urgency(order, "urgent" if urgent else "", text, user_id, now or now_local())
    _flush(session, order)
    return order


def urgencies(session: Session, order_ids: list[int]) -> dict[int, str]:
    """The orders among ``order_ids`` that are requested or urgent, with their urgency."""
    if not order_ids:
        return {}
    query = select(Order.id, Order.urgency).where(Order.id.in_(order_ids), Order.urgency != "")
    return {order_id: urgency for order_id, urgency in session.execute(query)}
