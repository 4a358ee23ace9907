"""Input schemas for orders.

Checks that need the database or the clock (member and compound exist, due date not in the
past, duplicate numbers) live in :mod:`mixshare.orders.service`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mixshare.validation import Id, Identifier, Moment, Note, Number, to_local_naive

# One order above 200 t is not a real order at this center (a week of the whole center is
# about 1,900 t of mixing); it is almost always a unit mistake (g for kg, t typed as kg).
MAX_ORDER_KG = 200_000.0
# Below 1 kg is not an order for a 420 L mixer (one batch is about 300 kg); 1e-300 kg is a typo.
MIN_ORDER_KG = 1.0
local_naive = to_local_naive  # the name the rest of the code knows


def check_quantity(value: float) -> float:
    if value < MIN_ORDER_KG:
        raise ValueError(f"quantity must be at least {MIN_ORDER_KG:g} kg")
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

    number: Identifier | None = None
    member: Id | Identifier
    compound: Identifier | None = None
    compound_version_id: Id | None = None
    stage: Literal["final", "masterbatch"] = "final"
    quantity_kg: Number
    due_at: Moment
    release_at: Moment | None = None
    note: Note = Field(default="", max_length=400)

    @field_validator("quantity_kg")
    @classmethod
    def _quantity_ok(cls, value: float) -> float:
        return check_quantity(value)


class OrderUpdate(BaseModel):
    """Changes to an open or planned order; ``None`` keeps the current value."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    quantity_kg: Number | None = None
    due_at: Moment | None = None
    release_at: Moment | None = None
    note: Note | None = Field(default=None, max_length=400)

    @field_validator("quantity_kg")
    @classmethod
    def _quantity_ok(cls, value: float | None) -> float | None:
        return None if value is None else check_quantity(value)
