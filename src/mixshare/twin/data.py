"""Plain inputs of the twin: the demand trace (an engine problem plus tonnes per lot), the
run settings and the disturbances. No database or web imports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from mixshare.engine.problem import Problem

DAY = 1440
WEEK = 7 * DAY
# Random streams of one replication, by name: each gets its own numpy Generator derived from
# (seed, replication, stream), so a stream's numbers never depend on the other streams, on
# the order replications run in, or on how many workers run them.
# New streams go at the end: a stream's index is part of its seed.
STREAMS = ("rush", "cycle", "lab", "breakdowns", "materials", "transport")


@dataclass(frozen=True)
class TwinLot:
    """What the twin needs beside the engine's lot: whose it is, which stage, how heavy."""

    id: str
    order: str
    member: str
    stage: str
    tonnes: float


@dataclass(frozen=True)
class TwinInput:
    """The demand trace: ``problem`` holds every lot of the simulated weeks as the engine sees
    it (minute 0 = Monday 00:00 of the first week); ``lots`` adds member, stage and tonnes."""

    problem: Problem
    lots: Mapping[str, TwinLot]
    members: tuple[str, ...] = ()

    def member_codes(self) -> tuple[str, ...]:
        return self.members or tuple(sorted({lot.member for lot in self.lots.values()}))


@dataclass(frozen=True)
class Disturbances:
    breakdowns: bool = True
    cycle_noise: bool = True
    lab_holds: bool = True
    rush_orders: bool = True
    late_materials: bool = True  # shared arm: a lot waits for its raw materials
    transport: bool = True  # shared arm: truck from the center to the member

    @classmethod
    def off(cls) -> Disturbances:
        return cls(False, False, False, False, False, False)


@dataclass(frozen=True)
class Settings:
    """How the twin runs. ``replan_hours`` 0 plans once for the whole horizon; otherwise the
    engine re-plans every ``replan_hours`` with the previous plan as warm start (the
    engine's ``previous`` placements), planning the orders due within ``lookahead_days``.
    The engine runs a fixed number of ``engine_iterations`` (reproducible; it takes as long
    as it takes) or, with 0 iterations, ``engine_time_limit`` seconds (not reproducible),
    starting from the best of the first ``engine_rules`` rules of its construction portfolio
    (0: all of them). With ``replan_fresh`` every re-plan also plans the same lots without
    the warm start and publishes that plan when it leaves fewer orders unplanned or less
    weighted tardiness (a planner's "fresh" re-plan when least change would make orders late:
    rush orders in a tightly packed plan)."""

    replications: int = 5
    seed: int = 0
    replan_hours: float = 24.0
    lookahead_days: float = 7.0
    engine_iterations: int = 10
    engine_time_limit: float = 2.0
    engine_rules: int = 3
    replan_fresh: bool = True
    disturbances: Disturbances = field(default_factory=Disturbances)
    # the simulation stops this long after the horizon even if lots are left (they count late)
    drain_days: float = 14.0


def rng(seed: int, replication: int, stream: str) -> np.random.Generator:
    """The Generator of one stream of one replication (see ``STREAMS``)."""
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, STREAMS.index(stream)))
    return np.random.default_rng(sequence)


def lot_from_problem(problem: Problem, kg_per_batch: float = 330.0) -> dict[str, TwinLot]:
    """Tonnes per lot for a problem without them (synthetic instances): its first option's
    batches times ``kg_per_batch``; the stage is the setup key's suffix (``C07/MB``)."""
    out = {}
    for lot in problem.lots:
        stage = lot.setup_key.rsplit("/", 1)[-1]
        tonnes = lot.options[0].batches * kg_per_batch / 1000.0
        out[lot.id] = TwinLot(lot.id, lot.order, lot.member, stage, tonnes)
    return out
