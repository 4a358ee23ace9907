"""``/api/v1/members``: the member companies. A member's users see only their own company."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from mixshare.access import AccessDep, Reader
from mixshare.members import service
from mixshare.web.api_common import PROBLEMS
from mixshare.web.params import PathId

router = APIRouter(prefix="/members", tags=["members"], responses=PROBLEMS)


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    name_en: str
    products: str
    priority_weight: float


@router.get("", response_model=list[MemberRead])
def list_members(access: AccessDep, user: Reader) -> list[MemberRead]:
    if access.scope is not None:
        return [MemberRead.model_validate(service.get(access.session, access.scope))]
    return [MemberRead.model_validate(m) for m in service.get_all(access.session)]


@router.get("/{member_id}", response_model=MemberRead)
def get_member(member_id: PathId, access: AccessDep, user: Reader) -> MemberRead:
    access.guard("member", member_id)
    return MemberRead.model_validate(service.get(access.session, member_id))
