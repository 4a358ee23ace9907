"""Time-of-use electricity tariffs as versioned data with validity dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base

PERIODS = ("sharp", "peak", "flat", "valley", "deep_valley")


class Tariff(Base):
    __tablename__ = "tariff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    flat_price: Mapped[float] = mapped_column(Float)  # yuan per kWh
    holiday_multiplier: Mapped[float] = mapped_column(Float, default=0.2)

    bands: Mapped[list[TariffBand]] = relationship(
        back_populates="tariff", cascade="all, delete-orphan"
    )


class TariffBand(Base):
    """Hours ``[start_hour, end_hour)`` of the listed months are priced at ``period``."""

    __tablename__ = "tariff_band"

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariff.id"), index=True)
    months: Mapped[str] = mapped_column(String(40))  # e.g. "1,7,8,12"
    start_hour: Mapped[int] = mapped_column(Integer)
    end_hour: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(12))
    multiplier: Mapped[float] = mapped_column(Float)

    tariff: Mapped[Tariff] = relationship(back_populates="bands")
