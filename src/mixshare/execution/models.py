"""What the lines mixed: raw-material lots, batch records with their weighings, genealogy and
curves, and the documents that were quarantined or conflicted, kept for review.

Identity of a batch is (line, batch code) as the line reports it. ``content_hash`` is the
SHA-256 of the document's canonical form, so a re-sent document is recognised as a duplicate
and a different document under the same id as a conflict.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.compounds.models import CompoundVersion
from mixshare.db import Base
from mixshare.lines.models import Line
from mixshare.materials.models import Material

BATCH_STATES = ("mixed", "resting", "tested", "released", "held")
"""The quality state machine's states; the lab owns the transitions, ingest sets ``mixed``."""
SOURCES = ("api", "cli", "form", "opcua", "simulator")


class RawMaterialLot(Base):
    """A receipt of a raw material: the center's lot code and the supplier's."""

    __tablename__ = "raw_material_lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    supplier: Mapped[str] = mapped_column(String(120), default="")
    supplier_lot: Mapped[str] = mapped_column(String(60), default="")
    quantity_kg: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    material: Mapped[Material] = relationship()


class Batch(Base):
    """One batch as a line reported it (times are naive center time)."""

    __tablename__ = "batch"
    __table_args__ = (
        UniqueConstraint("line_id", "code"),
        Index("ix_batch_member_started", "member_id", "started_at"),
        Index("ix_batch_line_started", "line_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"))
    code: Mapped[str] = mapped_column(String(60), index=True)
    lot_code: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    # The order behind the plan lot, when ``lot_code`` names one (null: outside the plan).
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True)
    compound_version_id: Mapped[int] = mapped_column(ForeignKey("compound_version.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    stage: Mapped[str] = mapped_column(String(2))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime] = mapped_column(DateTime)
    operator: Mapped[str] = mapped_column(String(64), default="")
    dump_temperature_c: Mapped[float] = mapped_column(Float)
    energy_kwh: Mapped[float] = mapped_column(Float)
    energy_from_curve: Mapped[bool] = mapped_column(Boolean, default=False)
    target_kg: Mapped[float] = mapped_column(Float)
    actual_kg: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(12), default="mixed", index=True)
    has_deviation: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # [{"field": "ingredients[0].actual_kg", "message": "..."}]
    deviations: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    received_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )

    line: Mapped[Line] = relationship()
    compound_version: Mapped[CompoundVersion] = relationship()
    ingredients: Mapped[list[BatchIngredient]] = relationship(
        back_populates="batch", order_by="BatchIngredient.position", cascade="all, delete-orphan"
    )
    consumed: Mapped[list[BatchConsumption]] = relationship(
        foreign_keys="BatchConsumption.batch_id",
        back_populates="batch",
        order_by="BatchConsumption.position",
        cascade="all, delete-orphan",
    )
    curve: Mapped[BatchCurve | None] = relationship(
        back_populates="batch", cascade="all, delete-orphan", lazy="select"
    )


class BatchIngredient(Base):
    """One weighing: the material and raw lot that went into the batch."""

    __tablename__ = "batch_ingredient"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    material_code: Mapped[str] = mapped_column(String(40))
    material_id: Mapped[int | None] = mapped_column(ForeignKey("material.id"), nullable=True)
    # indexed: a recall starts from the lot code the weighing named (received or not)
    raw_lot_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    raw_lot_id: Mapped[int | None] = mapped_column(
        ForeignKey("raw_material_lot.id"), nullable=True, index=True
    )
    target_kg: Mapped[float] = mapped_column(Float)
    actual_kg: Mapped[float] = mapped_column(Float)

    batch: Mapped[Batch] = relationship(back_populates="ingredients")


class BatchConsumption(Base):
    """Genealogy: a masterbatch or remill batch that went into this (remill or final) batch."""

    __tablename__ = "batch_consumption"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    consumed_code: Mapped[str] = mapped_column(String(60))
    consumed_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batch.id"), nullable=True, index=True
    )

    batch: Mapped[Batch] = relationship(foreign_keys=[batch_id], back_populates="consumed")
    consumed_batch: Mapped[Batch | None] = relationship(foreign_keys=[consumed_batch_id])


class BatchCurve(Base):
    """The batch's 1 Hz curve, compressed (:mod:`mixshare.execution.curves`)."""

    __tablename__ = "batch_curve"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batch.id", ondelete="CASCADE"), primary_key=True
    )
    hz: Mapped[float] = mapped_column(Float)
    samples: Mapped[int] = mapped_column(Integer)
    codec: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    batch: Mapped[Batch] = relationship(back_populates="curve")


class QuarantinedDocument(Base):
    """A document that could not be accepted, as it came, with every reason (per field)."""

    __tablename__ = "quarantined_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    line_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    batch_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    document: Mapped[Any] = mapped_column(JSON)
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    received_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
    times_received: Mapped[int] = mapped_column(Integer, default=1)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)


class BatchConflict(Base):
    """Another document under the id of a stored batch; both are kept for review."""

    __tablename__ = "batch_conflict"
    __table_args__ = (UniqueConstraint("batch_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[Any] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    received_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
    times_received: Mapped[int] = mapped_column(Integer, default=1)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)

    batch: Mapped[Batch] = relationship()


class CollectorCheckpoint(Base):
    """How far a line's OPC UA collector got: every document up to ``sequence`` of the PLC's
    counter ``epoch`` is stored. Written in the transaction that stores those documents, so
    after a crash the collector resumes exactly after what is durable
    (:mod:`mixshare.execution.collector`)."""

    __tablename__ = "collector_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"), unique=True)
    endpoint: Mapped[str] = mapped_column(String(200))
    epoch: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger)
    documents: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
