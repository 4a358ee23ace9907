"""The quality lab: test methods (reference data), specs per compound version and stage (limits
and sampling plan), lab results per batch, dispositions of held batches, golden curves and the
curve score of each batch.

A batch's release state is the ``state`` column of ``batch`` (:mod:`mixshare.execution`):
ingest sets ``mixed``; :mod:`mixshare.quality.service` owns every later transition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base

SAMPLING_RULES = ("every_batch", "every_nth", "first_last")
DISPOSITIONS = ("rework", "blend", "downgrade", "scrap")
RESULT_SOURCES = ("form", "csv", "api", "simulator")


class TestMethod(Base):
    """One measured property of one lab test (a rheometer run gives four: ML, MH, ts2, t90).

    ``low``/``high`` bound what the instrument can report; a value outside is a typing error,
    not an out-of-spec batch, and is refused.
    """

    __tablename__ = "test_method"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    instrument: Mapped[str] = mapped_column(String(24))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(16))
    decimals: Mapped[int] = mapped_column(Integer, default=1)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)


class QualitySpec(Base):
    """What a compound version's stage must meet in one test, and which batches are sampled.

    ``every_nth`` tests the 1st, (n+1)th, … batch of a lot; ``first_last`` the first and the
    last. A batch that is not sampled is judged by the latest sampled batch of its lot before
    it (the lot's result covers it).
    """

    __tablename__ = "quality_spec"
    __table_args__ = (
        UniqueConstraint("compound_version_id", "stage", "test_method_id"),
        CheckConstraint("lsl IS NOT NULL OR usl IS NOT NULL", name="has_a_limit"),
        CheckConstraint("lsl IS NULL OR usl IS NULL OR lsl <= usl", name="limits_ordered"),
        CheckConstraint(
            "sampling IN ('every_batch', 'every_nth', 'first_last')", name="sampling_known"
        ),
        CheckConstraint("every_n >= 1", name="every_n_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_version_id: Mapped[int] = mapped_column(ForeignKey("compound_version.id"), index=True)
    stage: Mapped[str] = mapped_column(String(2))
    test_method_id: Mapped[int] = mapped_column(ForeignKey("test_method.id"))
    lsl: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    usl: Mapped[float | None] = mapped_column(Float, nullable=True)
    sampling: Mapped[str] = mapped_column(String(12), default="every_batch")
    every_n: Mapped[int] = mapped_column(Integer, default=1)

    test_method: Mapped[TestMethod] = relationship()

    def passes(self, value: float) -> bool:
        return (self.lsl is None or value >= self.lsl) and (self.usl is None or value <= self.usl)


class LabResult(Base):
    """One measured value of one batch (one per batch and test)."""

    __tablename__ = "lab_result"
    __table_args__ = (UniqueConstraint("batch_id", "test_method_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    test_method_id: Mapped[int] = mapped_column(ForeignKey("test_method.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    measured_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    entered_at: Mapped[datetime] = mapped_column(DateTime)
    entered_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
    source: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(200), default="")

    test_method: Mapped[TestMethod] = relationship()


class Disposition(Base):
    """Why a batch was held and what becomes of it (rework, blend, downgrade, scrap)."""

    __tablename__ = "batch_disposition"
    __table_args__ = (
        CheckConstraint(
            "decision IN ('rework', 'blend', 'downgrade', 'scrap')", name="decision_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(400))
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
    username: Mapped[str] = mapped_column(String(64))


class GoldenCurve(Base):
    """The reference curve and envelope of a compound version, stage and line
    (:class:`mixshare.quality.golden.Reference` as JSON; rebuilt, never edited)."""

    __tablename__ = "golden_curve"
    __table_args__ = (UniqueConstraint("compound_version_id", "stage", "line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_version_id: Mapped[int] = mapped_column(ForeignKey("compound_version.id"))
    stage: Mapped[str] = mapped_column(String(2))
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"))
    built_at: Mapped[datetime] = mapped_column(DateTime)
    batches: Mapped[int] = mapped_column(Integer)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)


class CurveScore(Base):
    """A batch's distance from its golden curve, scored when the batch arrives."""

    __tablename__ = "curve_score"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batch.id", ondelete="CASCADE"), primary_key=True
    )
    golden_curve_id: Mapped[int] = mapped_column(
        ForeignKey("golden_curve.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    energy_z: Mapped[float] = mapped_column(Float)
    outside: Mapped[dict[str, float]] = mapped_column(JSON)
    out_of_envelope: Mapped[bool] = mapped_column(Boolean, index=True)
    scored_at: Mapped[datetime] = mapped_column(DateTime)
