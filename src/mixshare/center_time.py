"""The center's clock at the edges: times the API returns carry the center's offset, and dates
read from page URLs stay inside the range the planner can compute with.

The database stores naive local times of the center (see :mod:`mixshare.settings`); a naive
time that leaves the process without its offset would be read as UTC or as the reader's own
time, so every datetime in a response model is a :data:`CenterDateTime`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator

from mixshare.settings import CENTER_TIMEZONE
from mixshare.validation import EARLIEST, LATEST


def with_center_offset(moment: datetime) -> datetime:
    """``moment`` with the center's offset; a naive value is taken as center time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=CENTER_TIMEZONE)
    return moment.astimezone(CENTER_TIMEZONE)


CenterDateTime = Annotated[datetime, AfterValidator(with_center_offset)]


def plausible_moment(moment: datetime | None) -> datetime | None:
    """``moment`` if it lies between ``EARLIEST`` and ``LATEST`` (:mod:`mixshare.validation`),
    else None."""
    if moment is None:
        return None
    # far-out dates (0001-01-01, 9999-12-31) overflow once a week is added; the wall-clock
    # part is enough to compare, the bounds are years away from any offset's reach
    return moment if EARLIEST <= moment.replace(tzinfo=None) < LATEST else None


def plausible_day(day: date | None) -> date | None:
    """``day`` if it lies between ``EARLIEST`` and ``LATEST``, else None."""
    if day is None:
        return None
    return day if EARLIEST.date() <= day < LATEST.date() else None
