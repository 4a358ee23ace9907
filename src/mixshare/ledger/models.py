"""The energy ledger's own data: versioned conversion factors and the lines' meter readings.

Factors are reference data with a source and a ``verified`` flag, versioned like tariffs: a
factor of a kind is in force from ``valid_from`` to ``valid_to`` (open-ended when null); a new
version ends the open-ended one before it. Meter readings are cumulative kWh counters per line
and meter, as the meters show them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base
from mixshare.lines.models import Line

FACTOR_KINDS = ("coal_equivalent", "grid_co2")
"""kgce per kWh (GB/T 2589) and kg CO₂ per kWh of grid electricity."""


class EnergyFactor(Base):
    """One version of a conversion factor: ``value`` in ``unit`` from ``valid_from``."""

    __tablename__ = "energy_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class MeterReading(Base):
    """A line meter's cumulative kWh at one moment (naive center time)."""

    __tablename__ = "meter_reading"
    __table_args__ = (UniqueConstraint("line_id", "meter", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"), index=True)
    meter: Mapped[str] = mapped_column(String(40))
    read_at: Mapped[datetime] = mapped_column(DateTime)
    cumulative_kwh: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime)

    line: Mapped[Line] = relationship()


VOC_METHODS = ("emission_factor", "stack")


class MemberBaseline(Base):
    """A member's own pre-center figures, entered once and never changed (the claims are
    computed against them): kWh per tonne of compound, tonnes per mixer hour, and VOC per
    tonne by a stated method (the center's figure is computed by the same method)."""

    __tablename__ = "member_baseline"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    kwh_per_t: Mapped[float] = mapped_column(Float)
    tonnes_per_hour: Mapped[float] = mapped_column(Float)
    voc_kg_per_t: Mapped[float | None] = mapped_column(Float, nullable=True)
    voc_method: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(300))
    entered_at: Mapped[datetime] = mapped_column(DateTime)
    entered_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
