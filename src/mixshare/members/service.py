"""Reading member companies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import NotFound
from mixshare.members.models import Member


def get(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


def get_by_code(session: Session, code: str) -> Member:
    member = session.scalars(select(Member).where(Member.code == code)).one_or_none()
    if member is None:
        raise NotFound(f"member {code!r} not found")
    return member


def get_all(session: Session) -> list[Member]:
    return list(session.scalars(select(Member).order_by(Member.code)))
