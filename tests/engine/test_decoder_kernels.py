"""The compiled decoder against the rules it must follow, re-derived here in plain Python.

Random line sequences of synthetic instances (some valid, many not) are decoded. Whenever the
decoder accepts a set of sequences, the schedule must pass the independent validator, its cost
terms must equal the independent KPI recomputation, and - for the plain earliest-start decode -
every lot must start exactly when its constraints first allow it (recomputed below from the
problem alone: line predecessor + changeover, unavailable time, release, chain minimum lags).
"""

from __future__ import annotations

import random

import pytest

from mixshare.engine.kpis import compute_kpis
from mixshare.engine.model import Decoded, Model, compile_problem, decode, evaluate, to_schedule
from mixshare.engine.problem import Problem
from mixshare.engine.synthetic import generate
from mixshare.engine.validate import validate


def _random_sequences(problem: Problem, rng: random.Random) -> list[list[int]]:
    """The lots of some whole orders, stage by stage (so no chain deadlocks), dealt to random
    eligible lines."""
    line_ids = [ln.id for ln in problem.lines]
    orders = sorted({lot.order for lot in problem.lots})
    chosen = set(rng.sample(orders, rng.randint(3, len(orders))))
    stage = {lot.id: 0 for lot in problem.lots}
    for _ in range(3):  # MB -> RM -> FB: a few passes settle every chain
        for ch in problem.chains:
            stage[ch.succ] = max(stage[ch.succ], stage[ch.pred] + 1)
    order = sorted(
        (i for i, lot in enumerate(problem.lots) if lot.order in chosen),
        key=lambda i: (stage[problem.lots[i].id], problem.lots[i].release, rng.random()),
    )
    seqs: list[list[int]] = [[] for _ in line_ids]
    for i in order:
        lot = problem.lots[i]
        seqs[line_ids.index(rng.choice(lot.options).line)].append(i)
    for q in seqs:  # a few local swaps make forbidden pairs and chain conflicts likely
        for _ in range(rng.randint(0, 3)):
            if len(q) > 1:
                a = rng.randrange(len(q) - 1)
                q[a], q[a + 1] = q[a + 1], q[a]
    return seqs


def _earliest_start(
    problem: Problem, model: Model, seqs: list[list[int]], dec: Decoded, ln: int, k: int
) -> int:
    """When lot ``seqs[ln][k]`` can first start, from the problem's own data."""
    line = problem.lines[ln]
    i = seqs[ln][k]
    lot = problem.lots[i]
    prev = problem.lots[seqs[ln][k - 1]] if k else None
    co = line.changeover(prev.setup_key if prev else line.initial_key, lot.setup_key)
    assert co is not None
    placed = {j for q in seqs for j in q}
    ready = lot.release
    for ch in problem.chains:
        if ch.succ == lot.id and model.index[ch.pred] in placed:
            ready = max(ready, dec.end[model.index[ch.pred]] + ch.min_lag)
    block = max(dec.end[seqs[ln][k - 1]] if k else 0, ready - co.minutes)
    option = lot.option(line.id)
    assert option is not None  # the sequences only put a lot on a line it may run on
    minutes = co.minutes + option.minutes
    moved = True
    while moved:  # step past every unavailable interval the block would overlap
        moved = False
        for iv in line.unavailable:
            if iv.start < block + minutes and block < iv.end:
                block, moved = iv.end, True
    return block + co.minutes


@pytest.mark.parametrize("seed", range(6))
def test_accepted_sequences_are_valid_earliest_and_priced_right(seed: int) -> None:
    problem = generate(days=2, load=0.8, seed=seed)
    model = compile_problem(problem)
    rng = random.Random(seed)
    accepted = 0
    for _ in range(80):
        seqs = _random_sequences(problem, rng)
        dec = decode(model, seqs)
        if dec.error is not None:
            assert 0 <= dec.culprit < model.n  # a failure always names a lot
            continue
        accepted += 1
        placed = {i for q in seqs for i in q}
        unplanned = [i for i in range(model.n) if i not in placed]
        sched = to_schedule(model, seqs, dec, unplanned)
        errors = validate(problem, sched)
        assert errors == [], errors
        k = compute_kpis(problem, sched)
        cost = evaluate(model, seqs, dec, 0)
        assert cost.tardiness == pytest.approx(k.tardiness_yuan)  # money objective: yuan
        assert cost.co_minutes == k.changeover_minutes
        assert cost.cleaning == k.cleaning_batches
        assert cost.energy == pytest.approx(k.energy_cost)
        repaired = any(
            dec.start[model.index[c.succ]] >= 0
            and dec.start[model.index[c.pred]] >= 0
            and c.max_lag is not None
            and dec.start[model.index[c.succ]] - dec.end[model.index[c.pred]] == c.max_lag
            for c in problem.chains
        )
        if repaired:  # a predecessor delayed for its rest window is not at its earliest
            continue
        for ln, q in enumerate(seqs):
            for pos in range(len(q)):
                assert dec.start[q[pos]] == _earliest_start(problem, model, seqs, dec, ln, pos)
    assert accepted >= 5, accepted
