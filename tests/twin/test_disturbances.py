"""The shared arm's late raw materials and transport to members: a lot never starts before
its materials are there, and an order's lead time and on-time count include the truck."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mixshare.engine.synthetic import generate
from mixshare.twin import assumptions as assumption_file
from mixshare.twin.common import draw
from mixshare.twin.data import Disturbances, Settings, TwinInput, lot_from_problem
from mixshare.twin.run import engine_planner
from mixshare.twin.shared import SharedArm

A = assumption_file.load()


@pytest.fixture(scope="module")
def small() -> TwinInput:
    problem = generate(days=2, load=0.5, seed=3)
    return TwinInput(problem, lot_from_problem(problem))


def _arm(inp: TwinInput, only: str, a: assumption_file.Assumptions) -> SharedArm:
    disturbances = replace(Disturbances.off(), **{only: True})
    settings = Settings(replications=1, seed=4, engine_iterations=1, disturbances=disturbances)
    return SharedArm(inp, settings, a, 0, draw(inp, settings, 0), engine_planner(settings))


def test_a_lot_waits_for_its_late_raw_materials(small: TwinInput) -> None:
    a = A.with_value("shared.late_material_probability", 0.5)
    arm = _arm(small, "late_materials", a)
    result = arm.run()
    assert arm.materials_at, "some first-stage lots have late materials"
    follows = {chain.succ for chain in small.problem.chains}
    assert not follows & set(arm.materials_at), "only first-stage lots wait for materials"
    for lot_id, arrives in arm.materials_at.items():
        assert arrives > arm.lots[lot_id].release
        if lot_id in result.executed:
            assert result.executed[lot_id][1] >= arrives - 1e-6
    # switched off, no lot waits
    assert not _arm(small, "breakdowns", a).materials_at


def test_lead_time_and_on_time_count_the_truck_to_the_member(small: TwinInput) -> None:
    a = A.with_value("shared.transport_hours", 2.0).with_value("shared.transport_cv", 0.0)
    arm = _arm(small, "transport", a)
    result = arm.run()
    lead_h, on_time, orders = 0.0, 0, 0
    by_order: dict[str, list[str]] = {}
    for lot in arm.problem.lots:
        by_order.setdefault(lot.order, []).append(lot.id)
    for ids in by_order.values():
        orders += 1
        end = max(result.executed[i][2] for i in ids) + 120.0  # two hours on the road
        due = next(arm.lots[i].due for i in ids if arm.lots[i].due is not None)
        assert due is not None
        lead_h += (end - min(arm.lots[i].release for i in ids)) / 60.0
        on_time += end <= due
    total = result.total()
    assert total.orders == orders == total.completed
    assert total.lead_h == pytest.approx(lead_h)
    assert total.on_time == on_time


def test_the_engine_plans_early_enough_for_the_truck(small: TwinInput) -> None:
    a = A.with_value("shared.transport_hours", 3.0)
    arm = _arm(small, "transport", a)
    problem = arm._subproblem(0)
    due = {lot.id: lot.due for lot in small.problem.lots}
    for lot in problem.lots:
        if lot.due is not None:
            assert lot.due == (due[lot.id] or 0) - 180
