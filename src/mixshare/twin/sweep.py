"""Scenario sweeps of the twin: scenarios x replications, run on Dask distributed.

A sweep is a list of :class:`Scenario` (demand scale, number of lines, assumption values)
times ``settings.replications``. Every (scenario, replication) is one task; the task's random
streams come from ``numpy.random.SeedSequence`` keyed by indices only (seed, scenario index,
replication, stream), never by the worker or the order tasks finish in, so a sweep gives the
same numbers on one process, on a pool, on a ``distributed.LocalCluster`` or on a remote
cluster.

Where tasks run is a ``concurrent.futures.Executor``: by default a local process pool (no
cluster: :class:`concurrent.futures.ProcessPoolExecutor`), in the tests and on a real cluster
Dask distributed's ``Client.get_executor()`` (``--cluster tcp://HOST:8786``). The sweep code
only submits and collects as tasks complete, so it is the same code on all three.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from mixshare.engine.problem import Line, Lot, LotOption
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.common import draw
from mixshare.twin.data import Settings, TwinInput, TwinLot
from mixshare.twin.run import engine_planner
from mixshare.twin.shared import SharedArm
from mixshare.twin.standalone import run_standalone
from mixshare.twin.tally import ArmResult

ARMS = ("shared", "standalone")
# SeedSequence key of the sweep's per-scenario seeds (apart from the replications' keys)
SCENARIO_STREAM = 1_000
Done = Callable[[int, int], None]


@dataclass(frozen=True)
class Scenario:
    """One point of a sweep: the demand scaled by ``demand_scale`` (orders repeated or thinned
    out, see :func:`scale_demand`), ``lines`` lines (0: the center's lines as stored, see
    :func:`with_lines`) and assumption values changed (``(key, value)`` pairs)."""

    key: str
    demand_scale: float = 1.0
    lines: int = 0
    values: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """One replication of one scenario: the arms' tallies (the executed schedule dropped)."""

    scenario: int
    replication: int
    arms: dict[str, ArmResult]
    cpu_seconds: float = 0.0  # the task's CPU time on its worker


# --- scenarios ---------------------------------------------------------------------------------


def copies(index: int, scale: float) -> int:
    """How many times the ``index``-th order (in id order) appears at ``scale``: spread
    evenly, so every stretch of the order book keeps its share and the total is
    ``floor(orders x scale)``."""
    return math.floor((index + 1) * scale + 1e-9) - math.floor(index * scale + 1e-9)


def _copy_id(lot_or_order: str, copy: int) -> str:
    return lot_or_order if copy == 0 else f"{lot_or_order}~{copy}"


def scale_demand(inp: TwinInput, scale: float) -> TwinInput:
    """The demand times ``scale``: every order repeated (copy ``c`` > 0 gets ids ``ID~c``,
    with the same compound, member, release and due time) or, below 1, every other one left
    out, spread evenly over the order book (:func:`copies`). Lot sizes stay as the center
    makes them, so changeovers grow with the number of orders."""
    if scale == 1.0:
        return inp
    if scale <= 0:
        raise ValueError(f"demand scale must be > 0, got {scale}")
    orders = sorted({lot.order for lot in inp.problem.lots})
    times = {order: copies(i, scale) for i, order in enumerate(orders)}
    lots: list[Lot] = []
    twin: dict[str, TwinLot] = {}
    for lot in inp.problem.lots:
        for c in range(times[lot.order]):
            new = replace(lot, id=_copy_id(lot.id, c), order=_copy_id(lot.order, c))
            lots.append(new)
            twin[new.id] = replace(inp.lots[lot.id], id=new.id, order=new.order)
    order_of = {lot.id: lot.order for lot in inp.problem.lots}
    chains = [
        replace(chain, pred=_copy_id(chain.pred, c), succ=_copy_id(chain.succ, c))
        for chain in inp.problem.chains
        for c in range(times[order_of[chain.succ]])
    ]
    problem = replace(inp.problem, lots=tuple(lots), chains=tuple(chains), locked=(), previous=())
    return TwinInput(problem, twin, inp.members)


def with_lines(inp: TwinInput, count: int) -> TwinInput:
    """The center with ``count`` lines: the stored lines in order, then copies of them in
    turn (copy ``k`` of line ``L1`` is ``L1.k``: same stages, cycle times, changeovers,
    calendar and maintenance). Every lot may run on a copy as on its original; a lot whose
    every eligible line is left out runs on the first line, as on the first stored line that
    could run it (the demo's lines all run every stage)."""
    stored = inp.problem.lines
    if count <= 0 or count == len(stored):
        return inp
    chosen: list[tuple[Line, Line]] = []  # (new line, its template)
    for k in range(count):
        template = stored[k % len(stored)]
        copy = k // len(stored)
        line = template if copy == 0 else replace(template, id=f"{template.id}.{copy + 1}")
        chosen.append((line, template))
    lots = tuple(replace(lot, options=_options(lot, chosen)) for lot in inp.problem.lots)
    problem = replace(
        inp.problem,
        lines=tuple(line for line, _ in chosen),
        lots=lots,
        locked=(),
        previous=(),
    )
    return TwinInput(problem, inp.lots, inp.members)


def _options(lot: Lot, chosen: Sequence[tuple[Line, Line]]) -> tuple[LotOption, ...]:
    out = []
    for line, template in chosen:
        option = lot.option(template.id)
        if option is not None:
            out.append(replace(option, line=line.id))
    if not out:  # none of its lines kept: the first line runs it as its first option says
        out.append(replace(lot.options[0], line=chosen[0][0].id))
    return tuple(out)


def scenario_input(inp: TwinInput, scenario: Scenario) -> TwinInput:
    return with_lines(scale_demand(inp, scenario.demand_scale), scenario.lines)


def scenario_assumptions(a: Assumptions, scenario: Scenario) -> Assumptions:
    for key, value in scenario.values:
        a = a.with_value(key, value)
    return a


def mixed_tonnes_per_year(inp: TwinInput) -> float:
    """The demand's tonnes through a mixer (every stage, as the 100 kt/yr claim counts them),
    per year of 52 weeks."""
    weeks = inp.problem.horizon / (7 * 1440)
    return sum(lot.tonnes for lot in inp.lots.values()) / weeks * 52.0


# --- seeds -------------------------------------------------------------------------------------


def scenario_seed(seed: int, scenario: int, common: bool) -> int:
    """The seed of one scenario's replications. ``common`` (common random numbers across
    scenarios): every scenario uses ``seed`` itself, so replication r of every scenario sees
    the same draws per lot, order and line (differences between scenarios are sharper);
    otherwise an independent seed from ``SeedSequence(seed, spawn_key=(SCENARIO_STREAM,
    scenario))``. Either way only indices go in, never a worker."""
    if common:
        return seed
    sequence = np.random.SeedSequence(seed, spawn_key=(SCENARIO_STREAM, scenario))
    return int(sequence.generate_state(1, dtype=np.uint32)[0] & 0x7FFFFFFF)


# --- one task ----------------------------------------------------------------------------------


def run_task(
    inp: TwinInput,
    scenario: Scenario,
    index: int,
    replication: int,
    settings: Settings,
    assumptions: Assumptions,
    arms: tuple[str, ...],
) -> Outcome:
    """One replication of one scenario (runs on a worker). ``settings.seed`` is already the
    scenario's seed (:func:`scenario_seed`)."""
    began = time.process_time()
    local = scenario_input(inp, scenario)
    a = scenario_assumptions(assumptions, scenario)
    draws = draw(local, settings, replication)
    out: dict[str, ArmResult] = {}
    if "shared" in arms:
        planner = engine_planner(settings)
        out["shared"] = SharedArm(local, settings, a, replication, draws, planner).run()
    if "standalone" in arms:
        out["standalone"] = run_standalone(local, settings, a, replication, draws)
    for result in out.values():
        result.executed = {}
    return Outcome(index, replication, out, time.process_time() - began)


# --- where tasks run ---------------------------------------------------------------------------


@contextmanager
def executor(cluster: str | None = None, workers: int = 0) -> Iterator[Executor]:
    """Where a sweep's tasks run: a Dask distributed cluster at ``cluster`` (a scheduler
    address such as ``tcp://HOST:8786``), else a local pool of ``workers`` processes
    (0: one per CPU)."""
    if cluster:
        from distributed import Client

        with Client(cluster) as client:
            yield client.get_executor(pure=False)
        return
    count = workers or multiprocessing.cpu_count()
    # spawn: a clean interpreter per worker, as Dask's LocalCluster starts them
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        yield pool


def sweep(
    pool: Executor,
    inp: TwinInput,
    scenarios: Sequence[Scenario],
    settings: Settings,
    assumptions: Assumptions,
    *,
    arms: tuple[str, ...] = ARMS,
    common_numbers: bool = True,
    done: Done | None = None,
) -> list[Outcome]:
    """Every scenario x ``settings.replications`` on ``pool``, as tasks complete (``done``
    gets (finished, total) after each); the outcomes in (scenario, replication) order."""
    unknown = set(arms) - set(ARMS)
    if unknown or not arms:
        raise ValueError(f"arms must be among {ARMS}, got {arms}")
    futures: list[Future[Outcome]] = []
    for index, scenario in enumerate(scenarios):
        seed = scenario_seed(settings.seed, index, common_numbers)
        local = replace(settings, seed=seed)
        for replication in range(settings.replications):
            futures.append(
                pool.submit(run_task, inp, scenario, index, replication, local, assumptions, arms)
            )
    outcomes = []
    for finished, future in enumerate(as_completed(futures), start=1):
        outcomes.append(future.result())
        if done is not None:
            done(finished, len(futures))
    return sorted(outcomes, key=lambda o: (o.scenario, o.replication))
