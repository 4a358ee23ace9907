"""``/api/v1/audit``: the audit log, for the center admin only."""

from __future__ import annotations

from fastapi import APIRouter

from mixshare.access import AuditReader
from mixshare.audit import service
from mixshare.audit.schemas import AuditRead
from mixshare.validation import Moment
from mixshare.web.api_common import PROBLEMS, Page, PagingDep, page_of
from mixshare.web.deps import SessionDep
from mixshare.web.params import OptionalQueryId

router = APIRouter(prefix="/audit", tags=["audit"], responses=PROBLEMS)


@router.get("", response_model=Page[AuditRead])
def list_entries(
    session: SessionDep,
    paging: PagingDep,
    reader: AuditReader,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    user_id: OptionalQueryId = None,
    member_id: OptionalQueryId = None,
    since: Moment | None = None,
    until: Moment | None = None,
) -> Page[AuditRead]:
    """Newest first; filter by action (e.g. ``denied``), object, user, member or time."""
    f = service.AuditFilter(action, object_type, object_id, user_id, member_id, since, until)
    entries = service.get_all(session, f, limit=paging.limit, offset=paging.offset)
    items = [AuditRead.model_validate(e) for e in entries]
    return page_of(items, service.count(session, f), paging)
