"""Input schemas for orders.

Checks that need the database or the clock (member and compound exist, due date not in the
past, duplicate numbers) live in :mod:`mixshare.orders.service`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mixshare.settings import CENTER_TIMEZONE

# One order above 200 t is not a real order at this center (a week of the whole center is
# about 1,900 t of mixing); it is almost always a unit mistake (g for kg, t typed as kg).
MAX_ORDER_KG = 200_000.0


def local_naive(value: datetime) -> datetime:
    """Times are stored as naive local times of the center; convert aware input to that."""
    if value.tzinfo is None:
        return value
    return value.astimezone(CENTER_TIMEZONE).replace(tzinfo=None)


def check_quantity(value: float) -> float:
    if value <= 0:
        raise ValueError("quantity must be more than 0 kg")
    if value > MAX_ORDER_KG:
        raise ValueError(
            f"quantity is absurd: more than {MAX_ORDER_KG:,.0f} kg (200 t) in one order; "
            "check the unit (kg) or split the order"
        )
    return value


class OrderCreate(BaseModel):
    """A new order. ``compound`` is the member's compound code (its latest version is
    ordered); ``compound_version_id`` orders one exact version instead.

    Cross-field checks (release before due, compound given) are made by the service, so
    that each problem names its field.
    """

    model_config = ConfigDict(str_strip_whitespace=True)

    number: str | None = Field(default=None, max_length=40)
    member: str | int
    compound: str | None = None
    compound_version_id: int | None = None
    stage: Literal["final", "masterbatch"] = "final"
    quantity_kg: float
    due_at: datetime
    release_at: datetime | None = None
    note: str = Field(default="", max_length=400)

    @field_validator("number")
    @classmethod
    def _number_ok(cls, value: str | None) -> str | None:
        if value is not None and (not value or any(ch.isspace() for ch in value)):
            raise ValueError("an order number must be non-empty, without spaces")
        return value or None

    @field_validator("quantity_kg")
    @classmethod
    def _quantity_ok(cls, value: float) -> float:
        return check_quantity(value)

    @field_validator("due_at", "release_at")
    @classmethod
    def _local(cls, value: datetime | None) -> datetime | None:
        return None if value is None else local_naive(value)


class OrderUpdate(BaseModel):
    """Changes to an open or planned order; ``None`` keeps the current value."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    quantity_kg: float | None = None
    due_at: datetime | None = None
    release_at: datetime | None = None
    note: str | None = Field(default=None, max_length=400)

    @field_validator("quantity_kg")
    @classmethod
    def _quantity_ok(cls, value: float | None) -> float | None:
        return None if value is None else check_quantity(value)

    @field_validator("due_at", "release_at")
    @classmethod
    def _local(cls, value: datetime | None) -> datetime | None:
        return None if value is None else local_naive(value)
