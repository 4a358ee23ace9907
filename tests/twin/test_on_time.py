"""The shared arm keeps its promises when it has spare capacity: with every disturbance on,
a center with twice the lines its demand needs delivers at least 95 % of orders on time,
counted from the simulation's own deliveries (last lot's end plus the truck, against the
order's due time), not from the planner's bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixshare.engine.problem import Lot
from mixshare.twin import assumptions as assumption_file
from mixshare.twin import scenario as scenario_file
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.common import draw
from mixshare.twin.data import Disturbances, Settings, TwinInput
from mixshare.twin.run import engine_planner
from mixshare.twin.shared import SharedArm
from mixshare.twin.sweep import with_lines

TOWN = Path(__file__).parents[2] / "src/mixshare/twin/scenarios/small_town.toml"
SETTINGS = Settings(replications=4, engine_iterations=2, drain_days=2, disturbances=Disturbances())


@pytest.fixture(scope="module")
def town() -> tuple[TwinInput, Assumptions]:
    # the example town's week on two lines instead of one: about a third of the calendar used
    spec, a = scenario_file.load(TOWN, assumption_file.load())
    return with_lines(scenario_file.twin_input(spec, weeks=1), 2), a


def _on_time(inp: TwinInput, a: Assumptions) -> float:
    """The on-time rate over the replications, from each order's delivery in the simulation."""
    on_time = orders = 0
    for replication in range(SETTINGS.replications):
        draws = draw(inp, SETTINGS, replication)
        arm = SharedArm(inp, SETTINGS, a, replication, draws, engine_planner(SETTINGS))
        arm.run()
        for order, lots in _orders(arm).items():
            orders += 1
            due = next(lot.due for lot in lots if lot.due is not None)
            if all(lot.id in arm.runs for lot in lots):
                delivered = max(arm.runs[lot.id].end for lot in lots)
                delivered += arm._transport(order, lots[0].member)
                on_time += delivered <= due
    return on_time / orders


def _orders(arm: SharedArm) -> dict[str, list[Lot]]:
    out: dict[str, list[Lot]] = {}
    for lot in arm.problem.lots:
        out.setdefault(lot.order, []).append(lot)
    return out


def test_spare_capacity_keeps_the_shared_arm_on_time(town: tuple[TwinInput, Assumptions]) -> None:
    inp, a = town
    assert a.get("shared.on_time_first") == 1.0  # the shipped default
    first = _on_time(inp, a)
    assert first >= 0.95
    # planning with the stored planning prices (lateness 20 yuan per tonne-hour against 1,200
    # yuan per cleaning batch) knowingly delivers late: 0.938 on this town (2026-12-02)
    priced = _on_time(inp, a.with_value("shared.on_time_first", 0.0))
    assert priced < first
