"""The shared arm's rolling re-plan: a rush order is planned at the first re-plan after it is
announced, and rush orders do not drag the other orders late."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from mixshare.engine.problem import Problem
from mixshare.engine.solution import Schedule
from mixshare.engine.synthetic import generate
from mixshare.twin import assumptions as assumption_file
from mixshare.twin.common import draw
from mixshare.twin.data import Disturbances, Settings, TwinInput, lot_from_problem
from mixshare.twin.results import kpis
from mixshare.twin.run import engine_planner
from mixshare.twin.shared import SharedArm

# a full center (load 1.0, three days) and many rush orders (a third of the orders): inserted
# into the packed least-change plan they used to make a sixth more of all orders late
A = assumption_file.load().with_value("shared.rush_probability", 0.3)
RUSH_ONLY = replace(Disturbances.off(), rush_orders=True)


@pytest.fixture(scope="module")
def full() -> TwinInput:
    problem = generate(days=3, load=1.0, seed=1)
    return TwinInput(problem, lot_from_problem(problem))


Seen = list[tuple[float, set[str]]]


def _arm(inp: TwinInput, rush: bool, fresh: bool = True) -> tuple[SharedArm, Seen]:
    settings = Settings(
        replications=1,
        engine_iterations=2,
        replan_fresh=fresh,
        disturbances=RUSH_ONLY if rush else Disturbances.off(),
    )
    base = engine_planner(settings)
    seen: Seen = []

    def planner(problem: Problem, seed: int) -> Schedule:
        schedule = base(problem, seed)
        seen.append((arm.env.now, {s.lot for s in schedule.lots}))
        return schedule

    arm = SharedArm(inp, settings, A, 0, draw(inp, settings, 0), planner)
    return arm, seen


def test_a_rush_order_is_planned_at_the_first_replan_after_its_announcement(
    full: TwinInput,
) -> None:
    arm, seen = _arm(full, rush=True)
    arm.run()
    step = arm.settings.replan_hours * 60
    urgent = [lot for lot in arm.problem.lots if lot.urgent]
    assert len({lot.order for lot in urgent}) >= 20
    for lot in urgent:
        replan = math.ceil(lot.release / step) * step  # lot.release: its announcement
        assert not any(lot.id in lots for now, lots in seen if now < lot.release), lot.id
        if replan < arm.problem.horizon:
            assert any(now == replan and lot.id in lots for now, lots in seen), lot.id
        assert lot.id in arm.runs, lot.id


def test_rush_orders_do_not_make_the_other_orders_late(full: TwinInput) -> None:
    calm, _ = _arm(full, rush=False)
    on_time_calm = kpis(calm.run(), A)["on_time_rate"]
    rushed, _ = _arm(full, rush=True)
    on_time_rush = kpis(rushed.run(), A)["on_time_rate"]
    assert on_time_calm >= 0.85
    assert on_time_rush >= on_time_calm - 0.05
    assert rushed.fresh_plans > 0  # the planner re-sequenced instead of pushing every lot
    # the least-change re-plan alone pushes the packed plan's lots past their due times
    pushed, _ = _arm(full, rush=True, fresh=False)
    assert kpis(pushed.run(), A)["on_time_rate"] < on_time_rush - 0.05
