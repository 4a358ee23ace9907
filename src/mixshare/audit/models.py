"""The audit log: one row per change, and per denied attempt to reach another member's data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mixshare.db import Base

# "denied": a member's user asked for (or tried to change) another member's object.
# "formulation_read": a center user read a member's recipe (ingredients and phr).
ACTIONS = (
    "create",
    "update",
    "cancel",
    "delete",
    "run",
    "publish",
    "freeze",
    "outage",
    "login",
    "logout",
    "login_failed",
    "token_created",
    "token_revoked",
    "denied",
    "formulation_read",
)


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id"), nullable=True, index=True
    )
    username: Mapped[str] = mapped_column(String(64), default="")
    # The member the acting user belongs to (None for center staff and anonymous clients).
    actor_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(32), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The member that owns the object (None for center objects such as lines and plans).
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    client: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
