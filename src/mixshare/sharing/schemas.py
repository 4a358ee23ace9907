"""Input of the cost model's parameters and of a month (checks that need no database)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from mixshare.validation import Note, Number, Text, WholeNumber

MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def parse_month(value: str) -> date:
    """``YYYY-MM`` → the month's first day; ValueError naming the expected form."""
    match = MONTH_RE.fullmatch(value.strip())
    if (
        match is None
        or not 1 <= int(match.group(2)) <= 12
        or not 2000 <= int(match.group(1)) < 2100
    ):
        raise ValueError(f"month must be YYYY-MM (2000-01 … 2099-12), got {value!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _month_or_date(value: object) -> object:
    if isinstance(value, str) and MONTH_RE.fullmatch(value.strip()):
        return parse_month(value)
    return value


MonthDate = Annotated[date, BeforeValidator(_month_or_date)]
"""A date that may also be written ``YYYY-MM`` (the month's first day)."""


class CostModelIn(BaseModel):
    """A new version of the cost model, valid from the first day of ``valid_from``'s month."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    valid_from: MonthDate
    line_fixed_cost: Number = Field(ge=0, le=1e9)
    staff_cost_per_line_shift: Number = Field(ge=0, le=1e9)
    treatment_unit_cost: Number = Field(ge=0, le=1e9)
    lines_per_treatment_unit: WholeNumber = Field(ge=1, le=20)
    overhead_cost: Number = Field(ge=0, le=1e9)
    target_utilisation: Number = Field(gt=0, le=1)
    shift_hours: Number = Field(default=8.0, gt=0, le=24)
    max_shifts: WholeNumber = Field(default=3, ge=1, le=4)
    maintenance_hours_per_line: Number = Field(default=0.0, ge=0, le=744)
    source: Text = Field(default="", max_length=200)
    notes: Note = Field(default="", max_length=1000)

    @field_validator("valid_from")
    @classmethod
    def _first_day(cls, value: date) -> date:
        if not 2000 <= value.year < 2100:
            raise ValueError("must lie between 2000 and 2099")
        return value.replace(day=1)

    @model_validator(mode="after")
    def _shifts_fit_a_day(self) -> CostModelIn:
        if self.max_shifts * self.shift_hours > 24:
            raise ValueError("max_shifts × shift_hours must not exceed 24 hours")
        return self
