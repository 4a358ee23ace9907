"""One utilisation figure: the dashboard and ``mixshare report`` agree for the same plan."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mixshare.lines import calendars
from mixshare.lines import service as lines_service
from mixshare.lines.models import Holiday
from mixshare.planning import service as planning
from mixshare.planning.board import Window
from mixshare.planning.figures import dashboard_figures
from tests.planning.conftest import DEMO_MONDAY

START = datetime.combine(DEMO_MONDAY, datetime.min.time())


def test_dashboard_and_report_show_the_same_utilisation(demo_session: Session) -> None:
    """They disagreed (65.7 % vs 73.9 %): the dashboard counted off-shift time as available."""
    # a holiday with one shift open: 16 h of the week that are off shift, not downtime
    day = DEMO_MONDAY + timedelta(days=2)
    demo_session.add(Holiday(day=day, name="one shift", open_shifts="08:00-16:00"))
    plan = planning.run_plan(demo_session, start=START, days=7, method="dispatch")
    demo_session.commit()
    week = Window(START, START + timedelta(days=7))
    dashboard = dashboard_figures(demo_session, plan, None, week)["utilisation"]
    report = planning.plan_kpis(demo_session, plan)["utilisation"]
    assert dashboard == report
    assert set(report) == {"L1", "L2"} and all(0 < share <= 1 for share in report.values())
    # the engine's own figure for the horizon is the same definition
    engine = plan.kpis["utilisation"]
    assert all(abs(engine[line] - report[line]) < 1e-3 for line in report)
    # the old dashboard figure (downtimes only) counted the holiday's 16 h as available
    line = lines_service.get_by_code(demo_session, "L1")
    downtime_only = sum(
        (e - s).total_seconds() / 60
        for s, e in calendars.downtimes(demo_session, line.id, week.start, week.end)
    )
    off = sum(
        (e - s).total_seconds() / 60
        for s, e in calendars.unavailable(demo_session, line, week.start, week.end)
    )
    assert off >= downtime_only + 16 * 60
