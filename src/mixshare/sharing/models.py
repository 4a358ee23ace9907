"""The cost model's parameters as versioned reference data: each version holds from the first
day of its month until the next version; a change is a new version, never an edit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mixshare.db import Base


class CostModelVersion(Base):
    """Parameters of :class:`mixshare.costshare.model.CenterCostModel`, money in yuan a month."""

    __tablename__ = "cost_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, unique=True)  # first day of a month
    line_fixed_cost: Mapped[float] = mapped_column(Float)
    staff_cost_per_line_shift: Mapped[float] = mapped_column(Float)
    treatment_unit_cost: Mapped[float] = mapped_column(Float)
    lines_per_treatment_unit: Mapped[int] = mapped_column(Integer)
    overhead_cost: Mapped[float] = mapped_column(Float)
    target_utilisation: Mapped[float] = mapped_column(Float)
    shift_hours: Mapped[float] = mapped_column(Float, default=8.0)
    max_shifts: Mapped[int] = mapped_column(Integer, default=3)
    maintenance_hours_per_line: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
