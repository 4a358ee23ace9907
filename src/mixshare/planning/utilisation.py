"""Line utilisation: one definition for the dashboard, ``mixshare report`` and the API.

Utilisation of a line over a period = minutes its lots run in the period ÷ the minutes the line
is available in it: the period minus off-shift time, holidays, maintenance and outages (the
line's calendar, :func:`mixshare.lines.calendars.unavailable`). Changeovers are not mixing.
The dashboard used to divide by the whole week less downtimes only (off-shift time counted
as available), so it showed 65.7 % where the report showed 73.9 % for the same plan.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.lines import calendars
from mixshare.lines.models import Line
from mixshare.planning.models import Plan, PlanLot

DEFINITION = (
    "产线运行批次组的时间 ÷ 该产线在期间内的可用时间（扣除非班次、节假日、保养和停机）",
    "Minutes the line runs lots ÷ the line's available minutes in the period"
    " (off-shift time, holidays, maintenance and outages excluded)",
)


def _minutes(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60)


def line_utilisation(
    session: Session, plan: Plan, start: datetime, end: datetime
) -> dict[str, float]:
    """Utilisation (0…1, see the module docstring) of every line, by line code."""
    busy: dict[int, float] = defaultdict(float)
    lots = select(PlanLot.line_id, PlanLot.start, PlanLot.end).where(
        PlanLot.plan_id == plan.id, PlanLot.start < end, PlanLot.end > start
    )
    for line_id, lot_start, lot_end in session.execute(lots):
        busy[line_id] += _minutes(max(lot_start, start), min(lot_end, end))
    shares = {}
    for line in session.scalars(select(Line).order_by(Line.code)):
        down = sum(_minutes(s, e) for s, e in calendars.unavailable(session, line, start, end))
        available = _minutes(start, end) - down
        shares[line.code] = round(min(1.0, busy[line.id] / available), 4) if available > 0 else 0.0
    return shares
