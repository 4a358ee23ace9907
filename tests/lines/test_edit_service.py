"""Editing lines and maintenance windows through the service: validated, nothing half-written."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.errors import NotFound, ValidationFailed
from mixshare.lines import service as lines
from mixshare.lines.models import Downtime, Line, LineStage

NOW = datetime(2026, 3, 2, 8, 0)


@pytest.fixture
def line(session: Session) -> Line:
    line = Line(code="L1", name="Line 1", net_volume_l=420, rated_power_kw=1500)
    line.stage_settings = [
        LineStage(stage=s, fill_factor=0.72, cycle_minutes=3.0, kwh_per_kg=0.2)
        for s in ("MB", "FB")
    ]
    session.add(line)
    session.commit()
    return line


def where(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {p.location for p in exc.value.problems}


def test_rename_and_replace_stage_settings(session: Session, line: Line) -> None:
    stages = [
        {"stage": "MB", "fill_factor": 0.7, "cycle_minutes": 3.5, "kwh_per_kg": 0.22},
        {"stage": "RM", "fill_factor": 0.68, "cycle_minutes": 2.5, "kwh_per_kg": 0.15},
    ]
    lines.update_line(session, line.id, {"name": "Banbury 1", "stages": stages})
    session.commit()
    session.expire_all()
    assert line.name == "Banbury 1"
    assert {s.stage: s.cycle_minutes for s in line.stage_settings} == {"MB": 3.5, "RM": 2.5}
    assert session.scalar(select(func.count(LineStage.id))) == 2  # FB removed, not orphaned


def test_bad_line_changes_name_each_field(session: Session, line: Line) -> None:
    stages = [
        {"stage": "MB", "fill_factor": 1.5, "cycle_minutes": 0, "kwh_per_kg": 0.2},
        {"stage": "XX", "fill_factor": 0.7, "cycle_minutes": 3, "kwh_per_kg": 0.2},
    ]
    with pytest.raises(ValidationFailed) as exc:
        lines.update_line(session, line.id, {"name": "", "stages": stages})
    assert where(exc) == {
        "name",
        "stages.0.fill_factor",
        "stages.0.cycle_minutes",
        "stages.1.stage",
    }
    with pytest.raises(ValidationFailed) as exc:
        lines.update_line(session, line.id, {"stages": []})
    assert where(exc) == {"stages"}
    twice = [{"stage": "MB", "fill_factor": 0.7, "cycle_minutes": 3, "kwh_per_kg": 0.2}] * 2
    with pytest.raises(ValidationFailed, match="once"):
        lines.update_line(session, line.id, {"stages": twice})
    with pytest.raises(NotFound):
        lines.update_line(session, 999, {"name": "x"})
    session.rollback()
    assert line.name == "Line 1" and len(line.stage_settings) == 2


def window(line: Line, start_hours: int, hours: int, **extra: object) -> dict[str, object]:
    start = NOW + timedelta(hours=start_hours)
    return {"line_id": line.id, "start": start, "end": start + timedelta(hours=hours), **extra}


def test_create_and_delete_maintenance_window(session: Session, line: Line) -> None:
    created = lines.create_downtime(session, window(line, 24, 8, reason="seals"), now=NOW)
    assert (created.kind, created.reason) == ("maintenance", "seals")
    assert lines.downtimes(session) == [created]
    lines.delete_downtime(session, created.id)
    assert session.scalar(select(func.count(Downtime.id))) == 0
    with pytest.raises(NotFound):
        lines.delete_downtime(session, created.id)


def test_bad_windows_are_refused(session: Session, line: Line) -> None:
    lines.create_downtime(session, window(line, 24, 8), now=NOW)
    cases = [
        (window(line, 30, 4), "start", "overlaps"),
        (window(line, -10, 4), "end", "over already"),
        (window(line, 50, 0), "end", "end after it starts"),
        ({**window(line, 50, 2), "line_id": 999}, "line_id", "unknown line"),
        (window(line, 50, 2, kind="party"), "kind", ""),
        ({"line_id": line.id, "start": "soon"}, "start", ""),
    ]
    for data, location, message in cases:
        with pytest.raises(ValidationFailed) as exc:
            lines.create_downtime(session, data, now=NOW)
        assert location in where(exc), (data, exc.value.problems)
        assert message in str(exc.value)
    assert session.scalar(select(func.count(Downtime.id))) == 1
