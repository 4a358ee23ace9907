"""Tables of the environment ledger.

Everything that a regulator, a handbook or an engineer may revise is data with its source and
a validity date, never a constant in code: emission factors per product class, capture and
treatment efficiencies (``EnvironmentFactor``) and regulatory limits (``RegulatoryLimit``).
A version applies from its ``valid_from`` day until the next version of the same thing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base

# What an EnvironmentFactor may be; factors per product class carry the class, efficiencies not.
FACTOR_NAMES = ("voc_factor", "pm_factor", "capture_efficiency", "treatment_efficiency",
                "pm_removal_efficiency")  # fmt: skip
PER_CLASS_FACTORS = ("voc_factor", "pm_factor")
# The readings a regulatory limit may bound, and how the ledger reads them.
LIMIT_PARAMETERS = ("nmhc_mg_m3", "pm_mg_m3", "combustion_temp_c")
BOUNDS = ("max", "min")
WASTE_CATEGORIES = ("general", "hazardous")
TRANSFER_METHODS = ("utilisation", "disposal")


class ProductClass(Base):
    """What a member makes from a compound, as the emission-factor handbook groups products
    (sheet, hose and belt; other rubber parts); a center adds its own."""

    __tablename__ = "product_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")


class EnvironmentFactor(Base):
    """One version of a factor: kg per tonne of rubber input (per product class) or an
    efficiency as a fraction 0..1, valid from ``valid_from``."""

    __tablename__ = "environment_factor"
    __table_args__ = (UniqueConstraint("name", "product_class", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(24))
    # Empty for efficiencies, which apply to every class.
    product_class: Mapped[str] = mapped_column(String(24), default="")
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(12))
    valid_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class RegulatoryLimit(Base):
    """A limit a reading must keep (``bound`` max: not above; min: not below), with its source
    and whether someone checked it against the text of the standard or permit."""

    __tablename__ = "regulatory_limit"
    __table_args__ = (UniqueConstraint("parameter", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parameter: Mapped[str] = mapped_column(String(24))
    bound: Mapped[str] = mapped_column(String(4))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(12))
    valid_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class StackReading(Base):
    """One hour of the stack's online monitoring, as its system exported it; ``hour`` is the
    start of the hour (center time). Concentrations are mg/m³, the flow m³/h (standard, dry)."""

    __tablename__ = "stack_reading"
    __table_args__ = (UniqueConstraint("stack", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stack: Mapped[str] = mapped_column(String(24))
    hour: Mapped[datetime] = mapped_column(DateTime, index=True)
    nmhc_mg_m3: Mapped[float] = mapped_column(Float)
    flow_m3_h: Mapped[float] = mapped_column(Float)
    pm_mg_m3: Mapped[float | None] = mapped_column(Float, nullable=True)
    source_file: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class TreatmentLogDay(Base):
    """The exhaust treatment unit's day: fan hours, combustion temperature, carbon change-out."""

    __tablename__ = "treatment_log_day"
    __table_args__ = (UniqueConstraint("unit", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(24))
    day: Mapped[date] = mapped_column(Date, index=True)
    fan_hours: Mapped[float] = mapped_column(Float)
    combustion_temp_min_c: Mapped[float | None] = mapped_column(Float, nullable=True)
    combustion_temp_avg_c: Mapped[float | None] = mapped_column(Float, nullable=True)
    carbon_changed_kg: Mapped[float] = mapped_column(Float, default=0.0)
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class WasteContainer(Base):
    """One container of waste (a drum of waste oil, a bag of spent activated carbon)."""

    __tablename__ = "waste_container"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(12))
    waste_type: Mapped[str] = mapped_column(String(120))
    # National hazardous waste list code (e.g. HW49 900-039-49); empty for general waste.
    hw_code: Mapped[str] = mapped_column(String(40), default="")
    mass_kg: Mapped[float] = mapped_column(Float)
    filled_on: Mapped[date] = mapped_column(Date, index=True)
    location: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

    transfers: Mapped[list[WasteTransfer]] = relationship(
        back_populates="container", order_by="WasteTransfer.transferred_on"
    )


class WasteTransfer(Base):
    """A container handed to a receiver, with the transfer manifest (联单) number."""

    __tablename__ = "waste_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("waste_container.id"), index=True)
    transferred_on: Mapped[date] = mapped_column(Date, index=True)
    receiver: Mapped[str] = mapped_column(String(120))
    receiver_licence: Mapped[str] = mapped_column(String(60), default="")
    manifest_no: Mapped[str] = mapped_column(String(60), default="")
    mass_kg: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(12))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

    container: Mapped[WasteContainer] = relationship(back_populates="transfers")
