"""Input and output schemas for users and tokens (checks that need no database)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["center_admin", "planner", "operator", "quality", "member_user", "member_admin"]
Language = Literal["zh_CN", "en"]

MIN_PASSWORD = 8
MAX_PASSWORD = 256


def _username_ok(value: str) -> str:
    if not value or any(ch.isspace() for ch in value):
        raise ValueError("a username must be non-empty, without spaces")
    return value.lower()


class UserCreate(BaseModel):
    """A new account; ``member_id`` is required for member roles and forbidden otherwise."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)
    role: Role
    member_id: int | None = None
    full_name: str = Field(default="", max_length=120)
    language: Language = "zh_CN"
    active: bool = True

    _username = field_validator("username")(_username_ok)


class UserUpdate(BaseModel):
    """Changes to an account; ``None`` keeps the current value."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    password: str | None = Field(default=None, min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)
    role: Role | None = None
    member_id: int | None = None
    full_name: str | None = Field(default=None, max_length=120)
    language: Language | None = None
    active: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    role: str
    member_id: int | None
    active: bool
    language: str
    created_at: datetime
    last_login_at: datetime | None


class TokenCreated(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime | None = None
