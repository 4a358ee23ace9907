"""When a line can work: shifts, holidays and downtimes turned into unavailable intervals."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.lines.models import Calendar, Downtime, Holiday, Line, Shift

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


def cycle_day_numbers(text: str) -> set[int]:
    """A shift's ``cycle_days`` ("0,1,2,3") as numbers."""
    return {int(part) for part in text.split(",") if part.strip().isdigit()}


def works_on(calendar: Calendar, shift: Shift, day: datetime) -> bool:
    """Is ``shift`` worked on the shift day ``day``: by weekday, or by the day of the
    calendar's cycle?"""
    if calendar.cycle_days and calendar.cycle_start is not None:
        index = (day.date() - calendar.cycle_start).days % calendar.cycle_days
        return index in cycle_day_numbers(shift.cycle_days)
    return str(day.weekday()) in shift.weekdays


def working_spans(calendar: Calendar, start: datetime, end: datetime) -> list[Span]:
    """Shift time within [start, end); a shift may run past midnight."""
    spans: list[Span] = []
    for day in _days(start, end):
        for shift in calendar.shifts:
            if not works_on(calendar, shift, day):
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


CLOCK_WINDOW = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)$")


def clock_window(token: str) -> tuple[int, int] | None:
    """``"06:00-14:00"`` as (start, end) minutes after midnight (an end at or before the
    start runs past midnight); None if ``token`` is not a clock window."""
    found = CLOCK_WINDOW.match(token.strip())
    if found is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end > 24 * 60:
        return None
    return start, end if end > start else end + 24 * 60


def open_tokens(text: str) -> list[str]:
    """The entries of a holiday's ``open_shifts`` (commas, 、 or ； between them)."""
    return [t.strip() for t in re.split(r"[,，、;；]", text) if t.strip()]


def open_on_holiday(holiday: Holiday, calendar: Calendar | None) -> list[Span]:
    """What still runs on ``holiday``: its clock windows, and those of its named shifts that
    ``calendar`` has (a line without such a shift stays closed)."""
    day = datetime(holiday.day.year, holiday.day.month, holiday.day.day)
    shifts = {s.name.casefold(): s for s in calendar.shifts} if calendar is not None else {}
    spans: list[Span] = []
    for token in open_tokens(holiday.open_shifts):
        window = clock_window(token)
        if window is None and token.casefold() in shifts:
            shift = shifts[token.casefold()]
            window = (shift.start_minute, shift.start_minute + shift.duration_minutes)
        if window is not None:
            spans.append((day + timedelta(minutes=window[0]), day + timedelta(minutes=window[1])))
    return merge(spans)


def holidays(
    session: Session, start: datetime, end: datetime, calendar: Calendar | None = None
) -> list[Span]:
    """The closed time of the holidays in [start, end): each holiday's day, less what still
    runs on it (a part-day holiday), and the whole of each of its shifts that does not run
    (a night shift starting on the holiday has no crew after midnight either)."""
    rows = session.scalars(
        select(Holiday).where(
            Holiday.day >= start.date() - timedelta(days=1), Holiday.day <= end.date()
        )
    )
    spans = []
    for row in rows:
        day = datetime(row.day.year, row.day.month, row.day.day)
        still_open = open_on_holiday(row, calendar)
        spans += complement(still_open, day, day + timedelta(days=1))
        for s, e in _shifts_starting(calendar, day):
            spans += complement(still_open, s, e)
    return spans


def _shifts_starting(calendar: Calendar | None, day: datetime) -> list[Span]:
    """The spans of ``calendar``'s shifts worked on the shift day ``day``."""
    if calendar is None:
        return []
    spans = []
    for shift in calendar.shifts:
        if works_on(calendar, shift, day):
            s = day + timedelta(minutes=shift.start_minute)
            spans.append((s, s + timedelta(minutes=shift.duration_minutes)))
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
    calendar = session.get(Calendar, line.calendar_id) if line.calendar_id is not None else None
    spans = holidays(session, start, end, calendar) + downtimes(session, line.id, start, end)
    if calendar is not None:
        spans += complement(working_spans(calendar, start, end), start, end)
    clipped = [(max(s, start), min(e, end)) for s, e in spans]
    return merge([(s, e) for s, e in clipped if e > s])
