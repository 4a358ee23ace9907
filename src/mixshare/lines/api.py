"""``/api/v1/lines``: the center's mixing lines (no secret) and outages declared by planners."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from mixshare.access import AccessDep, Planner, Reader
from mixshare.center_time import CenterDateTime
from mixshare.lines import service
from mixshare.lines.models import Line
from mixshare.validation import Moment, Text
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS
from mixshare.web.params import PathId

router = APIRouter(prefix="/lines", tags=["lines"], responses=PROBLEMS)


class StageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stage: str
    fill_factor: float
    cycle_minutes: float
    kwh_per_kg: float


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    mixer_type: str
    net_volume_l: float
    rated_power_kw: float
    calendar_id: int | None
    stage_settings: list[StageRead]


class OutageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    start: Moment
    end: Moment
    reason: Text = Field(default="", max_length=200)


class DowntimeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    line_id: int
    start: CenterDateTime
    end: CenterDateTime
    kind: str
    reason: str


def line_read(line: Line) -> LineRead:
    return LineRead.model_validate(line)


@router.get("", response_model=list[LineRead])
def list_lines(access: AccessDep, user: Reader) -> list[LineRead]:
    return [line_read(line) for line in service.get_all(access.session)]


@router.get("/{line_id}", response_model=LineRead)
def get_line(line_id: PathId, access: AccessDep, user: Reader) -> LineRead:
    return line_read(service.get(access.session, line_id))


@router.post(
    "/{line_id}/outages", status_code=201, response_model=DowntimeRead, responses=WRITE_PROBLEMS
)
def declare_outage(
    line_id: PathId, body: OutageIn, access: AccessDep, user: Planner
) -> DowntimeRead:
    """The line cannot run from ``start`` to ``end``; the next plan run works around it."""
    downtime = service.declare_outage(
        access.session, line_id=line_id, start=body.start, end=body.end, reason=body.reason
    )
    access.audit(
        "outage",
        "line",
        line_id,
        detail={
            "downtime_id": downtime.id,
            "start": body.start.isoformat(),
            "end": body.end.isoformat(),
        },
    )
    access.session.commit()
    return DowntimeRead.model_validate(downtime)
