"""Lines: process settings per compound stage, batch arithmetic, outages and maintenance
windows, editing a line's name and stage settings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import CompoundVersion
from mixshare.errors import NotFound, Problem, ValidationFailed, pydantic_problems
from mixshare.lines.models import Calendar, Downtime, Line, LineCompoundStage, LineStage
from mixshare.settings import now_local
from mixshare.validation import Id, Identifier, Moment, Number, Text

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class StageSetting:
    """Effective process setting of one compound stage on one line."""

    fill_factor: float
    cycle_minutes: float
    kwh_per_kg: float


@dataclass(frozen=True)
class StageRun:
    """How a quantity of one compound stage runs on one line."""

    batch_kg: float
    batches: int
    minutes: int
    kwh: float


def get_all(session: Session) -> list[Line]:
    return list(session.scalars(select(Line).order_by(Line.code)))


def get(session: Session, line_id: int) -> Line:
    line = session.get(Line, line_id)
    if line is None:
        raise NotFound(f"line {line_id} not found")
    return line


def get_by_code(session: Session, code: str) -> Line:
    line = session.scalar(select(Line).where(Line.code == code))
    if line is None:
        raise NotFound(f"line {code!r} not found")
    return line


def stage_setting(
    line: Line, stage: str, override: LineCompoundStage | None = None
) -> StageSetting | None:
    """The line's default for ``stage`` with a compound override applied; None if the line
    may not run the stage."""
    default = line.setting(stage)
    if default is None:
        return None
    if override is None:
        return StageSetting(default.fill_factor, default.cycle_minutes, default.kwh_per_kg)
    return StageSetting(
        fill_factor=override.fill_factor or default.fill_factor,
        cycle_minutes=override.cycle_minutes or default.cycle_minutes,
        kwh_per_kg=override.kwh_per_kg or default.kwh_per_kg,
    )


def batch_kg(net_volume_l: float, density: float, fill_factor: float) -> float:
    """Batch weight = net chamber volume x compound density x fill factor (L x kg/L = kg)."""
    return net_volume_l * density * fill_factor


def stage_run(line: Line, density: float, setting: StageSetting, kg: float) -> StageRun:
    """Batches, minutes and energy to mix ``kg`` of a compound stage on ``line``.

    The last batch may be partial, but it still takes a whole cycle.
    """
    weight = batch_kg(line.net_volume_l, density, setting.fill_factor)
    batches = max(1, math.ceil(kg / weight - 1e-9))
    minutes = max(1, math.ceil(batches * setting.cycle_minutes - 1e-9))
    return StageRun(weight, batches, minutes, kg * setting.kwh_per_kg)


def compound_overrides(
    session: Session, version: CompoundVersion
) -> dict[tuple[int, str], LineCompoundStage]:
    rows = session.scalars(
        select(LineCompoundStage).where(LineCompoundStage.compound_version_id == version.id)
    )
    return {(row.line_id, row.stage): row for row in rows}


def declare_outage(
    session: Session,
    *,
    line_id: int,
    start: datetime,
    end: datetime,
    reason: str = "",
    now: datetime | None = None,
) -> Downtime:
    """Record that a line cannot run from ``start`` to ``end`` (at most 60 days, within
    five years of now)."""
    data = {"line_id": line_id, "start": start, "end": end, "kind": "outage", "reason": reason}
    parsed = _parsed(DowntimeIn, data)
    get(session, parsed.line_id)  # NotFound for an unknown line
    _check_near(parsed, now or now_local())
    downtime = Downtime(**parsed.model_dump())
    session.add(downtime)
    session.flush()
    return downtime


def _check_near(window: DowntimeIn, now: datetime) -> None:
    """A downtime is declared for the coming months, not for 9999 nor for long ago."""
    if window.start > now + MAX_DOWNTIME_AHEAD:
        raise ValidationFailed(
            [Problem("start", "starts more than five years from now", f"{window.start}")]
        )
    if window.end < now - MAX_DOWNTIME_AHEAD:
        raise ValidationFailed([Problem("end", "ended more than five years ago", f"{window.end}")])


# --- editing lines and maintenance windows -------------------------------------------------

STAGES = ("MB", "RM", "FB")
DOWNTIME_KINDS = ("maintenance", "outage")
MAX_DOWNTIME_AHEAD = timedelta(days=5 * 365)


class StageIn(BaseModel):
    """A stage the line may run, with the line's defaults for it."""

    model_config = ConfigDict(extra="forbid")

    stage: Literal["MB", "RM", "FB"]
    fill_factor: Number = Field(ge=0.4, le=0.95)
    cycle_minutes: Number = Field(gt=0, le=60)
    kwh_per_kg: Number = Field(gt=0, le=5)


class LineChange(BaseModel):
    """What the center may edit on a line: its name and its stage settings (the code, the
    chamber volume and the power are the machine's and stay)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text | None = Field(default=None, min_length=1, max_length=120)
    mixer_type: Text | None = Field(default=None, max_length=40)
    stages: list[StageIn] | None = Field(default=None, min_length=1)

    @field_validator("stages")
    @classmethod
    def _one_setting_per_stage(cls, value: list[StageIn] | None) -> list[StageIn] | None:
        if value is not None:
            seen = [s.stage for s in value]
            if len(seen) != len(set(seen)):
                raise ValueError("each stage may be given once")
        return value


class LineIn(BaseModel):
    """A whole line as a center sets it up: the machine, its calendar and its stages."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: Identifier = Field(max_length=16)
    name: Text = Field(min_length=1, max_length=120)
    mixer_type: Text = Field(default="", max_length=40)
    net_volume_l: Number = Field(gt=0, le=2000)
    rated_power_kw: Number = Field(gt=0, le=50000)
    calendar_id: Id | None = None
    stages: list[StageIn] = Field(min_length=1)

    @field_validator("stages")
    @classmethod
    def _one_setting_per_stage(cls, value: list[StageIn]) -> list[StageIn]:
        seen = [s.stage for s in value]
        if len(seen) != len(set(seen)):
            raise ValueError("each stage may be given once")
        return value


def save_line(session: Session, data: LineIn | Mapping[str, Any]) -> tuple[Line, bool]:
    """Create the line of its code or replace what the existing one holds (its stages are
    the given ones); (line, created)."""
    parsed = _parsed(LineIn, data)
    line = session.scalar(select(Line).where(Line.code == parsed.code))
    created = line is None
    if line is None:
        line = Line(code=parsed.code)
        session.add(line)
    line.name, line.mixer_type = parsed.name, parsed.mixer_type
    line.net_volume_l, line.rated_power_kw = parsed.net_volume_l, parsed.rated_power_kw
    line.calendar_id = parsed.calendar_id
    session.flush()
    change = LineChange(name=parsed.name, mixer_type=parsed.mixer_type, stages=parsed.stages)
    return update_line(session, line.id, change), created


def create_line(session: Session, data: LineIn | Mapping[str, Any]) -> Line:
    """A new line; its code may not be taken."""
    parsed = _parsed(LineIn, data)
    if session.scalar(select(Line.id).where(Line.code == parsed.code)) is not None:
        raise ValidationFailed([Problem("code", "a line with this code exists", parsed.code)])
    _check_calendar(session, parsed.calendar_id)
    return save_line(session, parsed)[0]


def assign_calendar(session: Session, line_id: int, calendar_id: int | None) -> Line:
    """The line works by ``calendar_id``'s shifts (None: around the clock)."""
    line = get(session, line_id)
    _check_calendar(session, calendar_id)
    line.calendar_id = calendar_id
    session.flush()
    return line


def _check_calendar(session: Session, calendar_id: int | None) -> None:
    if calendar_id is not None and session.get(Calendar, calendar_id) is None:
        raise ValidationFailed([Problem("calendar_id", "unknown calendar", str(calendar_id))])


class DowntimeIn(BaseModel):
    """A window in which a line cannot run (planned maintenance, or an outage)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    line_id: Id
    start: Moment
    end: Moment
    kind: Literal["maintenance", "outage"] = "maintenance"
    reason: Text = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _ends_after_start(self) -> DowntimeIn:
        if self.end <= self.start:
            raise ValueError("the window must end after it starts")
        if self.end - self.start > timedelta(days=60):
            raise ValueError(
                "a window longer than 60 days is a decommissioned line, not a downtime"
            )
        return self


def _parsed(model: type[T], data: Mapping[str, Any] | BaseModel) -> T:
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data if isinstance(data, Mapping) else data.model_dump())
    except ValidationError as exc:
        raise ValidationFailed(_problems(exc)) from exc


def _problems(exc: ValidationError) -> list[Problem]:
    problems = pydantic_problems(exc)
    # a model-level complaint about the window belongs to its end
    return [Problem("end", p.message, p.value) if p.location == "input" else p for p in problems]


def update_line(session: Session, line_id: int, changes: LineChange | Mapping[str, Any]) -> Line:
    """Rename a line and/or replace its stage settings (the stages it may run)."""
    parsed = _parsed(LineChange, changes)
    line = get(session, line_id)
    if parsed.name is not None:
        line.name = parsed.name
    if parsed.mixer_type is not None:
        line.mixer_type = parsed.mixer_type
    if parsed.stages is not None:
        wanted = {s.stage: s for s in parsed.stages}
        for setting in list(line.stage_settings):
            if setting.stage not in wanted:
                line.stage_settings.remove(setting)
        for stage, given in wanted.items():
            setting = line.setting(stage) or LineStage(stage=stage)
            if setting not in line.stage_settings:
                line.stage_settings.append(setting)
            setting.fill_factor = given.fill_factor
            setting.cycle_minutes = given.cycle_minutes
            setting.kwh_per_kg = given.kwh_per_kg
    session.flush()
    return line


def downtimes(session: Session, *, limit: int = 200) -> list[Downtime]:
    """Latest downtimes first."""
    return list(session.scalars(select(Downtime).order_by(Downtime.start.desc()).limit(limit)))


def create_downtime(
    session: Session, data: DowntimeIn | Mapping[str, Any], now: datetime | None = None
) -> Downtime:
    """A maintenance window (or outage) on a line; it may not end in the past nor overlap
    another window of the same line."""
    parsed = _parsed(DowntimeIn, data)
    try:
        line = get(session, parsed.line_id)
    except NotFound:
        raise ValidationFailed([Problem("line_id", "unknown line", str(parsed.line_id))]) from None
    if parsed.end <= (now or now_local()):
        raise ValidationFailed([Problem("end", "the window is over already", f"{parsed.end}")])
    _check_near(parsed, now or now_local())
    clash = session.scalar(
        select(Downtime).where(
            Downtime.line_id == line.id, Downtime.start < parsed.end, Downtime.end > parsed.start
        )
    )
    if clash is not None:
        raise ValidationFailed(
            [
                Problem(
                    "start",
                    f"overlaps the {clash.kind} of {line.code} from {clash.start:%Y-%m-%d %H:%M} "
                    f"to {clash.end:%Y-%m-%d %H:%M}",
                    f"{parsed.start}",
                )
            ]
        )
    downtime = Downtime(**parsed.model_dump())
    session.add(downtime)
    session.flush()
    return downtime


def delete_downtime(session: Session, downtime_id: int) -> Downtime:
    """Remove a downtime (the next plan may use the line again); returns the removed row."""
    downtime = session.get(Downtime, downtime_id)
    if downtime is None:
        raise NotFound(f"downtime {downtime_id} not found")
    session.delete(downtime)
    session.flush()
    return downtime
