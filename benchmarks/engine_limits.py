"""What the demo week allows, measured against the engine's plans (issue 12's two targets the
engine misses): how far a valid changeover bound can go, and what idling the lines in the peak
hours costs.

``gap``: the demo week planned with the default planning prices (TOU-aware and blind) and once
with a lateness price of 0 (a plan free to ignore every due date), ``--seeds`` seeds at
``--limit`` s, 2 workers. A valid lower bound on the changeover cost can never exceed the
changeover cost of a complete plan, so the due-blind plan's changeovers cap what any bound can
show against the default plans.

``peak``: the demo week planned TOU-blind with the last (or first) N minutes of every peak
period made unavailable on every line, i.e. the lines forced to stand still in the dearest
hours, priced on the real week; against the TOU-blind and the TOU-aware engine at the same
work (``--iterations`` per worker, 1 worker, reproducible). It shows what capturing a given
share of the idle-time ceiling costs in lateness and cleaning batches when it is bought by
idling in the peak (an oracle of one strategy, not a bound).

    python benchmarks/engine_limits.py gap [--seeds N] [--limit S]
    python benchmarks/engine_limits.py peak [--seeds N] [--iterations N]
    python benchmarks/engine_limits.py keypath [--limit S]

``keypath``: how far the changeover bound's key-path relaxation itself can go: its Lagrangian
value after 100 (the engine's), 300 and 1,000 subgradient rounds, and the cheapest set of
paths through the keys that CP-SAT finds in ``--limit`` s (a feasible solution of the
relaxation: no bound drawn from this relaxation can pass its cost).

Every plan is judged by the independent validator and priced by ``compute_kpis``.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import replace

import numpy as np
from demo_engine import demo_problems, energy_ceiling
from ortools.sat.python import cp_model

from mixshare.engine.bound import key_path_costs, key_path_setup_bound
from mixshare.engine.kpis import Kpis, compute_kpis
from mixshare.engine.model import compile_problem
from mixshare.engine.problem import Interval, Problem
from mixshare.engine.search import solve
from mixshare.engine.validate import validate


def changeover_yuan(k: Kpis) -> float:
    return k.cleaning_yuan + k.changeover_yuan


def gap(week: Problem, seeds: int, limit: float) -> None:
    """The changeover bound against the default plans and against a due-blind plan."""
    due_blind = replace(week, money=replace(week.money, lateness_tonne_hour=0.0))
    runs = (
        ("default prices, TOU-aware", week, True),
        ("default prices, TOU-blind", week, False),
        ("lateness free, TOU-blind", due_blind, False),
    )
    print(f"## Changeover bound gap, demo week, {limit:.0f} s, 2 workers ({week.money})")
    print(
        f"{'plan':<27}{'seed':>5}{'changeover yuan':>16}{'cleaning':>9}{'co h':>6}"
        f"{'lb_setup':>9}{'gap':>5}{'lateness yuan':>14}{'secs':>6}  load"
    )
    for name, prob, aware in runs:
        for seed in range(seeds):
            t = time.perf_counter()
            s = solve(prob, limit, seed=seed, workers=2, energy_aware=aware)
            assert not validate(prob, s)
            k = compute_kpis(week, s)
            cost, lb = changeover_yuan(k), float(s.stats.get("lb_setup", 0.0))
            print(
                f"{name:<27}{seed:5d}{cost:16,.0f}{k.cleaning_batches:9d}"
                f"{k.changeover_hours:6.1f}{lb:9,.0f}{(cost - lb) / cost:5.0%}"
                f"{k.tardiness_yuan:14,.0f}{time.perf_counter() - t:6.0f}  "
                f"{os.getloadavg()[0]:.1f}",
                flush=True,
            )


def peak_blocked(week: Problem, minutes: int, at_end: bool) -> Problem:
    """``week`` with ``minutes`` of every peak period unavailable on every line."""
    blocks = [
        Interval(pp.end - minutes, pp.end) if at_end else Interval(pp.start, pp.start + minutes)
        for pp in week.prices
        if pp.name == "peak"
    ]
    lines = tuple(
        replace(
            line, unavailable=tuple(sorted((*line.unavailable, *blocks), key=lambda x: x.start))
        )
        for line in week.lines
    )
    return replace(week, lines=lines)


def peak_row(seed: int, name: str, k: Kpis, blind: Kpis, ceiling: float) -> None:
    """One plan; its capture is the energy it saves against the blind plan over that plan's
    idle-time ceiling."""
    print(
        f"{seed:4d} {name:<30}{k.unplanned_orders:5d}{k.tardiness_yuan:14,.0f}"
        f"{k.cleaning_batches:9d}{k.changeover_hours:6.1f}{k.energy_cost:10,.0f}"
        f"{k.total_yuan:10,.0f}{(blind.energy_cost - k.energy_cost) / ceiling:8.0%}",
        flush=True,
    )


def peak(week: Problem, seeds: int, iterations: int) -> None:
    """TOU-blind plans forced to idle in the peak vs the engine's TOU-blind and TOU-aware."""
    print(f"## Idling in the peak, demo week, {iterations} iterations, 1 worker")
    print(
        f"{'seed':>4} {'plan':<30}{'unpl':>5}{'lateness yuan':>14}{'cleaning':>9}{'co h':>6}"
        f"{'energy':>10}{'total':>10}{'capture':>8}"
    )
    variants = [(f"peak: last {m} min idle", m, True) for m in (60, 120)]
    variants.append(("peak: first 120 min idle", 120, False))
    for seed in range(seeds):
        blind = solve(week, 1e6, seed=seed, workers=1, iterations=iterations, energy_aware=False)
        kb = compute_kpis(week, blind)
        ceiling = energy_ceiling(week, blind)
        peak_row(seed, "TOU-blind", kb, kb, ceiling)
        aware = solve(week, 1e6, seed=seed, workers=1, iterations=iterations)
        peak_row(seed, "TOU-aware (engine)", compute_kpis(week, aware), kb, ceiling)
        for name, minutes, at_end in variants:
            s = solve(
                peak_blocked(week, minutes, at_end),
                1e6,
                seed=seed,
                workers=1,
                iterations=iterations,
                energy_aware=False,
            )
            assert not validate(week, s)  # idle in the peak: still a plan of the real week
            peak_row(seed, name, compute_kpis(week, s), kb, ceiling)
        print(f"     idle-time ceiling of the blind plan {ceiling:,.0f} yuan")


def keypath(week: Problem, limit: float) -> None:
    """The key-path relaxation's Lagrangian value by rounds, against a feasible solution of it."""
    model = compile_problem(week)
    print(f"## Key-path changeover relaxation, demo week ({len(model.keys)} setup keys)")
    for rounds in (100, 300, 1000):
        t = time.perf_counter()
        value = key_path_setup_bound(model, rounds)
        secs = time.perf_counter() - t
        print(f"Lagrangian bound, {rounds:>5} rounds: {value:9,.0f}  ({secs:.1f} s)")
    cost = key_path_costs(model)
    value, proven = cheapest_key_paths(cost, model.m, limit)
    print(
        f"cheapest paths CP-SAT finds in {limit:.0f} s: {value:9,.0f} (its own proven bound "
        f"{proven:,.0f}): no bound of this relaxation exceeds {value:,.0f}"
    )


def cheapest_key_paths(cost: np.ndarray, lines: int, limit: float) -> tuple[float, float]:
    """At most ``lines`` paths from the root (last row of ``cost``) that together visit every
    key once (CP-SAT, costs to 0.1): the best found and CP-SAT's proven bound."""
    nk = cost.shape[0] - 1
    m = cp_model.CpModel()
    arcs, terms, from_root = [], [], []
    for a in range(nk + 1):
        node_a = 0 if a == nk else a + 1  # node 0: the root, closing every path
        for b in range(nk):
            if math.isfinite(cost[a, b]):
                lit = m.new_bool_var(f"{a}-{b}")
                arcs.append((node_a, b + 1, lit))
                terms.append(round(cost[a, b] * 10) * lit)
                if node_a == 0:
                    from_root.append(lit)
    for b in range(nk):  # a path may end at any key
        arcs.append((b + 1, 0, m.new_bool_var(f"{b}-end")))
    m.add_multiple_circuit(arcs)
    m.add(sum(from_root) <= lines)
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = 2
    solver.solve(m)
    return solver.objective_value / 10, solver.best_objective_bound / 10


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("gap", "peak", "keypath"))
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument(
        "--limit", type=float, default=60.0, help="gap: seconds per plan; keypath: CP-SAT seconds"
    )
    ap.add_argument("--iterations", type=int, default=600, help="peak: iterations per plan")
    args = ap.parse_args()
    week = demo_problems((1,))[1]
    if args.what == "gap":
        gap(week, args.seeds, args.limit)
    elif args.what == "keypath":
        keypath(week, args.limit)
    else:
        peak(week, args.seeds, args.iterations)


if __name__ == "__main__":
    main()
