"""When a line can work: shifts, holidays and downtimes turned into unavailable intervals."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.lines.models import Calendar, Downtime, Holiday, Line

Span = tuple[datetime, datetime]


def merge(spans: list[Span]) -> list[Span]:
    """Sort and merge overlapping or touching spans."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _days(start: datetime, end: datetime) -> list[datetime]:
    first = start.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    count = (end - first).days + 1
    return [first + timedelta(days=i) for i in range(count)]


def working_spans(calendar: Calendar, start: datetime, end: datetime) -> list[Span]:
    """Shift time within [start, end); a shift may run past midnight."""
    spans: list[Span] = []
    for day in _days(start, end):
        for shift in calendar.shifts:
            if str(day.weekday()) not in shift.weekdays:
                continue
            s = day + timedelta(minutes=shift.start_minute)
            e = s + timedelta(minutes=shift.duration_minutes)
            if e > start and s < end:
                spans.append((max(s, start), min(e, end)))
    return merge(spans)


def complement(spans: list[Span], start: datetime, end: datetime) -> list[Span]:
    gaps: list[Span] = []
    cursor = start
    for s, e in merge(spans):
        if s > cursor:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def holidays(session: Session, start: datetime, end: datetime) -> list[Span]:
    rows = session.scalars(
        select(Holiday).where(Holiday.day >= start.date(), Holiday.day <= end.date())
    )
    spans = []
    for row in rows:
        day = datetime(row.day.year, row.day.month, row.day.day)
        spans.append((day, day + timedelta(days=1)))
    return spans


def downtimes(session: Session, line_id: int, start: datetime, end: datetime) -> list[Span]:
    rows = session.scalars(
        select(Downtime).where(
            Downtime.line_id == line_id, Downtime.end > start, Downtime.start < end
        )
    )
    return [(max(r.start, start), min(r.end, end)) for r in rows]


def unavailable(session: Session, line: Line, start: datetime, end: datetime) -> list[Span]:
    """Everything in [start, end) when ``line`` may not run: off-shift, holidays, downtimes."""
    spans = holidays(session, start, end) + downtimes(session, line.id, start, end)
    if line.calendar_id is not None:
        calendar = session.get(Calendar, line.calendar_id)
        if calendar is not None:
            spans += complement(working_spans(calendar, start, end), start, end)
    clipped = [(max(s, start), min(e, end)) for s, e in spans]
    return merge([(s, e) for s, e in clipped if e > s])
