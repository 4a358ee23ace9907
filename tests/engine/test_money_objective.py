"""The money objective (default): one sum in yuan, and the trap it must not fall into.

The trap: one line, three lots of one hour and 40 minutes each filling the horizon, two of
setup key X (NR-like) and one of key Y (butyl-like). Switching X <-> Y takes one cleaning batch
(1,200 yuan at the default prices), X -> X nothing. Electricity is cheap only in the middle
third. Every order of the three lots is checked below by the independent validator and KPI
recomputation (not the optimizer's bookkeeping):

- Y first or last (X X Y, Y X X): one cleaning batch, Y (100 kWh) at 1.0 yuan/kWh, 115 yuan
  of electricity in all;
- X Y X: Y in the cheap third (0.5 yuan/kWh) saves 45 yuan of electricity but needs a second
  cleaning batch.

So the money optimum has one cleaning batch and pays 45 yuan more for electricity; the
lexicographic mode's energy phase (cleaning batch weight 20 < 45 points of energy) takes the
trap.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import permutations

import pytest

from mixshare.engine.kpis import compute_kpis
from mixshare.engine.problem import (
    Changeover,
    MoneyPrices,
    Objective,
    PricePeriod,
    Problem,
    Weights,
)
from mixshare.engine.search import PHASES, solve
from mixshare.engine.solution import Schedule, ScheduledChangeover, ScheduledLot
from mixshare.engine.synthetic import generate
from mixshare.engine.validate import validate

from .conftest import Matrix, judged, line, lot

CLEAN = Changeover(0, cleaning_batches=1)


def trap(objective: Objective = "money") -> Problem:
    matrix: Matrix = {"X": {"Y": CLEAN}, "Y": {"X": CLEAN}}
    return Problem(
        horizon=300,
        lines=(line("A", matrix),),
        lots=(
            lot("a", 100, "X", kwh=10.0),
            lot("b", 100, "Y", kwh=100.0),
            lot("c", 100, "X", kwh=10.0),
        ),
        prices=(
            PricePeriod(0, 100, 1.0, "peak"),
            PricePeriod(100, 200, 0.5, "valley"),
            PricePeriod(200, 300, 1.0, "peak"),
        ),
        weights=Weights(objective=objective),
    )


def by_hand(problem: Problem, order: tuple[str, ...]) -> Schedule:
    """The lots back to back in ``order`` with the changeovers the line needs."""
    lots = {x.id: x for x in problem.lots}
    placed, cos, prev = [], [], None
    for k, lot_id in enumerate(order):
        placed.append(ScheduledLot(lot_id, "A", 100 * k, 100 * (k + 1)))
        if prev is not None and lots[prev].setup_key != lots[lot_id].setup_key:
            cos.append(ScheduledChangeover("A", prev, lot_id, 100 * k, 100 * k, 1, 0.0))
        prev = lot_id
    return Schedule(tuple(placed), tuple(cos))


def test_the_trap_is_real_cheaper_energy_costs_more_in_total() -> None:
    problem = trap()
    totals = {}
    for order in permutations("abc"):
        schedule = by_hand(problem, order)
        assert validate(problem, schedule) == []
        totals[order] = compute_kpis(problem, schedule)
    cheapest_energy = min(totals.values(), key=lambda k: k.energy_cost)
    cheapest_total = min(totals.values(), key=lambda k: k.total_yuan)
    assert cheapest_energy.cleaning_batches == 2 and cheapest_total.cleaning_batches == 1
    assert cheapest_total.energy_cost - cheapest_energy.energy_cost == pytest.approx(45.0)
    assert cheapest_total.total_yuan == pytest.approx(1200.0 + 115.0)


def test_money_objective_does_not_buy_cheap_electricity_with_a_cleaning_batch() -> None:
    problem = trap()
    schedule = solve(problem, time_limit=20, seed=0, workers=1, iterations=40)
    k = judged(problem, schedule)
    assert k.cleaning_batches == 1
    assert k.total_yuan == pytest.approx(1315.0)
    assert k.objective == pytest.approx(k.total_yuan)


def test_lexicographic_mode_falls_into_the_trap() -> None:
    problem = trap("lexicographic")
    schedule = solve(problem, time_limit=20, seed=0, workers=1, iterations=40)
    k = judged(problem, schedule)
    assert k.cleaning_batches == 2  # the reason the default is money
    assert k.total_yuan == pytest.approx(2470.0)


def test_money_parts_add_up_and_follow_the_prices() -> None:
    problem = replace(
        trap(),
        money=MoneyPrices(cleaning_batch=30.0, changeover_hour=60.0, lateness_tonne_hour=2.0),
    )
    schedule = by_hand(problem, ("a", "b", "c"))
    k = compute_kpis(problem, schedule)
    assert k.cleaning_yuan == 60.0 and k.changeover_yuan == 0.0 and k.tardiness_yuan == 0.0
    assert k.total_yuan == pytest.approx(60.0 + 70.0)
    # with a cleaning batch at 30 yuan the cheap third is worth its second cleaning batch
    best = solve(problem, time_limit=20, seed=0, workers=1, iterations=40)
    assert judged(problem, best).cleaning_batches == 2


def test_lateness_costs_tonnes_times_price_times_priority_per_hour() -> None:
    late = replace(lot("x", 120, due=60, weight=2.0), tonnes=3.0)
    problem = Problem(
        horizon=200, lines=(line("A"),), lots=(late,), money=MoneyPrices(lateness_tonne_hour=10.0)
    )
    schedule = Schedule((ScheduledLot("x", "A", 0, 120),), ())
    k = compute_kpis(problem, schedule)
    assert k.tardiness_yuan == pytest.approx(3.0 * 10.0 * 2.0 * 1.0)  # one hour late
    assert k.weighted_tardiness == pytest.approx(120.0)  # priority-weighted minutes, as before


def test_money_energy_phase_never_raises_the_total() -> None:
    problem = generate(days=2, load=0.75, seed=1)
    snaps: dict[str, Schedule] = {}
    final = solve(
        problem, time_limit=60, seed=1, workers=1, iterations=40, on_phase=snaps.__setitem__
    )
    assert list(snaps) == [PHASES[0], PHASES[2]]  # no changeover-tolerance phase
    k_final, k_before = judged(problem, final), judged(problem, snaps["weighted"])
    assert k_final.unplanned_orders <= k_before.unplanned_orders
    assert k_final.objective <= k_before.objective + 1e-6


def late_into_valley(tonnes: float) -> Problem:
    """One lot of 200 min and 2,000 kWh, released at 100, due at 300: on time it runs
    [100, 300) in the peak (2.0 yuan/kWh, 4,000 yuan); waiting for the valley [300, 600)
    (0.5 yuan/kWh) saves 3,000 yuan and makes it 200 minutes late, at 20 yuan per tonne-hour
    of lateness (default prices): 0.11 yuan a minute for 0.33 t, 6,667 for 1,000 t."""
    return Problem(
        horizon=600,
        lines=(line(),),
        lots=(replace(lot("y", 200, kwh=2000.0, release=100, due=300), tonnes=tonnes),),
        prices=(PricePeriod(0, 300, 2.0, "peak"), PricePeriod(300, 600, 0.5, "valley")),
    )


def test_money_objective_waits_for_the_valley_when_lateness_costs_less() -> None:
    problem = late_into_valley(tonnes=0.33)
    k = judged(problem, solve(problem, time_limit=30, seed=0, workers=1, iterations=20))
    blind = judged(
        problem,
        solve(problem, time_limit=30, seed=0, workers=1, iterations=20, energy_aware=False),
    )
    assert blind.energy_cost == pytest.approx(4000.0) and blind.tardiness_yuan == 0.0
    assert k.energy_cost == pytest.approx(1000.0)
    assert k.tardiness_yuan == pytest.approx(200 * 0.33 * 20.0 / 60)
    assert k.total_yuan < blind.total_yuan - 2900.0


def test_money_objective_stays_on_time_when_lateness_costs_more() -> None:
    problem = late_into_valley(tonnes=1000.0)
    k = judged(problem, solve(problem, time_limit=30, seed=0, workers=1, iterations=20))
    assert k.tardiness_yuan == 0.0 and k.energy_cost == pytest.approx(4000.0)
