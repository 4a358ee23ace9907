"""The ``twin_run`` table: every ``twin compare``, ``twin claims`` and ``twin size`` run's JSON
document with the parameters and seed it came from, so the twin page shows results of a real
run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mixshare.db import Base

KINDS = ("compare", "claims", "size")


class TwinRun(Base):
    __tablename__ = "twin_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # compare | claims | size
    weeks: Mapped[int] = mapped_column(Integer)
    replications: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    assumptions_version: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: the center
    # engine iterations and time limit, re-plan hours, disturbances, assumptions/scenario file
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the command's --format json output
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )

    __table_args__ = (Index("ix_twin_run_kind_created", "kind", "created_at"),)
