"""Who may see and do what: the one place that decides, for API routes, pages and exports alike.

Three rules, kept apart:

- **Permissions** are typed, one per action ("may write orders", "may plan", …). Every route
  names the one it needs in its signature (``user: OrderWriter``); a caller without it gets
  403 on the API and 404 on a page (pages answer every refusal alike). ``may(user,
  WRITE_ORDERS)`` asks the same question anywhere else (templates get ``granted(user)``), so
  the API and the pages cannot disagree.
- **Member isolation** is absolute: a member's users reach only their own company's objects.
  Lists are limited to ``Access.scope`` (the services filter by it); every route that takes an
  owned object's id calls :meth:`Access.guard`, which answers 404 for another member's object
  (as for a missing one) and keeps an audit entry of the attempt.
- **Recipe secrecy**: a formulation (ingredients, phr) is a member's trade secret. It is shown to
  the owning member's users and to the center roles that need it to mix and to test
  (``operator``, ``quality``, ``center_admin``); never to the planner, who sees only the process
  attributes scheduling needs. Every formulation read by center staff is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

from fastapi import Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from mixshare.audit import service as audit
from mixshare.compounds.models import Compound
from mixshare.errors import NotFound
from mixshare.execution.models import Batch
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.planning.models import PlanLot
from mixshare.stock.models import Delivery
from mixshare.users.models import CENTER_ROLES, MEMBER_ROLES, PEOPLE_ROLES, ROLES, User
from mixshare.web.deps import CurrentUser, SessionDep, client_of, is_api

# --- permissions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Permission:
    """One action, and the roles that may take it."""

    name: str
    roles: frozenset[str]

    def __str__(self) -> str:
        return self.name


def _permission(name: str, *roles: str) -> Permission:
    assert set(roles) <= set(ROLES), roles
    return Permission(name, frozenset(roles))


READ = _permission("read", *PEOPLE_ROLES)
"""Any logged-in person: what they see is still limited to their member (see ``readable``).
A line account (role ``line``) is a machine and reads nothing: it may only ingest."""
WRITE_ORDERS = _permission("write orders", "center_admin", "planner", "member_user", "member_admin")
WRITE_COMPOUNDS = _permission("write compounds", "center_admin", "member_admin")
PLAN = _permission("plan", "center_admin", "planner")
"""Run, re-plan, publish and freeze plans; declare outages and maintenance; rush orders."""
SEE_OPERATIONS = _permission("see the center's operations", *CENTER_ROLES)
"""The board, changeovers, plan diffs, calendars, tariffs and the member list: they show
every member's work at once."""
ADMINISTER = _permission("administer the center", "center_admin")
"""Edit lines, tariffs and members."""
MANAGE_USERS = _permission("manage users", "center_admin", "member_admin")
READ_AUDIT = _permission("read the audit log", "center_admin")
INGEST_BATCHES = _permission("ingest batches", "line", "center_admin")
"""Report batch records through the API (a line account for its own line; the admin for any)."""
RECORD_BATCHES = _permission("record batches", "operator", "center_admin")
"""Record a batch by hand on the shift view (a line without a data link)."""
REVIEW_BATCHES = _permission("review batches", "operator", "quality", "center_admin")
"""See quarantined and conflicting batch documents (any member's data, as sent)."""
TEST_BATCHES = _permission("test batches", "quality", "center_admin")
"""Enter and import lab results, release and hold batches, set specs (the quality lab)."""
HANDLE_STOCK = _permission("handle stock", "operator", "center_admin")
"""Move batches between stock locations and deliver released compound (the shop floor ships;
the lab, which releases, does not)."""
KEEP_ENVIRONMENT = _permission("keep the environment ledger", "center_admin", "operator")
"""Import stack monitoring, record the treatment unit's log, waste containers and transfers."""
READ_STATEMENTS = _permission("read statements", "center_admin", "member_admin", "member_user")
"""Monthly statements: the center admin sees every member's, a member's users their own."""
SEE_TWIN = _permission("see the twin", "center_admin", "planner")
"""The twin's stored results (/twin): per-member tonnes, costs and on-time figures of every
member side by side, so the center's admin and planner only; members see none of it."""
READ_FORMULATION_ROLES = frozenset({"center_admin", "operator", "quality"})
PERMISSIONS = (
    READ,
    WRITE_ORDERS,
    WRITE_COMPOUNDS,
    PLAN,
    SEE_OPERATIONS,
    ADMINISTER,
    MANAGE_USERS,
    READ_AUDIT,
    INGEST_BATCHES,
    RECORD_BATCHES,
    REVIEW_BATCHES,
    TEST_BATCHES,
    HANDLE_STOCK,
    KEEP_ENVIRONMENT,
    READ_STATEMENTS,
    SEE_TWIN,
)


def may(user: User, permission: Permission) -> bool:
    """True if ``user``'s role may take the action."""
    return user.role in permission.roles


def granted(user: User | None) -> dict[str, bool]:
    """Every permission by name (spaces as ``_``) and whether ``user`` has it: for templates,
    which show a form only to those who may send it."""
    return {p.name.replace(" ", "_"): user is not None and may(user, p) for p in PERMISSIONS}


def may_read_formulation(user: User, owner_member_id: int) -> bool:
    """True for the owner member's users and for operator, quality and the center admin."""
    if user.role in MEMBER_ROLES:
        return user.scope == owner_member_id
    return user.role in READ_FORMULATION_ROLES


def allowed(permission: Permission) -> Callable[..., Awaitable[User]]:
    """A dependency giving the current user if they have ``permission``; else 403 on the API
    and 404 on pages."""

    async def check(request: Request, user: CurrentUser) -> User:
        if not may(user, permission):
            if is_api(request):
                roles = ", ".join(sorted(permission.roles))
                raise HTTPException(403, f"this needs one of the roles: {roles}")
            raise HTTPException(404)
        return user

    check.__name__ = f"may_{permission.name.replace(' ', '_')}"
    check.permission = permission  # type: ignore[attr-defined]  # found by the route matrix
    return check


# Typed route parameters: every route names the permission it needs.
Reader = Annotated[User, Depends(allowed(READ))]
OrderWriter = Annotated[User, Depends(allowed(WRITE_ORDERS))]
CompoundWriter = Annotated[User, Depends(allowed(WRITE_COMPOUNDS))]
Planner = Annotated[User, Depends(allowed(PLAN))]
OperationsViewer = Annotated[User, Depends(allowed(SEE_OPERATIONS))]
CenterAdmin = Annotated[User, Depends(allowed(ADMINISTER))]
UserAdmin = Annotated[User, Depends(allowed(MANAGE_USERS))]
AuditReader = Annotated[User, Depends(allowed(READ_AUDIT))]
BatchIngester = Annotated[User, Depends(allowed(INGEST_BATCHES))]
BatchRecorder = Annotated[User, Depends(allowed(RECORD_BATCHES))]
BatchReviewer = Annotated[User, Depends(allowed(REVIEW_BATCHES))]
LabTester = Annotated[User, Depends(allowed(TEST_BATCHES))]
StockHandler = Annotated[User, Depends(allowed(HANDLE_STOCK))]
EnvironmentKeeper = Annotated[User, Depends(allowed(KEEP_ENVIRONMENT))]
StatementReader = Annotated[User, Depends(allowed(READ_STATEMENTS))]
TwinViewer = Annotated[User, Depends(allowed(SEE_TWIN))]


# --- member isolation ----------------------------------------------------------------------


# The owner column of every member-owned object reachable by id: (id column, member column).
OWNED: dict[str, tuple[InstrumentedAttribute[int], InstrumentedAttribute[Any]]] = {
    "order": (Order.id, Order.member_id),
    "compound": (Compound.id, Compound.member_id),
    "lot": (PlanLot.id, PlanLot.member_id),
    "member": (Member.id, Member.id),
    "user": (User.id, User.member_id),
    "batch": (Batch.id, Batch.member_id),
    "delivery": (Delivery.id, Delivery.member_id),
}


def owner_of(session: Session, object_type: str, object_id: int) -> tuple[bool, int | None]:
    """(exists, owning member id) of an owned object."""
    id_column, member_column = OWNED[object_type]
    row = session.execute(select(member_column).where(id_column == object_id)).first()
    return (row is not None, row[0] if row is not None else None)


@dataclass(frozen=True)
class Access:
    """Who asks, from where, in which session: what routes need to guard and to audit."""

    session: Session
    user: User
    request: Request | None = None  # None outside a request (exports, the CLI)

    @property
    def client(self) -> str:
        return client_of(self.request) if self.request is not None else ""

    @property
    def scope(self) -> int | None:
        """The member id a member's user is confined to; ``None`` for center roles."""
        return self.user.scope

    def may(self, permission: Permission) -> bool:
        return may(self.user, permission)

    def guard(self, object_type: str, object_id: int) -> None:
        """404 unless the object exists and the caller may see it; audits foreign attempts."""
        exists, owner = owner_of(self.session, object_type, object_id)
        if not exists:
            raise NotFound(f"{object_type} {object_id} not found")
        self.ensure_visible(object_type, object_id, owner)

    def ensure_visible(self, object_type: str, object_id: int, owner: int | None) -> None:
        if self.scope is not None and owner != self.scope:
            self.deny(object_type, object_id, owner)

    def deny(self, object_type: str, object_id: int, owner: int | None) -> NoReturn:
        """Record a denied attempt (kept although the request fails) and answer 404."""
        where = self.request
        audit.record_denial(
            self.session,
            object_type=object_type,
            object_id=object_id,
            user=self.user,
            member_id=owner,
            client=self.client,
            detail={"method": where.method, "path": where.url.path} if where else {},
        )
        raise NotFound(f"{object_type} {object_id} not found")

    def formulation_visible(self, compound: Compound) -> bool:
        """May the caller see the compound's formulation? A read by center staff is audited."""
        visible = may_read_formulation(self.user, compound.member_id)
        if visible and self.scope is None:
            self.audit(
                "formulation_read",
                "compound",
                compound.id,
                member_id=compound.member_id,
                detail={"code": compound.code},
            )
        return visible

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: int | str | None,
        *,
        member_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """An audit entry in the request's transaction (kept only if the change is)."""
        audit.record(
            self.session,
            action=action,
            object_type=object_type,
            object_id=object_id,
            user=self.user,
            member_id=member_id,
            client=self.client,
            detail=detail,
        )


async def access(request: Request, session: SessionDep, user: CurrentUser) -> Access:
    return Access(session, user, request)


AccessDep = Annotated[Access, Depends(access)]
