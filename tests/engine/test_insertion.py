"""Incremental decoding of an insertion against the full decode, on random moves.

Each move takes a few lots out of a dispatch plan of a synthetic center (two lines linked by
MB -> FB chains with rest windows) and puts one back at a random eligible position. The
incremental decode (:mod:`mixshare.engine.insertion`) re-times only what the insertion can
move; whenever it answers, the times and every cost term must equal those of decoding the
whole plan, and the search's insertion cost must equal its full cost. The screen of insertion
positions computes pushes lazily; its cheapest positions must be those of computing them all.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from mixshare.engine.dispatch import dispatch_model
from mixshare.engine.insertion import decode_insertion, insertion_base
from mixshare.engine.kernels import add_push_costs
from mixshare.engine.model import (
    EARLIEST,
    Decoding,
    Model,
    compile_problem,
    decode,
    evaluate,
    evaluate_flat,
    stay_starts,
)
from mixshare.engine.problem import Placement, Problem
from mixshare.engine.search import Search, Sol
from mixshare.engine.synthetic import generate


def _model(seed: int, max_lag: int | None, replan: bool) -> tuple[Model, list[list[int]], Decoding]:
    """A two-day synthetic center, its dispatch plan and the decode options; ``max_lag``
    tightens every rest window (so the full decode often has to repair one), ``replan``
    makes the dispatch plan the previous plan with the stay rule on."""
    problem: Problem = generate(days=2, load=0.8, seed=seed)
    if max_lag is not None:
        problem = replace(
            problem, chains=tuple(replace(c, max_lag=max_lag) for c in problem.chains)
        )
    model = compile_problem(problem)
    seqs, plan = dispatch_model(model, strict=False)
    if replan:
        previous = tuple(Placement(s.lot, s.line, s.start) for s in plan.lots)
        model = compile_problem(replace(problem, previous=previous))
        return model, seqs, Decoding(stay=stay_starts(model))
    return model, seqs, EARLIEST


def _random_moves(
    model: Model, seqs: list[list[int]], rng: random.Random, moves: int
) -> list[tuple[list[list[int]], int, int, int]]:
    """(sequences with some lots out, a lot out, line, position) to insert it at."""
    out = []
    placed = [i for q in seqs for i in q]
    for _ in range(moves):
        out_lots = set(rng.sample(placed, rng.randint(1, 6)))
        base = [[i for i in q if i not in out_lots] for q in seqs]
        lot = rng.choice(sorted(out_lots))
        ln = rng.choice(model.eligible(lot))
        out.append((base, lot, ln, rng.randint(0, len(base[ln]))))
    return out


@pytest.mark.parametrize(
    ("seed", "max_lag", "replan"),
    [(0, None, False), (1, None, False), (2, 600, False), (3, None, True), (4, 900, True)],
)
def test_incremental_insertion_equals_full_decode(
    seed: int, max_lag: int | None, replan: bool
) -> None:
    model, seqs, options = _model(seed, max_lag, replan)
    rng = random.Random(seed)
    answered = feasible = 0
    for base_seqs, lot, ln, p in _random_moves(model, seqs, rng, 150):
        base = insertion_base(model, base_seqs, None, options)
        timed = decode_insertion(model, base, ln, p, lot)
        new = [list(q) for q in base_seqs]
        new[ln].insert(p, lot)
        full = decode(model, new, options=options)
        if timed is None:
            # only where the full decode must repair a rest window (or the base did not decode)
            assert base.first_pass is None or _repaired(model, new, options)
            continue
        answered += 1
        assert (timed.error is None) == (full.error is None), (timed.error, full.error)
        if full.error is not None:
            continue
        feasible += 1
        for i in (i for q in new for i in q):
            assert (timed.start[i], timed.end[i], timed.co_start[i]) == (
                full.start[i],
                full.end[i],
                full.co_start[i],
            )
        got = evaluate_flat(model, timed.flat, timed.ptr, timed.start, timed.end, 2, True)
        assert got == evaluate(model, new, full, 2, True)
    assert answered >= 100 and feasible >= 30, (answered, feasible)


def _repaired(model: Model, seqs: list[list[int]], options: Decoding) -> bool:
    """Whether the full decode's earliest-start pass breaks a rest window (so it repairs)."""
    one = decode(model, seqs, repairs=0, options=options)
    return one.error is not None and "max lag" in one.error


@pytest.mark.parametrize("energy", [False, True])
def test_search_insertion_cost_equals_full_cost(energy: bool) -> None:
    model, seqs, _ = _model(5, None, False)
    srch = Search(model, 0, energy, None)
    rng = random.Random(5)
    for base_seqs, lot, ln, p in _random_moves(model, seqs, rng, 60):
        sol = Sol(base_seqs, set(), 0.0)
        base = insertion_base(model, base_seqs, None, srch.decoding)
        c, end = srch.insertion_cost(sol, base, ln, p, lot)
        assert sol.seqs == base_seqs  # left as it was
        new = [list(q) for q in base_seqs]
        new[ln].insert(p, lot)
        full, dec = srch.cost(new, set())
        assert c == full
        if full < float("inf"):
            assert end == dec.end[lot]


def test_insertion_in_a_tou_aware_decode_is_left_to_the_full_decode() -> None:
    model, seqs, _ = _model(6, None, False)
    assert model.peak
    base_seqs = [q[:-1] for q in seqs]
    base = insertion_base(model, base_seqs, None, Decoding(tou_margin=120))
    assert decode_insertion(model, base, 0, 0, seqs[0][-1]) is None


@pytest.mark.parametrize("seed", range(5))
def test_screen_computes_pushes_only_where_they_can_matter(seed: int) -> None:
    """The ``keep`` cheapest positions of a line and their totals are those of computing the
    push of every position (the push is skipped only where the own cost is already above)."""
    rng = np.random.default_rng(seed)
    n = 300
    own = rng.uniform(0, 1000, n + 1).round(1)  # ties happen
    own[rng.random(n + 1) < 0.1] = np.inf
    shift0 = rng.integers(0, 200, n)
    gap_cum = np.cumsum(rng.integers(0, 30, n))
    end = np.cumsum(rng.integers(30, 120, n))
    due = end + rng.integers(-300, 300, n)
    weight = rng.uniform(0.5, 3.0, n)
    args = (2.0, shift0, gap_cum, end, due, weight, 0.0, 120)
    every = add_push_costs(own, n + 1, *args)
    for keep in (1, 5, 12, 40):
        got = add_push_costs(own, keep, *args)
        top = np.argsort(got, kind="stable")[:keep]
        assert list(top) == list(np.argsort(every, kind="stable")[:keep])
        assert list(got[top]) == list(every[top])
        assert (got >= own).all()
