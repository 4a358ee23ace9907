"""Accounts, passwords, login throttling, API tokens and browser sessions.

Functions take an optional ``member_id`` scope (a member admin manages only its own
company's users); users of other members are reported as not found.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from mixshare.errors import MixshareError, NotFound, Problem, ValidationFailed, validated
from mixshare.members.models import Member
from mixshare.settings import now_local
from mixshare.users.models import MEMBER_ROLES, ApiToken, LoginFailure, User, WebSession
from mixshare.users.schemas import UserCreate, UserUpdate

HASHER = PasswordHasher()
# Verified when the username is unknown, so that timing does not reveal which users exist.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER_AND_CLIENT = 5
MAX_FAILURES_PER_CLIENT = 20
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_LIFETIME = timedelta(days=90)


class AuthenticationFailed(MixshareError):
    """Unknown user, wrong password or inactive account (deliberately not told apart)."""


class Throttled(MixshareError):
    """Too many failed logins for this user from this client (see :func:`check_throttle`);
    try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins; try again in {retry_after // 60 + 1} minutes")


def digest(secret: str) -> str:
    """SHA-256 of a random token: what is stored instead of the token."""
    return hashlib.sha256(secret.encode()).hexdigest()


# --- passwords -----------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- reading -------------------------------------------------------------------------------


def get(session: Session, user_id: int, member_id: int | None = None) -> User:
    user = session.get(User, user_id)
    if user is None or (member_id is not None and user.member_id != member_id):
        raise NotFound(f"user {user_id} not found")
    return user


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.lower())).one_or_none()


def get_all(
    session: Session, member_id: int | None = None, *, limit: int = 100, offset: int = 0
) -> list[User]:
    stmt = select(User).order_by(User.username).limit(limit).offset(offset)
    if member_id is not None:
        stmt = stmt.where(User.member_id == member_id)
    return list(session.scalars(stmt))


def count(session: Session, member_id: int | None = None) -> int:
    stmt = select(func.count(User.id))
    if member_id is not None:
        stmt = stmt.where(User.member_id == member_id)
    return int(session.scalar(stmt) or 0)


# --- writing -------------------------------------------------------------------------------


def _role_problems(
    session: Session, role: str, member_id: int | None, scope: int | None
) -> list[Problem]:
    """What is wrong with giving ``role`` at ``member_id`` when acting within ``scope``."""
    if role in MEMBER_ROLES:
        if member_id is None:
            return [Problem("member_id", "required for a member role", role)]
        if session.get(Member, member_id) is None or (scope is not None and member_id != scope):
            return [Problem("member_id", "unknown member", str(member_id))]
        return []
    if scope is not None:
        return [Problem("role", "a member admin may only give member roles", role)]
    if member_id is not None:
        return [Problem("member_id", "center roles belong to no member", str(member_id))]
    return []


def create_user(
    session: Session, data: UserCreate | dict[str, Any], member_id: int | None = None
) -> User:
    """Create an account; ``member_id`` scopes a member admin to its own company."""
    spec = validated(UserCreate, data)
    problems = _role_problems(session, spec.role, spec.member_id, member_id)
    if get_by_username(session, spec.username) is not None:
        problems.append(Problem("username", "already taken", spec.username))
    if problems:
        raise ValidationFailed(problems)
    fields = spec.model_dump(exclude={"password"})
    user = User(**fields, password_hash=hash_password(spec.password), created_at=now_local())
    session.add(user)
    session.flush()
    return user


def update_user(
    session: Session,
    user: User,
    changes: UserUpdate | dict[str, Any],
    member_id: int | None = None,
    acting_user_id: int | None = None,
    current_session: str | None = None,
) -> User:
    """Apply ``changes``; nobody may demote or deactivate themselves (no lock-out by mistake).

    A new password or a deactivation ends the user's sessions and revokes their tokens (see
    :func:`revoke_credentials`); ``current_session`` is the cookie of the request making the
    change, kept when users change their own password.
    """
    spec = validated(UserUpdate, changes)
    if member_id is not None and user.member_id != member_id:
        raise NotFound(f"user {user.id} not found")
    role = spec.role or user.role
    target_member = spec.member_id if "member_id" in spec.model_fields_set else user.member_id
    problems = _role_problems(session, role, target_member, member_id)
    if acting_user_id == user.id and (role != user.role or spec.active is False):
        problems.append(Problem("role", "you cannot change your own role or deactivate yourself"))
    if problems:
        raise ValidationFailed(problems)
    _apply(user, spec, role, target_member)
    if not user.active:
        revoke_credentials(session, user)
    elif spec.password is not None:
        own = acting_user_id == user.id
        revoke_credentials(session, user, keep_session=current_session if own else None)
    session.flush()
    return user


def _apply(user: User, spec: UserUpdate, role: str, member_id: int | None) -> None:
    user.role, user.member_id = role, member_id
    for name in ("full_name", "language", "active"):
        value = getattr(spec, name)
        if value is not None:
            setattr(user, name, value)
    if spec.password is not None:
        user.password_hash = hash_password(spec.password)


# --- logging in ----------------------------------------------------------------------------


def check_throttle(session: Session, username: str, client: str) -> None:
    """Raise ``Throttled`` when ``username`` may not try to log in from ``client`` now.

    ``client`` is the real peer address (a forwarded one only from a trusted proxy). Within
    the throttling window:

    - a (username, client) pair with ``MAX_FAILURES_PER_USER_AND_CLIENT`` failures is blocked,
      even with the right password: nobody guesses one account's password from one place;
    - a client with ``MAX_FAILURES_PER_CLIENT`` failures (someone there is guessing or
      spraying) is blocked only for the usernames it has already failed on. A username with
      no failure from it still gets its password checked (against a dummy hash when unknown,
      so the answer takes the same time), and the right password gets in: an attacker behind
      a shared address (office NAT, the center's own network) cannot lock out the colleagues
      there, yet gets at most one more guess per account before that account is blocked too.
    """
    since = now_local() - THROTTLE_WINDOW
    recent = select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
        LoginFailure.at >= since, LoginFailure.client == client
    )
    per_client = session.execute(recent).one()[0]
    pair = recent.where(LoginFailure.username == username.lower())
    per_pair, first_pair = session.execute(pair).one()
    if per_pair >= MAX_FAILURES_PER_USER_AND_CLIENT:
        raise Throttled(_retry_after(first_pair))
    if per_pair > 0 and per_client >= MAX_FAILURES_PER_CLIENT:
        raise Throttled(_retry_after(first_pair))


def _retry_after(first: datetime) -> int:
    return max(1, int((first + THROTTLE_WINDOW - now_local()).total_seconds()))


def record_failure(session: Session, username: str, client: str) -> None:
    session.add(LoginFailure(username=username.lower()[:64], client=client[:64], at=now_local()))
    session.execute(delete(LoginFailure).where(LoginFailure.at < now_local() - THROTTLE_WINDOW))
    session.flush()


def authenticate(session: Session, username: str, password: str, client: str) -> User:
    """The active user with these credentials; throttled per client and per username.

    Failures are written with the caller's session: commit it even when this raises.
    """
    check_throttle(session, username, client)
    user = get_by_username(session, username)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        record_failure(session, username, client)
        raise AuthenticationFailed("wrong username or password")
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.username == user.username, LoginFailure.client == client
        )
    )
    user.last_login_at = now_local()
    session.flush()
    return user


# --- API tokens ----------------------------------------------------------------------------


def create_token(
    session: Session, user: User, name: str = "", lifetime: timedelta | None = TOKEN_LIFETIME
) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the secret (shown once, never stored)."""
    secret = "mx_" + secrets.token_urlsafe(32)
    expires = now_local() + lifetime if lifetime else None
    token = ApiToken(
        user_id=user.id,
        name=name[:80],
        token_hash=digest(secret),
        prefix=secret[:10],
        created_at=now_local(),
        expires_at=expires,
    )
    session.add(token)
    session.flush()
    return token, secret


def token_for_secret(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret, whose user is active; ``None`` otherwise."""
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == digest(secret))
    ).one_or_none()
    if token is None or token.revoked or not token.user.active:
        return None
    if token.expires_at is not None and token.expires_at <= now_local():
        return None
    return token


def revoke_token(session: Session, token: ApiToken) -> None:
    token.revoked = True
    session.flush()


# --- browser sessions ----------------------------------------------------------------------


def create_session(session: Session, user: User) -> str:
    """Start a browser session for ``user``; returns the cookie value."""
    secret = secrets.token_urlsafe(32)
    started = now_local()
    session.add(
        WebSession(
            id=digest(secret),
            user_id=user.id,
            created_at=started,
            expires_at=started + SESSION_LIFETIME,
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < started))
    session.flush()
    return secret


def user_for_session(session: Session, secret: str) -> User | None:
    """The active user of a live session cookie, or ``None``."""
    row = session.get(WebSession, digest(secret), options=[joinedload(WebSession.user)])
    if row is None or row.expires_at <= now_local() or not row.user.active:
        return None
    return row.user


def end_session(session: Session, secret: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == digest(secret)))
    session.flush()


def revoke_credentials(session: Session, user: User, keep_session: str | None = None) -> None:
    """End every browser session of ``user`` and revoke every API token they hold.

    Called on a password change and on deactivation: whoever held the old password (or a token
    or cookie obtained with it) is shut out, and reactivating the account later brings none of
    it back, since tokens stay revoked and sessions are gone. ``keep_session`` (a cookie value)
    survives: users who change their own password in the browser stay logged in there, as they
    have just proved they hold that session and know the new password; every other session and
    every token (machine clients, 90-day lifetime) must log in again with the new password.
    """
    ended = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session is not None:
        ended = ended.where(WebSession.id != digest(keep_session))
    session.execute(ended)
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
        .values(revoked=True)
    )
