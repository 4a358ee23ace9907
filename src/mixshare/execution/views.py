"""What the execution pages show, read from the database (no web imports): batch lists, the
review queue and the operator's shift view against the published plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mixshare.execution.models import Batch, BatchConflict, QuarantinedDocument
from mixshare.lines.models import Line
from mixshare.planning.models import Plan, PlanLot

SHIFT_HOURS = 8  # *(default)* when a line has no calendar: 00–08, 08–16, 16–24


def batch_filters(
    member_id: int | None, line_id: int | None, stage: str | None, deviations: bool
) -> list[object]:
    conditions: list[object] = []
    if member_id is not None:
        conditions.append(Batch.member_id == member_id)
    if line_id is not None:
        conditions.append(Batch.line_id == line_id)
    if stage is not None:
        conditions.append(Batch.stage == stage)
    if deviations:
        conditions.append(Batch.has_deviation.is_(True))
    return conditions


def list_batches(
    session: Session, conditions: list[object], limit: int, offset: int
) -> tuple[list[Batch], int]:
    """A page of batches, newest first, and how many there are."""
    total = session.scalar(select(func.count(Batch.id)).where(*conditions))  # type: ignore[arg-type]
    rows = session.scalars(
        select(Batch)
        .where(*conditions)  # type: ignore[arg-type]
        .options(selectinload(Batch.line), selectinload(Batch.compound_version))
        .order_by(Batch.started_at.desc(), Batch.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def review_queue(
    session: Session, limit: int = 100
) -> tuple[list[QuarantinedDocument], list[BatchConflict]]:
    quarantined = session.scalars(
        select(QuarantinedDocument)
        .order_by(QuarantinedDocument.received_at.desc(), QuarantinedDocument.id.desc())
        .limit(limit)
    )
    conflicts = session.scalars(
        select(BatchConflict)
        .options(selectinload(BatchConflict.batch))
        .order_by(BatchConflict.received_at.desc(), BatchConflict.id.desc())
        .limit(limit)
    )
    return list(quarantined), list(conflicts)


# --- the shift view ------------------------------------------------------------------------


@dataclass
class LotStatus:
    """One plan lot of the shift: what was planned and what the line has reported."""

    lot: PlanLot
    done: int
    expected_by_now: int
    last_batch: Batch | None

    @property
    def status(self) -> str:
        """``done``, ``running``, ``behind`` (fewer batches than the plan expects by now) or
        ``waiting`` (not due to start yet)."""
        if self.done >= self.lot.batches:
            return "done"
        if self.done < self.expected_by_now:
            return "behind"
        return "running" if self.done else "waiting"


@dataclass
class LineShift:
    line: Line
    start: datetime
    end: datetime
    lots: list[LotStatus] = field(default_factory=list)


def shift_window(line: Line, moment: datetime) -> tuple[datetime, datetime]:
    """The shift of ``line``'s calendar that contains ``moment`` (or the 8-hour block)."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    shifts = line_calendar_shifts(line)
    for offset_days in (0, -1):  # a night shift may have started yesterday
        base = day + timedelta(days=offset_days)
        for start_minute, minutes, weekdays in shifts:
            start = base + timedelta(minutes=start_minute)
            end = start + timedelta(minutes=minutes)
            if str(base.weekday()) in weekdays and start <= moment < end:
                return start, end
    block = moment.hour // SHIFT_HOURS * SHIFT_HOURS
    start = day + timedelta(hours=block)
    return start, start + timedelta(hours=SHIFT_HOURS)


def line_calendar_shifts(line: Line) -> list[tuple[int, int, str]]:
    from mixshare.lines.models import Calendar

    if line.calendar_id is None:
        return []
    session = Session.object_session(line)
    calendar = session.get(Calendar, line.calendar_id) if session is not None else None
    if calendar is None:
        return []
    return [(s.start_minute, s.duration_minutes, s.weekdays) for s in calendar.shifts]


def published_plan(session: Session) -> Plan | None:
    return session.scalar(
        select(Plan).where(Plan.status == "published").order_by(Plan.version.desc()).limit(1)
    )


def _expected(lot: PlanLot, moment: datetime) -> int:
    if moment <= lot.start:
        return 0
    if moment >= lot.end:
        return lot.batches
    share = (moment - lot.start) / (lot.end - lot.start)
    return int(lot.batches * share)


def shift_view(session: Session, moment: datetime) -> tuple[Plan | None, list[LineShift]]:
    """Per line: the published plan's lots in the shift around ``moment``, in sequence, with
    the batches reported for each lot so far."""
    plan = published_plan(session)
    shifts = []
    for line in session.scalars(select(Line).order_by(Line.code)):
        start, end = shift_window(line, moment)
        shift = LineShift(line, start, end)
        if plan is not None:
            lots = session.scalars(
                select(PlanLot)
                .where(
                    PlanLot.plan_id == plan.id,
                    PlanLot.line_id == line.id,
                    PlanLot.start < end,
                    PlanLot.end > start,
                )
                .options(selectinload(PlanLot.compound_version))
                .order_by(PlanLot.start)
            )
            shift.lots = [_lot_status(session, line, lot, moment) for lot in lots]
        shifts.append(shift)
    return plan, shifts


def _lot_status(session: Session, line: Line, lot: PlanLot, moment: datetime) -> LotStatus:
    reported = Batch.line_id == line.id, Batch.lot_code == lot.code
    done = int(session.scalar(select(func.count(Batch.id)).where(*reported)) or 0)
    last = session.scalar(select(Batch).where(*reported).order_by(Batch.started_at.desc()).limit(1))
    return LotStatus(lot, done, _expected(lot, moment), last)
