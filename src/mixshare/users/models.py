"""Users, API tokens, web sessions and failed logins.

A user belongs to the center (``center_admin``, ``planner``, ``operator``, ``quality``), to
exactly one member company (``member_user``, ``member_admin``), or is the account of one mixing
line (``line``: a machine that may only report its batches); the database enforces it.
Secrets are never stored: passwords as argon2 hashes, tokens and session ids as SHA-256
digests (they are random 256-bit values, so a fast digest is enough).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base
from mixshare.members.models import Member

CENTER_ROLES = ("center_admin", "planner", "operator", "quality")
MEMBER_ROLES = ("member_user", "member_admin")
LINE_ROLES = ("line",)
PEOPLE_ROLES = CENTER_ROLES + MEMBER_ROLES
ROLES = PEOPLE_ROLES + LINE_ROLES
LANGUAGES = ("zh_CN", "en")


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


ROLE_MATCHES_MEMBER = (
    f"(role IN ({_quoted(MEMBER_ROLES)}) AND member_id IS NOT NULL AND line_id IS NULL) OR "
    f"(role IN ({_quoted(CENTER_ROLES)}) AND member_id IS NULL AND line_id IS NULL) OR "
    f"(role IN ({_quoted(LINE_ROLES)}) AND member_id IS NULL AND line_id IS NOT NULL)"
)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(ROLE_MATCHES_MEMBER, name="role_matches_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id"), nullable=True, index=True
    )
    # The one line a ``line`` account reports for (NULL for every other role).
    line_id: Mapped[int | None] = mapped_column(ForeignKey("line.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    member: Mapped[Member | None] = relationship()

    @property
    def is_member_user(self) -> bool:
        """True for users of a member company (their view is scoped to that member)."""
        return self.role in MEMBER_ROLES

    @property
    def scope(self) -> int | None:
        """The member id every query of this user is restricted to; None for center roles."""
        return self.member_id if self.is_member_user else None


class ApiToken(Base):
    """A bearer token for a machine client (a member's ERP), acting as its user."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A browser session; the cookie holds a random token, the row its SHA-256 digest."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """One failed login, kept for the throttling window."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
