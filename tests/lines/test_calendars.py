"""Line availability from shifts, holidays and downtimes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from mixshare.lines.calendars import unavailable
from mixshare.lines.models import Calendar, Downtime, Holiday, Line, Shift


def _line_with_two_shifts(session: Session) -> Line:
    calendar = Calendar(name="2 shifts")
    calendar.shifts = [
        Shift(name="early", start_minute=6 * 60, duration_minutes=8 * 60, weekdays="01234"),
        Shift(name="late", start_minute=14 * 60, duration_minutes=8 * 60, weekdays="01234"),
    ]
    session.add(calendar)
    session.flush()
    line = Line(
        code="L1", name="L1", net_volume_l=420, rated_power_kw=1500, calendar_id=calendar.id
    )
    session.add(line)
    session.flush()
    return line


def test_off_shift_weekend_holiday_and_downtime_are_unavailable(session: Session) -> None:
    line = _line_with_two_shifts(session)
    # 2026-12-07 is a Monday.
    session.add(Holiday(day=date(2026, 12, 9), name="test holiday"))
    session.add(
        Downtime(line_id=line.id, start=datetime(2026, 12, 8, 8), end=datetime(2026, 12, 8, 12))
    )
    session.flush()
    spans = unavailable(session, line, datetime(2026, 12, 7), datetime(2026, 12, 14))
    assert spans[0] == (datetime(2026, 12, 7), datetime(2026, 12, 7, 6))
    assert (datetime(2026, 12, 7, 22), datetime(2026, 12, 8, 6)) in spans
    assert (datetime(2026, 12, 8, 8), datetime(2026, 12, 8, 12)) in spans
    # Tuesday night, the Wednesday holiday and Thursday's early morning merge into one span.
    assert (datetime(2026, 12, 8, 22), datetime(2026, 12, 10, 6)) in spans
    # Weekend: Friday 22:00 until the end of the horizon.
    assert spans[-1] == (datetime(2026, 12, 11, 22), datetime(2026, 12, 14))


def test_line_without_calendar_works_around_the_clock(session: Session) -> None:
    line = Line(code="L2", name="L2", net_volume_l=370, rated_power_kw=1300)
    session.add(line)
    session.flush()
    assert unavailable(session, line, datetime(2026, 12, 7), datetime(2026, 12, 14)) == []
