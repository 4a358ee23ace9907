"""The portfolio's worker pools: a Dask cluster gives the plan the local processes give.

A reproducible run (``iterations`` set) depends only on the problem, the seed and the worker
count, so the same run with its helpers on a ``distributed.LocalCluster`` (separate worker
processes reached over loopback TCP) must return exactly the plan of the local pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mixshare.engine.pool import DaskPool, LocalPool, default_pool, worker_seed
from mixshare.engine.search import solve
from mixshare.engine.solution import Schedule
from mixshare.engine.synthetic import generate

from .conftest import judged


@pytest.fixture(scope="module")
def cluster_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _placements(s: Schedule) -> list[tuple[str, str, int]]:
    return sorted((x.lot, x.line, x.start) for x in s.lots)


def test_cluster_gives_the_local_pools_plan(cluster_client: Any) -> None:
    p = generate(days=2, load=0.6, seed=3)
    kw: dict[str, Any] = {"time_limit": 30.0, "seed": 11, "workers": 3, "iterations": 12}
    local = solve(p, pool=LocalPool(), **kw)
    remote = solve(p, pool=DaskPool(cluster_client), **kw)
    judged(p, local)
    judged(p, remote)
    assert _placements(remote) == _placements(local)
    assert remote.objective == pytest.approx(local.objective)


def test_a_lost_task_is_redone_in_process(
    cluster_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a task that fails on the cluster (here: every task raises there) is computed by the
    # caller in a reproducible run, so the plan is still the local pool's
    def flaky(task: int) -> int:
        import os

        if os.environ.get("MIXSHARE_TEST_CALLER") != str(os.getpid()):
            raise RuntimeError("lost worker")
        return task * 2

    import os

    monkeypatch.setenv("MIXSHARE_TEST_CALLER", str(os.getpid()))  # the cluster's workers
    # were started before: they do not see it
    pool = DaskPool(cluster_client)
    handle = pool.submit(flaky, [1, 2, 3])
    assert pool.gather(flaky, [1, 2, 3], handle, 1.0, deterministic=True) == [2, 4, 6]
    handle = pool.submit(flaky, [1, 2, 3])
    assert pool.gather(flaky, [1, 2, 3], handle, 1.0, deterministic=False) == []


def test_default_pool_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIXSHARE_DASK_SCHEDULER", raising=False)
    assert isinstance(default_pool(), LocalPool)
    monkeypatch.setenv("MIXSHARE_DASK_SCHEDULER", "tcp://127.0.0.1:8786")
    assert isinstance(default_pool(), DaskPool)  # connects on first use only


def test_runs_with_different_seeds_share_no_random_stream() -> None:
    # a run's main search uses its seed itself; its helpers (per phase and worker) must use
    # none of the seeds another run's main search or helpers use, or "5 seeds" measure fewer
    # independent runs (seed + worker made run seed 0's helper replay run seed 1)
    helpers = [
        worker_seed(worker_seed(s, k), w) for s in range(200) for k in range(3) for w in (1, 2, 3)
    ]
    assert len(set(helpers)) == len(helpers)
    assert not set(helpers) & set(range(10_000))
    assert all(0 <= x < 2**32 for x in helpers)
    assert worker_seed(5, 1) == worker_seed(5, 1)  # the same run seed, the same streams


def test_consecutive_run_seeds_use_disjoint_search_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    # every Search the runs start in this process (the main search) and every helper task they
    # hand to the pool: run seed 0's helpers once replayed run seed 1's main search
    from mixshare.engine import search

    used: list[int] = []
    original_init = search.Search.__init__
    original_tasks = search._helper_tasks

    def init(self: Any, model: Any, seed: int, *args: Any, **kw: Any) -> None:
        used.append(seed)
        original_init(self, model, seed, *args, **kw)

    def tasks(*args: Any, **kw: Any) -> list[Any]:
        made = original_tasks(*args, **kw)
        used.extend(t.seed for t in made)
        return made

    monkeypatch.setattr(search.Search, "__init__", init)
    monkeypatch.setattr(search, "_helper_tasks", tasks)
    p = generate(days=2, load=0.6, seed=3)
    seeds_of_run = []
    for run_seed in range(3):
        used.clear()
        solve(p, time_limit=10.0, seed=run_seed, workers=2, iterations=2, bound=False)
        seeds_of_run.append(set(used))
    assert all(len(s) >= 2 for s in seeds_of_run)  # a main search and its helpers were seen
    for a in range(3):
        for b in range(a + 1, 3):
            assert not seeds_of_run[a] & seeds_of_run[b], (a, b)
