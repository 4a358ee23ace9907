"""Holidays: a day the center is closed, all day or all but the shifts (or clock windows)
that still run. The planner's available time leaves the closed part out
(:func:`mixshare.lines.calendars.unavailable`); the tariff prices a holiday as deep valley."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.center_time import plausible_day
from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.lines.calendars import clock_window, open_tokens
from mixshare.lines.models import Holiday, Shift
from mixshare.validation import Text


class HolidayIn(BaseModel):
    """A holiday as entered: its day, its name, and what still runs (empty: nothing)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    day: date
    name: Text = Field(min_length=1, max_length=80)
    open_shifts: Text = Field(default="", max_length=200)

    @field_validator("day")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if plausible_day(value) is None:
            raise ValueError("not a plausible day")
        return value


def shift_names(session: Session) -> set[str]:
    """Every shift name of every calendar, case-folded (what a holiday may keep running)."""
    return {name.casefold() for name in session.scalars(select(Shift.name).distinct())}


def unknown_open_entries(text: str, known: set[str]) -> list[str]:
    """The entries of ``open_shifts`` that are neither a clock window nor a known shift."""
    return [t for t in open_tokens(text) if clock_window(t) is None and t.casefold() not in known]


def open_problem(text: str, known: set[str]) -> str | None:
    """Why ``open_shifts`` is wrong, or None."""
    unknown = unknown_open_entries(text, known)
    if not unknown:
        return None
    return (
        f"unknown shift {', '.join(unknown)}: name a shift of a calendar or a clock window "
        "HH:MM-HH:MM"
    )


def get_all(session: Session) -> list[Holiday]:
    return list(session.scalars(select(Holiday).order_by(Holiday.day)))


def save_holiday(session: Session, data: HolidayIn | Mapping[str, Any]) -> tuple[Holiday, bool]:
    """Create the holiday of its day, or update the one that day has; (holiday, created)."""
    parsed = validated(HolidayIn, data)
    problem = open_problem(parsed.open_shifts, shift_names(session))
    if problem is not None:
        raise ValidationFailed([Problem("open_shifts", problem, parsed.open_shifts)])
    holiday = session.scalar(select(Holiday).where(Holiday.day == parsed.day))
    created = holiday is None
    if holiday is None:
        holiday = Holiday(day=parsed.day)
        session.add(holiday)
    holiday.name, holiday.open_shifts = parsed.name, parsed.open_shifts
    session.flush()
    return holiday, created


def delete_holiday(session: Session, holiday_id: int) -> Holiday:
    holiday = session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound(f"holiday {holiday_id} not found")
    session.delete(holiday)
    session.flush()
    return holiday
