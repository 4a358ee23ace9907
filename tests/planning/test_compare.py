"""The compare view's lateness and cost changes: before, after, change and its direction."""

from __future__ import annotations

from datetime import datetime

from mixshare.planning.compare import kpi_changes
from mixshare.planning.models import Plan


def _plan(version: int, objective: float, **kpis: float) -> Plan:
    moment = datetime(2031, 3, 3)
    return Plan(
        version=version,
        created_at=moment,
        horizon_start=moment,
        horizon_end=moment,
        method="engine",
        objective=objective,
        kpis=kpis,
    )


def test_changes_say_better_and_worse() -> None:
    before = _plan(1, 1000.0, weighted_tardiness=1229, changeover_hours=70.0, energy_cost=500)
    after = _plan(2, 900.0, weighted_tardiness=12794, changeover_hours=65.5)
    changes = {c.key: c for c in kpi_changes(after, before)}
    assert changes["weighted_tardiness"].change == 12794 - 1229
    assert changes["weighted_tardiness"].direction == "worse"
    assert changes["changeover_hours"].direction == "better"
    assert changes["objective"].change == -100.0
    assert changes["energy_cost"].change is None and changes["energy_cost"].direction == "same"
