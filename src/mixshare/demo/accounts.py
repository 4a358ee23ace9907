"""Demo logins: the center's staff and one user per member company, all with one password.

The password comes from ``MIXSHARE_DEMO_PASSWORD`` when set; otherwise the caller generates one
(``secrets.token_urlsafe(9)``) and prints it with the logins.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mixshare.members import service as members
from mixshare.users import service as users
from mixshare.users.models import User

CENTER_ACCOUNTS = (
    ("admin", "center_admin"),
    ("planner", "planner"),
    ("operator", "operator"),
    ("quality", "quality"),
)
MEMBER_CODES = tuple(f"M{n:02d}" for n in range(1, 11))


def _account(
    session: Session, username: str, role: str, member_id: int | None, password: str
) -> None:
    """Create the account, or reset an existing one to this role and password."""
    user: User | None = users.get_by_username(session, username)
    if user is None:
        users.create_user(
            session,
            {"username": username, "password": password, "role": role, "member_id": member_id},
        )
        return
    user.role, user.member_id, user.active = role, member_id, True
    user.password_hash = users.hash_password(password)


def create_demo_accounts(session: Session, password: str) -> list[tuple[str, str]]:
    """``admin``, ``planner``, ``operator``, ``quality``, ``m01``…``m10`` (member users of
    M01…M10) and ``m01admin``; returns (username, role) in that order. Idempotent."""
    created: list[tuple[str, str]] = []
    for username, role in CENTER_ACCOUNTS:
        _account(session, username, role, None, password)
        created.append((username, role))
    for code in MEMBER_CODES:
        member = members.get_by_code(session, code)
        _account(session, code.lower(), "member_user", member.id, password)
        created.append((code.lower(), f"member_user {code}"))
    m01 = members.get_by_code(session, "M01")
    _account(session, "m01admin", "member_admin", m01.id, password)
    created.append(("m01admin", "member_admin M01"))
    session.flush()
    return created
