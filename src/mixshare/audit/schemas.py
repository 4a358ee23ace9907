"""What the audit API answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from mixshare.center_time import CenterDateTime


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: CenterDateTime
    user_id: int | None
    username: str
    actor_member_id: int | None
    action: str
    object_type: str
    object_id: str | None
    member_id: int | None
    client: str
    detail: dict[str, Any]
