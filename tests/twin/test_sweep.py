"""Scenario sweeps: scaled demand and lines, the same outcomes on a Dask LocalCluster of one
or two workers as in one process, and the sizing curve's shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest

from mixshare.engine.synthetic import generate
from mixshare.twin import assumptions as assumption_file
from mixshare.twin import size as sizing
from mixshare.twin.data import Settings, TwinInput, lot_from_problem
from mixshare.twin.results import kpis
from mixshare.twin.sweep import (
    Outcome,
    Scenario,
    copies,
    executor,
    mixed_tonnes_per_year,
    run_task,
    scale_demand,
    scenario_seed,
    sweep,
    with_lines,
)

A = assumption_file.load()
QUICK = Settings(replications=2, seed=4, engine_iterations=1)


@pytest.fixture(scope="module")
def small() -> TwinInput:
    problem = generate(days=2, load=0.4, seed=3)
    return TwinInput(problem, lot_from_problem(problem))


class InProcess(Executor):
    """Runs each task at once in this process (the reference the pools must match)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def marks(outcomes: list[Outcome]) -> list[tuple[int, int, str, dict[str, float]]]:
    return [
        (o.scenario, o.replication, arm, kpis(result, A))
        for o in outcomes
        for arm, result in sorted(o.arms.items())
    ]


def test_copies_spread_orders_evenly_and_keep_the_total() -> None:
    for scale in (0.3, 0.5, 1.0, 1.7, 2.0):
        assert sum(copies(i, scale) for i in range(40)) == int(40 * scale + 1e-9)
    assert [copies(i, 0.5) for i in range(6)] == [0, 1, 0, 1, 0, 1]
    assert [copies(i, 1.5) for i in range(4)] == [1, 2, 1, 2]


def test_scale_demand_repeats_or_thins_whole_orders(small: TwinInput) -> None:
    orders = {lot.order for lot in small.problem.lots}
    double = scale_demand(small, 2.0)
    assert len(double.problem.lots) == 2 * len(small.problem.lots)
    assert len(double.problem.chains) == 2 * len(small.problem.chains)
    assert {lot.order for lot in double.problem.lots} >= orders
    assert mixed_tonnes_per_year(double) == pytest.approx(2 * mixed_tonnes_per_year(small))
    assert set(double.lots) == {lot.id for lot in double.problem.lots}
    half = scale_demand(small, 0.5)
    assert len({lot.order for lot in half.problem.lots}) == len(orders) // 2
    kept = {lot.id for lot in half.problem.lots}
    assert all(c.pred in kept and c.succ in kept for c in half.problem.chains)
    with pytest.raises(ValueError, match="must be > 0"):
        scale_demand(small, 0.0)


def test_with_lines_copies_the_stored_lines_in_turn(small: TwinInput) -> None:
    stored = [line.id for line in small.problem.lines]
    three = with_lines(small, len(stored) + 1)
    ids = [line.id for line in three.problem.lines]
    assert ids == [*stored, f"{stored[0]}.2"]
    copy = three.problem.lines[-1]
    assert copy.unavailable == small.problem.lines[0].unavailable
    for lot, original in zip(three.problem.lots, small.problem.lots, strict=True):
        first = original.option(stored[0])
        if first is not None:
            twin = lot.option(copy.id)
            assert twin is not None
            assert (twin.batches, twin.minutes, twin.kwh) == (
                first.batches,
                first.minutes,
                first.kwh,
            )
    one = with_lines(small, 1)
    assert [line.id for line in one.problem.lines] == stored[:1]
    assert all([o.line for o in lot.options] == stored[:1] for lot in one.problem.lots)


def test_scenario_seeds_depend_on_indices_only() -> None:
    assert scenario_seed(9, 3, common=True) == 9
    assert scenario_seed(9, 3, common=False) == scenario_seed(9, 3, common=False)
    assert len({scenario_seed(9, s, common=False) for s in range(20)}) == 20


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return [
        Scenario("base"),
        Scenario("more, 3 lines", demand_scale=1.5, lines=3),
        Scenario(
            "less, 1 line, slow", demand_scale=0.6, lines=1, values=(("shared.cycle_cv", 0.1),)
        ),
    ]


@pytest.fixture(scope="module")
def reference(small: TwinInput, scenarios: list[Scenario]) -> list[Outcome]:
    return sweep(InProcess(), small, scenarios, QUICK, A, common_numbers=False)


def test_a_sweep_is_every_scenario_times_every_replication(
    small: TwinInput, scenarios: list[Scenario], reference: list[Outcome]
) -> None:
    assert [(o.scenario, o.replication) for o in reference] == [
        (s, r) for s in range(3) for r in range(2)
    ]
    assert all(set(o.arms) == {"shared", "standalone"} for o in reference)
    # a task alone gives what it gave inside the sweep (nothing depends on the others)
    seed = scenario_seed(QUICK.seed, 1, common=False)
    alone = run_task(
        small,
        scenarios[1],
        1,
        1,
        Settings(replications=2, seed=seed, engine_iterations=1),
        A,
        ("shared",),
    )
    assert kpis(alone.arms["shared"], A) == kpis(reference[3].arms["shared"], A)
    with pytest.raises(ValueError, match="arms must be among"):
        sweep(InProcess(), small, scenarios, QUICK, A, arms=("nope",))


@pytest.mark.slow
def test_local_cluster_of_one_or_two_workers_gives_identical_outcomes(
    small: TwinInput, scenarios: list[Scenario], reference: list[Outcome]
) -> None:
    from distributed import Client, LocalCluster

    def cluster(workers: int) -> LocalCluster:
        return LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )

    seen: list[tuple[int, int]] = []
    with cluster(1) as one_worker, Client(one_worker) as client:
        one = sweep(
            client.get_executor(pure=False),
            small,
            scenarios,
            QUICK,
            A,
            common_numbers=False,
            done=lambda n, total: seen.append((n, total)),
        )
    # two workers, reached by address as ``--cluster tcp://HOST:8786`` reaches a cluster
    with cluster(2) as two_workers, executor(two_workers.scheduler_address) as pool:
        two = sweep(pool, small, scenarios, QUICK, A, common_numbers=False)
    assert marks(one) == marks(two) == marks(reference)
    assert seen == [(n, 6) for n in range(1, 7)]


def test_size_curve_has_a_point_per_demand_and_lines(small: TwinInput) -> None:
    base = mixed_tonnes_per_year(small) / 1000
    levels, counts = [round(base * 0.5, 3), round(base, 3)], [1, 2]
    plan = sizing.scenarios(small, levels, counts)
    assert [s.lines for s in plan] == [1, 2, 1, 2]
    assert plan[2].demand_scale == pytest.approx(1.0, abs=1e-3)
    outcomes = sweep(InProcess(), small, plan, QUICK, A, arms=("shared",))
    points = sizing.curve(small, levels, counts, outcomes, A)
    assert [(p.demand_kt, p.lines) for p in points] == [(kt, n) for kt in levels for n in counts]
    doc = sizing.document(points, {"replications": 2})
    assert set(doc) == {"replications", "target_on_time", "points", "smallest"}
    for point in doc["points"]:
        keys = {"demand_kt", "actual_kt", "lines", "orders", "unfinished_orders", "overloaded"}
        assert set(point) == keys | set(sizing.SIZE_KPIS)
        assert point["overloaded"] == (point["unfinished_orders"] > 0)
        low, high = point["on_time_rate"]["ci95"]
        assert 0 <= low <= point["on_time_rate"]["mean"] <= high
    assert [s["demand_kt"] for s in doc["smallest"]] == levels
    for entry in doc["smallest"]:
        assert entry["lines"] in (None, *counts)


def test_parse_range_names_the_option_and_the_problem() -> None:
    assert sizing.parse_range("--demand-kt", "40:160:20") == [40, 60, 80, 100, 120, 140, 160]
    assert sizing.parse_lines("1:4") == [1, 2, 3, 4]
    assert sizing.parse_lines("2") == [2]
    bad = {
        "40:10:20": "the end (10) is below the start (40)",
        "40:160:0": "the step (0) must be > 0",
        "0:100:20": "the start (0) must be > 0",
        "forty:160": "expected numbers",
        "1:2:3:4": "expected START:END:STEP",
    }
    for text, why in bad.items():
        with pytest.raises(
            sizing.RangeError, match=re.escape(f"--demand-kt '{text}'") + ".*" + re.escape(why)
        ):
            sizing.parse_range("--demand-kt", text)
    with pytest.raises(sizing.RangeError, match="whole numbers"):
        sizing.parse_lines("1.5:3")


def test_an_overloaded_point_is_marked_and_its_unmixed_orders_count_late(
    small: TwinInput,
) -> None:
    """Five times the demand on one line for one day past the demand: orders are left
    unmixed; the point says so, and its on-time rate is at most the share of orders mixed."""
    base = mixed_tonnes_per_year(small) / 1000
    levels, counts = [round(base * 5, 3)], [1]
    plan = sizing.scenarios(small, levels, counts)
    settings = Settings(replications=1, seed=4, engine_iterations=1, drain_days=1.0)
    outcomes = sweep(InProcess(), small, plan, settings, A, arms=("shared",))
    (point,) = sizing.curve(small, levels, counts, outcomes, A)
    total = outcomes[0].arms["shared"].total()
    assert point.overloaded and point.unfinished == total.orders - total.completed > 0
    assert point.mean("on_time_rate") <= total.completed / total.orders
    assert outcomes[0].cpu_seconds > 0
