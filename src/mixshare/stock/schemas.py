"""What the stock API takes and gives (Pydantic at the edge)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mixshare.center_time import CenterDateTime
from mixshare.stock.service import MAX_DELIVERY_BATCHES
from mixshare.validation import Id, Moment, Note


class DeliveryCreate(BaseModel):
    """A delivery of released batches (ids) to the member that owns them."""

    model_config = ConfigDict(extra="forbid")

    member_id: Id
    batches: list[Id] = Field(min_length=1, max_length=MAX_DELIVERY_BATCHES)
    delivered_at: Moment | None = None
    note: Annotated[Note, Field(max_length=400)] = ""


class DeliveredBatchRead(BaseModel):
    id: int
    batch: str
    line: str
    compound: str
    stage: str
    mass_kg: float  # with the batches it consumed
    ended_at: CenterDateTime


class DeliveryRead(BaseModel):
    id: int
    number: str
    member: str
    delivered_at: CenterDateTime
    note: str
    total_kg: float
    batches: list[DeliveredBatchRead]
    certificate: str  # the PDF's URL


class StockRowRead(BaseModel):
    id: int
    batch: str
    line: str
    compound: str
    stage: str
    state: str
    location: str | None
    mass_kg: float  # with the batches it consumed
    ended_at: CenterDateTime
    age_hours: float
    max_age_hours: float
    alarm: Literal["ok", "expiring", "expired"]
    rested: bool


class StockRead(BaseModel):
    total: int
    expiring: int
    expired: int
    rows: list[StockRowRead]
