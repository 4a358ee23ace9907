"""Audit entries written by the pages (through the audit service)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mixshare.audit import service as audit_service
from mixshare.users.models import User


def changed(
    session: Session,
    user: User,
    action: str,
    object_type: str,
    object_id: int | str | None,
    member_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a change in the caller's transaction (it commits with the change)."""
    audit_service.record(
        session,
        action=action,
        object_type=object_type,
        object_id=object_id,
        user=user,
        member_id=member_id,
        client="web",
        detail=detail,
    )
