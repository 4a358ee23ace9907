"""The batch document a line reports (the contract of issue 8) and raw-material receipts.

Checks that need no database live here as field constraints, so Pydantic reports every bad
field of a document at once; checks across fields or against the catalogue (line, compound,
times, array lengths, weights against the chamber) are in :mod:`mixshare.execution.service`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from mixshare.validation import Identifier, Moment, Number, Text, check_identifier

MAX_SAMPLES = 7200  # two hours at 1 Hz: no mixing cycle is longer
MAX_INGREDIENTS = 60
MAX_CONSUMED = 100

BatchCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    AfterValidator(check_identifier),
]
"""Batch and plan-lot codes: identifiers, and ``/`` as in ``M01-2611-0001/MB``."""


PLAN_LOT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*(/[A-Za-z0-9][A-Za-z0-9._-]*(#[0-9]+)?)?")
"""A plan lot code as plans write it: ``<reference>/<stage>[#part]``, where the reference is
the order number, prefixed ``<member>:`` when two members share it (``M02:PO-7/MB#2``)."""


def _lot_code(value: str) -> str:
    if not PLAN_LOT_RE.fullmatch(value):
        raise ValueError(
            "a plan lot code as in the plan export, e.g. M01-2611-0001/MB or M02:PO-7/FB#2"
        )
    return value


LotCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    AfterValidator(_lot_code),
]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-12-07T08:00:00+08:00")
    return value


AwareMoment = Annotated[datetime, AfterValidator(_aware)]
Kg = Annotated[Number, Field(ge=0)]
# Strict finite floats, checked by pydantic-core: a Python validator per sample made parsing
# the slowest step of ingest (1,000 samples a batch). Strict still takes JSON integers, and
# refuses true/false and numbers in strings.
Sample = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Samples = Annotated[list[Sample], Field(max_length=MAX_SAMPLES)]


class Weighing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    material: Identifier
    raw_lot: Identifier | None = None
    target_kg: Annotated[Number, Field(gt=0)]
    actual_kg: Kg


class Curve(BaseModel):
    """Samples at ``hz`` (1 by contract), all arrays the same length."""

    model_config = ConfigDict(extra="forbid")

    hz: Annotated[Number, Field(gt=0, le=100)] = 1.0
    power_kw: Samples = []
    temperature_c: Samples = []
    ram_position_mm: Samples = []
    ram_pressure_bar: Samples = []
    rotor_rpm: Samples = []


class BatchDocument(BaseModel):
    """One batch as a line reports it (times carry their offset)."""

    model_config = ConfigDict(extra="forbid")

    line: Identifier
    batch: BatchCode
    lot: LotCode | None = None
    compound: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    stage: Literal["MB", "RM", "FB"]
    started_at: AwareMoment
    ended_at: AwareMoment
    operator: Annotated[Text, Field(max_length=64)] = ""
    # A remill batch weighs nothing: it is the masterbatch it consumes (the service asks for
    # weighings or consumed batches).
    ingredients: Annotated[list[Weighing], Field(max_length=MAX_INGREDIENTS)]
    consumed: Annotated[list[BatchCode], Field(max_length=MAX_CONSUMED)] = []
    dump_temperature_c: Number
    energy_kwh: Annotated[Number, Field(ge=0)] | None = None
    curve: Curve = Curve()


class RawLotIn(BaseModel):
    """A receipt of raw material: the center's lot code, what, from whom, how much, when."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: Identifier
    material: Identifier
    supplier: Annotated[Text, Field(max_length=120)] = ""
    supplier_lot: Annotated[Text, Field(max_length=60)] = ""
    quantity_kg: Annotated[Number, Field(gt=0)]
    received_at: Moment


class Reason(BaseModel):
    """Why a field was quarantined or flagged."""

    field: str
    message: str


Outcome = Literal["accepted", "duplicate", "conflict", "quarantined"]
