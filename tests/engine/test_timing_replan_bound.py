"""Re-timing into valley hours, re-planning that keeps orders, and the lower bound."""

from __future__ import annotations

import random

import pytest

from mixshare.engine.bound import lower_bound
from mixshare.engine.model import compile_problem, decode
from mixshare.engine.problem import (
    Chain,
    Changeover,
    Interval,
    Placement,
    PricePeriod,
    Problem,
)
from mixshare.engine.search import solve
from mixshare.engine.synthetic import generate
from mixshare.engine.timing import retime

from .conftest import Matrix, SolveOptions, judged, line, lot, replan_after_outage, starts

FAST: SolveOptions = {"time_limit": 5.0, "workers": 1, "iterations": 30}
# valley [0, 120), peak [120, 240), valley [240, 360)
PRICES = (
    PricePeriod(0, 120, 0.5, "valley"),
    PricePeriod(120, 240, 2.0, "peak"),
    PricePeriod(240, 360, 0.5, "valley"),
)


def test_retime_moves_masterbatch_into_valley() -> None:
    # MB (60 min, 600 kWh) then FB (60 min, 60 kWh) on one line, FB due 360. Earliest start
    # puts MB at [0, 60) and FB at [60, 120), both in the valley already: cost 330. With a
    # release of 100 for the MB, earliest start runs it [100, 160) (40 min of peak) and FB
    # [160, 220) in peak. The optimum delays both into the second valley: MB [240, 300),
    # FB [300, 360), energy 0.5 * 660 = 330, still on time (FB ends at its due 360).
    p = Problem(
        horizon=360,
        lines=(line(),),
        lots=(
            lot("mb", 60, order="o", kwh=600.0, release=100),
            lot("fb", 60, order="o", kwh=60.0, due=360),
        ),
        chains=(Chain("mb", "fb", 0, None),),
        prices=PRICES,
    )
    m = compile_problem(p)
    seqs = [[m.index["mb"], m.index["fb"]]]
    dec = decode(m, seqs)
    assert dec.start[m.index["mb"]] == 100
    new = retime(m, seqs, dec)
    assert new.start[m.index["mb"]] == 240 and new.start[m.index["fb"]] == 300
    sched = solve(p, **FAST)
    k = judged(p, sched)
    assert k.energy_cost == pytest.approx(330.0) and k.weighted_tardiness == 0


def test_retime_never_adds_tardiness_and_respects_calendar() -> None:
    # same, but the second valley is blocked [240, 300) on the line: MB cannot move there in
    # full, and FB must still end by 360. Best: MB [180, 240)? No - that is peak. The DP must
    # keep everything valid and the energy no worse than earliest-start timing.
    p = Problem(
        horizon=360,
        lines=(line(unavailable=(Interval(240, 300),)),),
        lots=(
            lot("mb", 60, order="o", kwh=600.0, release=100),
            lot("fb", 60, order="o", kwh=60.0, due=360),
        ),
        chains=(Chain("mb", "fb", 0, None),),
        prices=PRICES,
    )
    aware = judged(p, solve(p, energy_aware=True, **FAST))
    blind = judged(p, solve(p, energy_aware=False, **FAST))
    assert aware.weighted_tardiness == 0
    assert aware.energy_cost <= blind.energy_cost + 1e-6


def test_retime_with_changeover_and_second_line_chain() -> None:
    # MB on line A (valley wanted), FB on line B; the DP keeps the chain lag [30, 400].
    mx: Matrix = {"X": {"Y": Changeover(20)}, "Y": {"X": Changeover(20)}}
    p = Problem(
        horizon=360,
        lines=(line("A", mx, initial_key="Y"), line("B")),
        lots=(
            lot("mb", 60, "X", order="o", kwh=600.0, release=90),
            lot("fb", 30, "Z", order="o", lines=("B",), kwh=10.0, due=360),
        ),
        chains=(Chain("mb", "fb", 30, 400),),
        prices=PRICES,
    )
    k = judged(p, solve(p, **FAST))
    assert k.weighted_tardiness == 0
    assert k.energy_kwh_by_period.get("peak", 0.0) == pytest.approx(0.0)


def test_replan_keeps_previously_planned_orders_and_can_move_earlier() -> None:
    # two lots on line A planned at 0 and 100; an outage [0, 50) on A forces a to move. b (due
    # 160) may stay; a moves to line B at 0 (earlier than nothing else) or after the outage.
    # No previously planned order may be dropped and the plan stays valid.
    p = Problem(
        horizon=400,
        lines=(line("A"), line("B")),
        lots=(
            lot("a", 40, lines=("A", "B"), due=60),
            lot("b", 40, lines=("A", "B"), due=160),
            lot("c", 30, lines=("A",), due=300),
        ),
        previous=(Placement("a", "A", 0), Placement("b", "A", 100), Placement("c", "A", 200)),
    )
    lines = (line("A", unavailable=(Interval(0, 50),)), line("B"))
    p2 = Problem(p.horizon, lines, p.lots, previous=p.previous)
    sched = solve(p2, **FAST)
    k = judged(p2, sched)
    assert k.unplanned_orders == 0 and k.weighted_tardiness == 0
    s = starts(sched)
    assert s["a"] == ("B", 0)  # the stability weight is below tardiness: a moves, on time
    assert s["b"] == ("A", 100) and s["c"] == ("A", 200)  # the others stay exactly
    assert k.lots_moved == 1


def test_replan_demo_like_outage_drops_no_previous_order() -> None:
    p = generate(days=4, load=0.6, seed=4)
    first = solve(p, time_limit=5.0, seed=0, workers=1, iterations=10)
    p2 = replan_after_outage(p, first, day=2)
    again = solve(p2, time_limit=5.0, seed=0, workers=1, iterations=10)
    judged(p2, again)
    lots = {x.id: x.order for x in p.lots}
    before = {lots[x.lot] for x in first.lots}
    after = {lots[x.lot] for x in again.lots}
    assert before <= after


@pytest.mark.parametrize("seed", range(6))
def test_lower_bound_below_objective_on_random_instances(seed: int) -> None:
    rng = random.Random(seed)
    keys = "XYZ"
    mx: Matrix = {
        a: {b: Changeover(rng.randint(5, 30), rng.randint(0, 1)) for b in keys if b != a}
        for a in keys
    }
    lots = []
    for j in range(rng.randint(3, 7)):
        lots.append(
            lot(
                f"l{j}",
                rng.randint(10, 60),
                rng.choice(keys),
                lines=("A", "B"),
                release=rng.randint(0, 60),
                due=rng.randint(30, 200),
                weight=rng.choice((1.0, 1.5)),
                kwh=rng.uniform(0, 100),
            )
        )
    p = Problem(
        horizon=2000,
        lines=(line("A", mx), line("B", mx, initial_key="X")),
        lots=tuple(lots),
        prices=(*PRICES, PricePeriod(360, 2000, 1.0, "flat")),
    )
    sched = solve(p, **FAST)
    k = judged(p, sched)
    assert k.unplanned_orders == 0
    lb, parts = lower_bound(compile_problem(p))
    assert sched.lower_bound == pytest.approx(lb)
    assert lb <= k.objective + 1e-6
    assert parts["lb_tardiness"] <= k.tardiness_yuan + 1e-9  # money objective: in yuan
    assert parts["lb_energy"] <= k.energy_cost + 1e-6
    w = p.objective_weights()
    setup = (
        w.changeover_minute * k.changeover_minutes
        + w.cleaning_batch * k.cleaning_batches
        + w.changeover_cost * k.changeover_cost
    )
    assert parts["lb_setup"] <= setup + 1e-6


def test_replan_is_local_to_the_outage() -> None:
    """Re-planning starts from the previous sequences and only re-inserts the displaced lots:
    most lots outside the outage keep their line and start (moderate load, so there is room)."""
    p = generate(days=5, load=0.55, seed=3)
    first = solve(p, time_limit=5.0, seed=0, workers=1, iterations=15)
    prev = tuple(Placement(s.lot, s.line, s.start) for s in first.lots)
    l1 = p.lines[0]
    t1, t2 = 2 * 1440 + 600, 2 * 1440 + 960
    lines = (
        type(l1)(l1.id, l1.changeovers, l1.initial_key, (*l1.unavailable, Interval(t1, t2))),
        *p.lines[1:],
    )
    frozen = min(
        [t1] + [x.start for x in first.lots if x.line == l1.id and x.start < t2 and x.end > t1]
    )
    p2 = Problem(p.horizon, lines, p.lots, p.chains, p.prices, previous=prev, frozen_until=frozen)
    again = solve(p2, time_limit=5.0, seed=0, workers=1, iterations=15)
    judged(p2, again)
    assert again.stats["initial"] == "previous"
    new = {x.lot: (x.line, x.start) for x in again.lots}
    hit = {x.lot for x in first.lots if x.line == l1.id and x.start < t2 and x.end > t1}
    outside = [q for q in prev if q.lot not in hit and new.get(q.lot) != (q.line, q.start)]
    assert len(outside) <= 0.25 * len(prev), (len(outside), len(prev))
