"""Member companies: reading, and creating/editing them (center admin)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.members.models import Member
from mixshare.validation import Number, Text

T = TypeVar("T", bound=BaseModel)


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


# --- writing -------------------------------------------------------------------------------


class MemberIn(BaseModel):
    """A member company as the center admin enters it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=2, max_length=16, pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
    name: Text = Field(min_length=1, max_length=120)
    name_en: Text = Field(default="", max_length=120)
    products: Text = Field(default="", max_length=200)
    priority_weight: Number = Field(default=1.0, ge=0.1, le=10)


class MemberChange(BaseModel):
    """Fields of a member that may change (the code never does: other rows show it)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text | None = Field(default=None, min_length=1, max_length=120)
    name_en: Text | None = Field(default=None, max_length=120)
    products: Text | None = Field(default=None, max_length=200)
    priority_weight: Number | None = Field(default=None, ge=0.1, le=10)


def _parsed(model: type[T], data: Mapping[str, Any] | BaseModel) -> T:
    """``data`` as ``model``; an instance of another model is read as its fields."""
    if not isinstance(data, Mapping | model):
        data = data.model_dump()
    return validated(model, data)


def _code_taken(session: Session, code: str) -> list[Problem]:
    if session.scalar(select(Member.id).where(Member.code == code)) is None:
        return []
    return [Problem("code", "a member with this code exists", code)]


def create_member(session: Session, data: MemberIn | Mapping[str, Any]) -> Member:
    """A new member company; its code must be free."""
    try:
        parsed = _parsed(MemberIn, data)
    except ValidationFailed as exc:
        code = data.get("code") if isinstance(data, Mapping) else None
        taken = _code_taken(session, code.strip()) if isinstance(code, str) else []
        raise ValidationFailed(exc.problems + taken) from exc
    problems = _code_taken(session, parsed.code)
    if problems:
        raise ValidationFailed(problems)
    member = Member(**parsed.model_dump())
    session.add(member)
    session.flush()
    return member


def update_member(
    session: Session, member_id: int, changes: MemberChange | Mapping[str, Any]
) -> Member:
    """Change name, English name, products or priority weight of a member."""
    parsed = _parsed(MemberChange, changes)
    member = get(session, member_id)
    for name, value in parsed.model_dump(exclude_none=True).items():
        setattr(member, name, value)
    session.flush()
    return member
