"""The twin's re-planner hands the engine at most what the lines can mix within the planned
horizon (less a share for changeovers): earliest due orders first, whole orders, nothing
dropped below capacity."""

from __future__ import annotations

from dataclasses import replace

from mixshare.engine.problem import Placement, Problem
from mixshare.engine.synthetic import generate
from mixshare.twin.run import PLANNED_SHARE, within_capacity


def _available(problem: Problem) -> float:
    return PLANNED_SHARE * sum(
        problem.horizon
        - sum(max(0, min(iv.end, problem.horizon) - max(iv.start, 0)) for iv in line.unavailable)
        for line in problem.lines
    )


def _minutes(problem: Problem) -> int:
    return sum(min(o.minutes for o in lot.options) for lot in problem.lots)


def test_below_capacity_the_problem_is_planned_as_given() -> None:
    problem = generate(days=2, load=0.5, seed=3)
    assert _minutes(problem) <= _available(problem)
    assert within_capacity(problem) is problem


def test_an_overloaded_problem_keeps_the_earliest_due_whole_orders_that_fit() -> None:
    problem = generate(days=2, load=2.5, seed=3)
    first = problem.lots[0]
    problem = replace(problem, previous=(Placement(first.id, first.options[0].line, 0),))
    capacity = _available(problem)
    kept = within_capacity(problem)
    assert 0 < _minutes(kept) <= capacity < _minutes(problem)
    orders = {lot.order for lot in kept.lots}
    # whole orders, and their chains and previous placements with them
    assert {lot.id for lot in kept.lots} == {lot.id for lot in problem.lots if lot.order in orders}
    ids = {lot.id for lot in kept.lots}
    assert all(c.pred in ids and c.succ in ids for c in kept.chains)
    assert len(kept.chains) == sum(1 for c in problem.chains if c.succ in ids)
    assert all(p.lot in ids for p in kept.previous)

    def due(order: str) -> int:
        dues = [lot.due for lot in problem.lots if lot.order == order and lot.due is not None]
        return min(dues) if dues else problem.horizon

    left = {lot.order for lot in problem.lots} - orders
    assert max(due(o) for o in orders) <= min(due(o) for o in left)
    # the next order by due would not have fitted
    nxt = min(left, key=lambda o: (due(o), o))
    extra = sum(min(x.minutes for x in lot.options) for lot in problem.lots if lot.order == nxt)
    assert _minutes(kept) + extra > capacity
