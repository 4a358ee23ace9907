"""Lines: process settings per compound stage, batch arithmetic, outages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import CompoundVersion
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.lines.models import Downtime, Line, LineCompoundStage


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
    session: Session, *, line_id: int, start: datetime, end: datetime, reason: str = ""
) -> Downtime:
    """Record that a line cannot run from ``start`` to ``end``."""
    line = get(session, line_id)
    if end <= start:
        raise ValidationFailed([Problem("end", "the outage must end after it starts")])
    downtime = Downtime(line_id=line.id, start=start, end=end, kind="outage", reason=reason)
    session.add(downtime)
    session.flush()
    return downtime
