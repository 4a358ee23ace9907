"""Writing and reading the audit log.

``record`` writes in the caller's transaction (the entry commits with the change it
describes). ``record_apart`` writes in a transaction of its own, for events that must be
kept although the request fails: denied access, failed logins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mixshare.audit.models import AuditEntry
from mixshare.settings import now_local
from mixshare.users.models import User


def record(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: int | str | None = None,
    user: User | None = None,
    member_id: int | None = None,
    client: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction."""
    entry = AuditEntry(
        at=now_local(),
        user_id=user.id if user else None,
        username=user.username if user else "",
        actor_member_id=user.member_id if user else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        member_id=member_id,
        client=client[:64],
        detail=detail or {},
    )
    session.add(entry)
    return entry


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` fit for an entry's JSON ``detail``: datetimes become ISO text."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def record_apart(session: Session, **fields: Any) -> None:
    """Like :func:`record`, committed at once on a connection of its own.

    Call it before the caller's session writes anything (SQLite allows one writer).
    """
    with Session(bind=session.get_bind()) as apart:
        user = fields.pop("user", None)
        record(apart, user=apart.get(User, user.id) if user else None, **fields)
        apart.commit()


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    user_id: int | None = None
    member_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(stmt: Select[Any], f: AuditFilter) -> Select[Any]:
    for column, value in (
        (AuditEntry.action, f.action),
        (AuditEntry.object_type, f.object_type),
        (AuditEntry.object_id, f.object_id),
        (AuditEntry.user_id, f.user_id),
        (AuditEntry.member_id, f.member_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < f.until)
    return stmt


def get_all(
    session: Session, f: AuditFilter | None = None, *, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """Newest first."""
    stmt = _filtered(select(AuditEntry), f or AuditFilter())
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def count(session: Session, f: AuditFilter | None = None) -> int:
    return int(
        session.scalar(_filtered(select(func.count(AuditEntry.id)), f or AuditFilter())) or 0
    )
