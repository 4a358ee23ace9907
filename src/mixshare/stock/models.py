"""Stock and deliveries: where rested masterbatch and final batch lie, and which batches went to
their member in which delivery.

Stock is not a ledger of its own: a batch is in stock from the moment the line reports it until
a later batch consumes it (``batch_consumption``, the genealogy) or a delivery takes it
(``delivery_batch``). ``stock_placement`` only says where it lies when someone put it
elsewhere than the first location that holds its stage.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base
from mixshare.execution.models import Batch
from mixshare.members.models import Member


class StockLocation(Base):
    """A place in the center where batches lie: a rest rack, the final-batch store."""

    __tablename__ = "stock_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # the stages it holds, comma-separated ("MB,RM", "FB"); a batch without a placement lies
    # in the first location (by id) that holds its stage
    stages: Mapped[str] = mapped_column(String(12))

    def holds(self, stage: str) -> bool:
        return stage in self.stages.split(",")


class StockPlacement(Base):
    """A batch moved to a location other than its stage's first one."""

    __tablename__ = "stock_placement"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batch.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    placed_at: Mapped[datetime] = mapped_column(DateTime)
    placed_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )

    location: Mapped[StockLocation] = relationship()


class Delivery(Base):
    """Released compound shipped to the member that owns it."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    delivered_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(String(400), default="")

    member: Mapped[Member] = relationship()
    batches: Mapped[list[DeliveryBatch]] = relationship(
        back_populates="delivery", order_by="DeliveryBatch.position", cascade="all, delete-orphan"
    )


class DeliveryBatch(Base):
    """One batch of a delivery; a batch is delivered at most once (``batch_id`` is unique)."""

    __tablename__ = "delivery_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), unique=True)
    position: Mapped[int] = mapped_column(Integer)

    delivery: Mapped[Delivery] = relationship(back_populates="batches")
    batch: Mapped[Batch] = relationship()
