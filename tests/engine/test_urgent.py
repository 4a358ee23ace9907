"""Rush orders: an urgent lot's tardiness outweighs the highest member priority."""

from __future__ import annotations

from dataclasses import replace

from mixshare.engine import search
from mixshare.engine.problem import Problem, Weights
from tests.engine.conftest import judged, line, lot, starts


def test_an_urgent_order_of_a_low_priority_member_goes_first() -> None:
    """Two 60-minute lots due at 60 on one line: one can be on time. Without the rush the
    priority-10 member's lot goes first; marked urgent, the priority-0.1 member's does."""
    big = lot("BIG", 60, due=60, weight=10.0)
    small = lot("SMALL", 60, due=60, weight=0.1)
    normal = search.solve(Problem(horizon=600, lines=(line(),), lots=(big, small)), 1.0)
    judged(Problem(horizon=600, lines=(line(),), lots=(big, small)), normal)
    assert starts(normal)["BIG"][1] == 0

    rushed = Problem(horizon=600, lines=(line(),), lots=(big, replace(small, urgent=True)))
    schedule = search.solve(rushed, 1.0)
    kpis = judged(rushed, schedule)
    assert starts(schedule)["SMALL"][1] == 0
    assert kpis.weighted_tardiness == 10.0 * 60  # only the priority member's lot is late


def test_urgent_weight_is_above_every_member_priority() -> None:
    w = Weights()
    top = lot("T", 10, weight=10.0)  # the highest priority weight a member may have
    low_urgent = replace(lot("U", 10, weight=0.1), urgent=True)
    assert w.tardiness_weight(low_urgent) > w.tardiness_weight(top)
    assert w.tardiness_weight(top) == 10.0
