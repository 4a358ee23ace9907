"""The lexicographic objective's energy phase: TOU-aware planning never buys energy with
tardiness (the money objective's energy phase is in test_money_objective.py).

The energy phase minimises the weighted objective with energy cost while weighted tardiness is
capped at what the phases before reached. Checked with the independent KPI recomputation
against the plan the phase started from.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mixshare.engine.problem import Problem, Weights
from mixshare.engine.search import PHASES, solve
from mixshare.engine.solution import Schedule
from mixshare.engine.synthetic import generate

from .conftest import judged


def lexicographic(problem: Problem) -> Problem:
    return replace(problem, weights=Weights(objective="lexicographic"))


@pytest.mark.parametrize("seed", [0, 1])
def test_energy_phase_never_adds_tardiness_and_lowers_the_objective(seed: int) -> None:
    problem = lexicographic(generate(days=3, load=0.75, seed=seed))
    assert problem.prices, "the synthetic center has a TOU tariff"
    snaps: dict[str, Schedule] = {}
    final = solve(
        problem, time_limit=60, seed=seed, workers=1, iterations=60, on_phase=snaps.__setitem__
    )
    assert list(snaps) == list(PHASES)
    before = snaps["changeovers"]  # the plan the energy phase starts from
    k_final, k_before = judged(problem, final), judged(problem, before)
    assert k_final.unplanned_orders <= k_before.unplanned_orders
    assert k_final.weighted_tardiness <= k_before.weighted_tardiness + 1e-6
    assert k_final.objective <= k_before.objective + 1e-6


def test_tou_blind_run_ends_with_the_changeover_phase() -> None:
    problem = lexicographic(generate(days=2, load=0.7, seed=3))
    snaps: dict[str, Schedule] = {}
    final = solve(
        problem,
        time_limit=60,
        seed=0,
        workers=1,
        iterations=20,
        energy_aware=False,
        on_phase=snaps.__setitem__,
    )
    assert "energy" not in snaps

    def sequences(s: Schedule) -> dict[str, list[str]]:
        return {
            ln.id: [x.lot for x in sorted(s.lots, key=lambda x: x.start) if x.line == ln.id]
            for ln in problem.lines
        }

    # the blind plan is the last phase's plan, re-timed, plus any order still unplanned
    # there that the final restore step could place: the phase's lots keep lines and order
    before = sequences(snaps["changeovers"])
    kept = {lot for seq in before.values() for lot in seq}
    after = {ln: [x for x in seq if x in kept] for ln, seq in sequences(final).items()}
    assert after == before
    judged(problem, final)
