"""Shift patterns (calendars): the shifts worked per weekday, or per day of a rotating cycle
(e.g. four crews on a 4-on 4-off cycle, or three shifts Monday to Saturday). Saving a pattern
replaces the shifts of the calendar of that name; lines name their calendar."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mixshare.errors import validated
from mixshare.lines.models import Calendar, Shift
from mixshare.validation import Text

MAX_CYCLE_DAYS = 56
WEEKDAY_NAMES: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("mon", "monday", "周一", "星期一"),
        ("tue", "tuesday", "周二", "星期二"),
        ("wed", "wednesday", "周三", "星期三"),
        ("thu", "thursday", "周四", "星期四"),
        ("fri", "friday", "周五", "星期五"),
        ("sat", "saturday", "周六", "星期六"),
        ("sun", "sunday", "周日", "星期日", "周天", "星期天"),
    )
):
    WEEKDAY_NAMES.update(dict.fromkeys(_names, _index))
EVERY_DAY = ("daily", "every day", "all", "每天", "全周")
SEPARATORS = r"[,，、;；]"
SHORT_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_weekdays(text: str) -> str:
    """``"Mon-Sat"``, ``"周一至周六"``, ``"Mon, Wed, Fri"`` or ``"daily"`` as stored digits
    (Monday = 0); ValueError naming what is not understood."""
    text = text.strip().lower()
    if not text or text in EVERY_DAY:
        return "0123456"
    days: set[int] = set()
    for token in re.split(SEPARATORS, text):
        token = token.strip()
        if not token:
            continue
        ends = [t.strip() for t in re.split(r"\s*(?:-|–|~|至|到)\s*", token)]
        if len(ends) > 2 or any(e not in WEEKDAY_NAMES for e in ends):
            raise ValueError(f"not weekdays: {token!r} (use e.g. Mon-Sat, 周一-周六, daily)")
        first, last = WEEKDAY_NAMES[ends[0]], WEEKDAY_NAMES[ends[-1]]
        days.update(
            range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    return "".join(str(d) for d in sorted(days))


def weekday_names(digits: str) -> list[str]:
    """Stored digits as ``["Mon", "Tue", …]`` (English msgids: pages show them translated)."""
    return [SHORT_WEEKDAYS[int(d)] for d in digits if d.isdigit() and int(d) < 7]


def parse_cycle_days(text: str) -> str:
    """Cycle days as people count them, from 1 (``"1-4"``, ``"1,2,5"``), as stored 0-based
    numbers ``"0,1,2,3"``."""
    days: set[int] = set()
    for token in re.split(SEPARATORS, text.strip()):
        token = token.strip()
        if not token:
            continue
        found = re.fullmatch(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?", token)
        if found is None:
            raise ValueError(f"not cycle days: {token!r} (use e.g. 1-4 or 1,2,5)")
        first = int(found.group(1))
        last = int(found.group(2) or first)
        if first < 1 or last < first:
            raise ValueError(f"not cycle days: {token!r} (days count from 1)")
        days.update(range(first - 1, last))
    return ",".join(str(d) for d in sorted(days))


def cycle_text(stored: str) -> str:
    """Stored 0-based cycle days as 1-based numbers (for pages)."""
    return ",".join(str(int(d) + 1) for d in stored.split(",") if d.strip().isdigit())


def parse_clock(value: object) -> int:
    """``"06:00"`` (or a time cell) as minutes after midnight."""
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    found = re.fullmatch(r"([01]?\d|2[0-3])[:：]([0-5]\d)(?::00)?", str(value).strip())
    if found is None:
        raise ValueError("not a clock time (use HH:MM)")
    return int(found.group(1)) * 60 + int(found.group(2))


class ShiftIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text = Field(min_length=1, max_length=40)
    start_minute: int = Field(ge=0, lt=24 * 60)
    duration_minutes: int = Field(gt=0, le=24 * 60)
    weekdays: str = Field(default="0123456", pattern=r"^[0-6]{0,7}$")
    cycle_days: str = Field(default="", max_length=200, pattern=r"^(\d{1,2}(,\d{1,2})*)?$")
    crew: Text = Field(default="", max_length=40)


class CalendarIn(BaseModel):
    """A whole pattern: by weekday (no cycle) or rotating (cycle length and its day 1)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text = Field(min_length=1, max_length=80)
    cycle_days: int | None = Field(default=None, ge=2, le=MAX_CYCLE_DAYS)
    cycle_start: date | None = None
    shifts: list[ShiftIn] = Field(min_length=1)

    @field_validator("cycle_start")
    @classmethod
    def _plausible(cls, value: date | None) -> date | None:
        if value is not None and not date(2000, 1, 1) <= value <= date(2100, 1, 1):
            raise ValueError("not a plausible day")
        return value

    @model_validator(mode="after")
    def _pattern_is_whole(self) -> CalendarIn:
        if (self.cycle_days is None) != (self.cycle_start is None):
            raise ValueError("a rotating pattern needs both cycle_days and cycle_start")
        for shift in self.shifts:
            days = [int(d) for d in shift.cycle_days.split(",") if d]
            if self.cycle_days is None and days:
                raise ValueError(f"shift {shift.name}: cycle days need a rotating pattern")
            if self.cycle_days is not None and not days:
                raise ValueError(f"shift {shift.name}: which days of the cycle does it work?")
            if self.cycle_days is not None and max(days, default=0) >= self.cycle_days:
                raise ValueError(
                    f"shift {shift.name}: a day beyond the {self.cycle_days}-day cycle"
                )
        return self


def get_all(session: Session) -> list[Calendar]:
    query = select(Calendar).options(selectinload(Calendar.shifts)).order_by(Calendar.name)
    return list(session.scalars(query))


def save_calendar(session: Session, data: CalendarIn | Mapping[str, Any]) -> tuple[Calendar, bool]:
    """Create the calendar of its name or replace its pattern; (calendar, created)."""
    parsed = validated(CalendarIn, data)
    calendar = session.scalar(select(Calendar).where(Calendar.name == parsed.name))
    created = calendar is None
    if calendar is None:
        calendar = Calendar(name=parsed.name)
        session.add(calendar)
    calendar.cycle_days, calendar.cycle_start = parsed.cycle_days, parsed.cycle_start
    calendar.shifts = [Shift(**shift.model_dump()) for shift in parsed.shifts]
    session.flush()
    return calendar, created
