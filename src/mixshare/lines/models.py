"""Mixing lines, their per-stage process settings, and their calendars."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base


class Line(Base):
    __tablename__ = "line"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    mixer_type: Mapped[str] = mapped_column(String(40), default="")
    net_volume_l: Mapped[float] = mapped_column(Float)
    rated_power_kw: Mapped[float] = mapped_column(Float)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendar.id"), nullable=True)

    stage_settings: Mapped[list[LineStage]] = relationship(
        back_populates="line", cascade="all, delete-orphan"
    )

    def setting(self, stage: str) -> LineStage | None:
        for setting in self.stage_settings:
            if setting.stage == stage:
                return setting
        return None


class LineStage(Base):
    """A stage the line may run, with the line's defaults for it."""

    __tablename__ = "line_stage"
    __table_args__ = (UniqueConstraint("line_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"), index=True)
    stage: Mapped[str] = mapped_column(String(2))
    fill_factor: Mapped[float] = mapped_column(Float)
    cycle_minutes: Mapped[float] = mapped_column(Float)
    kwh_per_kg: Mapped[float] = mapped_column(Float)

    line: Mapped[Line] = relationship(back_populates="stage_settings")


class LineCompoundStage(Base):
    """Overrides of a line's stage defaults for one compound version (NULL keeps the default)."""

    __tablename__ = "line_compound_stage"
    __table_args__ = (UniqueConstraint("line_id", "compound_version_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"), index=True)
    compound_version_id: Mapped[int] = mapped_column(ForeignKey("compound_version.id"))
    stage: Mapped[str] = mapped_column(String(2))
    fill_factor: Mapped[float | None] = mapped_column(Float, nullable=True)
    cycle_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    kwh_per_kg: Mapped[float | None] = mapped_column(Float, nullable=True)


class Calendar(Base):
    """A working-time pattern: the shifts worked on each weekday or, for a rotating pattern
    (e.g. crews on a 4-on 4-off cycle), on each day of a cycle of ``cycle_days`` days whose
    day 1 is ``cycle_start``."""

    __tablename__ = "calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    cycle_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cycle_start: Mapped[date | None] = mapped_column(Date, nullable=True)

    shifts: Mapped[list[Shift]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="Shift.start_minute"
    )


class Shift(Base):
    __tablename__ = "shift"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # Weekdays the shift is worked, Monday=0, as digits ("0123456" = every day).
    weekdays: Mapped[str] = mapped_column(String(7), default="0123456")
    # A rotating calendar's days the shift is worked: 0-based days of its cycle, "0,1,2,3".
    cycle_days: Mapped[str] = mapped_column(String(200), default="", server_default="")
    crew: Mapped[str] = mapped_column(String(40), default="", server_default="")

    calendar: Mapped[Calendar] = relationship(back_populates="shifts")


class Holiday(Base):
    """A day the center is closed, all day or all but some hours.

    ``open_shifts`` names what still runs that day, comma-separated: shift names of each
    line's calendar (a line without that shift stays closed) or clock windows
    ``HH:MM-HH:MM``; empty means closed all day.
    """

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(80))
    open_shifts: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Downtime(Base):
    """A line is unavailable: planned maintenance or an outage declared by the planner."""

    __tablename__ = "downtime"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"), index=True)
    start: Mapped[datetime] = mapped_column(DateTime)
    end: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(16), default="maintenance")
    reason: Mapped[str] = mapped_column(String(200), default="")
