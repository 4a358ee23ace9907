"""Writing and reading the audit log.

``record`` writes in the caller's transaction (the entry commits with the change it
describes). ``record_apart`` writes in a transaction of its own, for events that must be
kept although the request fails. ``record_denial`` counts denied attempts to reach another
member's data: one entry per user and minute, written after the response (see there).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select
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


# --- denied attempts ------------------------------------------------------------------------

# Denials of one user within this window share one entry, whose detail counts them.
DENIAL_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Denial:
    """One denied attempt, waiting to be counted in the audit log."""

    bind: Engine | Connection
    user_id: int
    object_type: str
    object_id: str
    member_id: int | None
    client: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


_deferred: ContextVar[list[Denial] | None] = ContextVar("mixshare_deferred_denials", default=None)


def record_denial(
    session: Session,
    *,
    user: User,
    object_type: str,
    object_id: int | str,
    member_id: int | None = None,
    client: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Count a denied attempt by ``user`` (kept although the request fails).

    Inside :func:`deferring_denials` (every web request) the entry is written after the
    response has been sent, so that asking for another member's id answers exactly as fast
    as asking for a missing one; elsewhere it is written at once, apart from ``session``.
    """
    denial = Denial(
        bind=session.get_bind(),
        user_id=user.id,
        object_type=object_type,
        object_id=str(object_id),
        member_id=member_id,
        client=client[:64],
        at=now_local(),
        detail=detail or {},
    )
    pending = _deferred.get()
    if pending is None:
        write_denials([denial])
    else:
        pending.append(denial)


@contextmanager
def deferring_denials() -> Iterator[list[Denial]]:
    """Collect the denials recorded within (for :func:`write_denials` afterwards)."""
    pending: list[Denial] = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)


def write_denials(denials: list[Denial]) -> None:
    """Add each denial to its user's entry of the last minute, or start a new entry: a
    member probing ids at speed adds one row a minute, not one per probe."""
    for denial in denials:
        with Session(bind=denial.bind) as apart:
            _count_denial(apart, denial)
            apart.commit()


def _count_denial(session: Session, denial: Denial) -> None:
    recent = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == "denied",
            AuditEntry.user_id == denial.user_id,
            AuditEntry.at > denial.at - DENIAL_WINDOW,
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
        .with_for_update()
    ).first()
    last = {"object_type": denial.object_type, "object_id": denial.object_id, **denial.detail}
    if recent is not None:
        recent.detail = {**recent.detail, "count": recent.detail.get("count", 1) + 1, "last": last}
        return
    record(
        session,
        action="denied",
        object_type=denial.object_type,
        object_id=denial.object_id,
        user=session.get(User, denial.user_id),
        member_id=denial.member_id,
        client=denial.client,
        detail={**denial.detail, "count": 1},
    ).at = denial.at


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
