"""Stored plans: versioned, so every plan can be compared with the one before it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.compounds.models import CompoundVersion
from mixshare.db import Base
from mixshare.lines.models import Line
from mixshare.members.models import Member
from mixshare.orders.models import Order


class Plan(Base):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    horizon_start: Mapped[datetime] = mapped_column(DateTime)
    horizon_end: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published
    method: Mapped[str] = mapped_column(String(40))
    objective: Mapped[float | None] = mapped_column(Float, nullable=True)
    lower_bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    kpis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Lots starting before this moment are frozen: re-planning keeps them where they are.
    frozen_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    lots: Mapped[list[PlanLot]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanLot.start"
    )
    changeovers: Mapped[list[PlanChangeover]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanChangeover.start"
    )
    unplanned: Mapped[list[PlanUnplanned]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}


class PlanLot(Base):
    """Consecutive batches of one compound stage of one order on one line."""

    __tablename__ = "plan_lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    compound_version_id: Mapped[int] = mapped_column(ForeignKey("compound_version.id"))
    stage: Mapped[str] = mapped_column(String(2))
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"))
    batches: Mapped[int] = mapped_column(Integer)
    kg: Mapped[float] = mapped_column(Float)
    start: Mapped[datetime] = mapped_column(DateTime, index=True)
    end: Mapped[datetime] = mapped_column(DateTime)
    kwh: Mapped[float] = mapped_column(Float)
    energy_cost: Mapped[float] = mapped_column(Float, default=0.0)
    locked: Mapped[bool] = mapped_column(default=False)

    plan: Mapped[Plan] = relationship(back_populates="lots")
    order: Mapped[Order] = relationship()
    member: Mapped[Member] = relationship()
    compound_version: Mapped[CompoundVersion] = relationship()
    line: Mapped[Line] = relationship()

    # A plan holds a year of lots: pages read one window of it (by start) or a page of orders.
    __table_args__ = (
        Index("ix_plan_lot_plan_start", "plan_id", "start"),
        Index("ix_plan_lot_plan_order_end", "plan_id", "order_id", "end"),
        Index("ix_plan_lot_plan_member_start", "plan_id", "member_id", "start"),
    )


class PlanChangeover(Base):
    __tablename__ = "plan_changeover"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"))
    from_lot_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    to_lot_code: Mapped[str] = mapped_column(String(60))
    start: Mapped[datetime] = mapped_column(DateTime)
    end: Mapped[datetime] = mapped_column(DateTime)
    cleaning_batches: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)

    plan: Mapped[Plan] = relationship(back_populates="changeovers")
    line: Mapped[Line] = relationship()

    __table_args__ = (Index("ix_plan_changeover_plan_start", "plan_id", "start"),)


REASON_LENGTH = 500


class PlanUnplanned(Base):
    """An order the plan could not fit, whole, and why: ``reason_code`` is one of
    :data:`mixshare.planning.reasons.REASONS`, ``reason`` the detail (which stage, line, window)."""

    __tablename__ = "plan_unplanned"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    reason_code: Mapped[str] = mapped_column(String(40), default="does_not_fit_horizon")
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH), default="")

    plan: Mapped[Plan] = relationship(back_populates="unplanned")
    order: Mapped[Order] = relationship()


class PlanningPrice(Base):
    """One version of the planning prices the money objective adds up (yuan), in force from
    ``valid_from`` to ``valid_to`` (open-ended when null; a new version ends the one before).

    A cleaning batch costs its net compound (``cleaning_material_yuan``) plus its
    electricity (``cleaning_kwh`` at the TOU tariff's flat price of the day the plan starts);
    its line time is part of its changeover's minutes, priced per hour of line time like every
    changeover (``changeover_hour_yuan``). Lateness costs ``lateness_tonne_hour_yuan`` per
    tonne and hour at member priority weight 1, times the member's priority weight.
    """

    __tablename__ = "planning_price"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    valid_from: Mapped[date] = mapped_column(Date, unique=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    cleaning_material_yuan: Mapped[float] = mapped_column(Float)
    cleaning_kwh: Mapped[float] = mapped_column(Float)
    changeover_hour_yuan: Mapped[float] = mapped_column(Float)
    lateness_tonne_hour_yuan: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
