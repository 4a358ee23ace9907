"""Members' compound orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.compounds.models import CompoundVersion
from mixshare.db import Base
from mixshare.members.models import Member

ORDER_STAGES = ("final", "masterbatch")
ORDER_STATUSES = ("open", "planned", "in_progress", "done", "cancelled")
# Rush orders as a plant runs them: the member asks (requested), the center's planner decides
# (urgent, or back to normal); only an urgent order outweighs member priority in the plan.
URGENCIES = ("", "requested", "urgent")


class Order(Base):
    __tablename__ = "orders"
    # Numbers are unique per member only: a number unique across the center would tell one
    # member which numbers another uses ("already exists"). Plans tell equal numbers of two
    # members apart by member code (``orders.service.plan_references``).
    __table_args__ = (UniqueConstraint("member_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    compound_version_id: Mapped[int] = mapped_column(ForeignKey("compound_version.id"))
    stage: Mapped[str] = mapped_column(String(12), default="final")
    quantity_kg: Mapped[float] = mapped_column(Float)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # When the member's raw materials are at the center; nothing can be mixed before.
    release_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(String(400), default="")
    urgency: Mapped[str] = mapped_column(String(10), default="", server_default="")
    # Who last asked for or decided the urgency, when and why (also in the audit log).
    urgency_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    urgency_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    urgency_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Optimistic locking: concurrent edits of one order are detected, not overwritten.
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    member: Mapped[Member] = relationship()
    compound_version: Mapped[CompoundVersion] = relationship()

    __mapper_args__ = {"version_id_col": row_version}
