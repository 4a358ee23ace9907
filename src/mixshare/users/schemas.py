"""Input and output schemas for users and tokens (checks that need no database)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mixshare.center_time import CenterDateTime
from mixshare.validation import Id, Text, Username

Role = Literal["center_admin", "planner", "operator", "quality", "member_user", "member_admin"]
Language = Literal["zh_CN", "en"]

MIN_PASSWORD = 8
MAX_PASSWORD = 256


class UserCreate(BaseModel):
    """A new account; ``member_id`` is required for member roles and forbidden otherwise."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    username: Username
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)
    role: Role
    member_id: Id | None = None
    full_name: Text = Field(default="", max_length=120)
    language: Language = "zh_CN"
    active: bool = True


class UserUpdate(BaseModel):
    """Changes to an account; ``None`` keeps the current value."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    password: str | None = Field(default=None, min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)
    role: Role | None = None
    member_id: Id | None = None
    full_name: Text | None = Field(default=None, max_length=120)
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
    created_at: CenterDateTime
    last_login_at: CenterDateTime | None


class TokenCreated(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: CenterDateTime | None = None
