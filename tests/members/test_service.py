"""Creating and editing member companies."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mixshare.errors import NotFound, ValidationFailed
from mixshare.members import service as members


def where(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {p.location for p in exc.value.problems}


def test_create_and_edit_member(session: Session) -> None:
    member = members.create_member(
        session, {"code": "M11", "name": "成员十一", "name_en": "Eleven", "priority_weight": 1.5}
    )
    assert members.get_by_code(session, "M11") is member and member.products == ""
    members.update_member(session, member.id, {"name": "新名", "products": "tyres"})
    assert (member.name, member.products, member.priority_weight) == ("新名", "tyres", 1.5)


def test_bad_members_are_refused(session: Session) -> None:
    members.create_member(session, {"code": "M11", "name": "x"})
    with pytest.raises(ValidationFailed) as exc:
        members.create_member(session, {"code": "M11", "name": "again"})
    assert where(exc) == {"code"}
    with pytest.raises(ValidationFailed) as exc:
        members.create_member(session, {"code": "m 1", "name": "", "priority_weight": 99})
    assert where(exc) == {"code", "name", "priority_weight"}
    with pytest.raises(ValidationFailed) as exc:
        members.update_member(session, 1, {"code": "M99", "name": ""})
    assert where(exc) == {"code", "name"}
    with pytest.raises(NotFound):
        members.update_member(session, 999, {"name": "x"})
