"""What both arms share in one replication: the demand as it arrives (rush orders), the
per-lot random draws (common random numbers) and the breakdown clocks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from mixshare.engine.problem import Interval, Problem
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.data import STREAMS, Settings, TwinInput, rng


@dataclass(frozen=True)
class Draws:
    """One replication's random numbers, by lot, used by both arms: the same lot gets the
    same standard-normal cycle draw ``z`` (each arm scales it by its own variation) and the
    same uniform ``u`` for the lab (held when ``u`` < the arm's hold probability)."""

    z: dict[str, float]
    u: dict[str, float]
    rush: dict[str, float]  # per order: rush order when below the rush probability
    # per lot: its raw materials are late when ``material_u`` < the late probability, by
    # ``material_e`` (an Exp(1) draw) x the mean delay
    material_u: dict[str, float] = field(default_factory=dict)
    material_e: dict[str, float] = field(default_factory=dict)
    transport_z: dict[str, float] = field(default_factory=dict)  # per order: truck time noise


def draw(inp: TwinInput, settings: Settings, replication: int) -> Draws:
    ids = sorted(inp.lots)
    z = rng(settings.seed, replication, "cycle").standard_normal(len(ids))
    u = rng(settings.seed, replication, "lab").random(len(ids))
    orders = sorted({lot.order for lot in inp.problem.lots})
    pick = rng(settings.seed, replication, "rush").random(len(orders))
    materials = rng(settings.seed, replication, "materials")
    late_u, late_e = materials.random(len(ids)), materials.exponential(1.0, len(ids))
    truck = rng(settings.seed, replication, "transport").standard_normal(len(orders))
    return Draws(
        dict(zip(ids, z.tolist(), strict=True)),
        dict(zip(ids, u.tolist(), strict=True)),
        dict(zip(orders, pick.tolist(), strict=True)),
        dict(zip(ids, late_u.tolist(), strict=True)),
        dict(zip(ids, late_e.tolist(), strict=True)),
        dict(zip(orders, truck.tolist(), strict=True)),
    )


def material_delays(
    problem: Problem, draws: Draws, probability: float, mean_min: float, on: bool
) -> dict[str, float]:
    """Minutes by which each first-stage lot's raw materials arrive after its release (only
    the late ones are listed); later stages wait for their predecessor instead."""
    if not on or probability <= 0:
        return {}
    follows = {chain.succ for chain in problem.chains}
    return {
        lot.id: draws.material_e[lot.id] * mean_min
        for lot in problem.lots
        if lot.id not in follows and draws.material_u.get(lot.id, 1.0) < probability
    }


def transport_minutes(a: Assumptions, member: str) -> float:
    """Mean truck time from the center to ``member`` (its own value, else the default)."""
    own = a.members.get(member, {})
    hours = own.get("transport_hours", a.get("shared.transport_hours"))
    return hours * 60.0


def rush_demand(
    problem: Problem, draws: Draws, probability: float, lead_min: int, on: bool
) -> Problem:
    """The demand as it arrives: an order drawn as a rush order (its uniform draw below
    ``probability``) is urgent and only announced ``lead_min`` before it is due."""
    if not on or probability <= 0:
        return problem
    rush = {o for o, p in draws.rush.items() if p < probability}
    due = {lot.order: lot.due for lot in problem.lots if lot.due is not None}
    lots = []
    for lot in problem.lots:
        if lot.order in rush and lot.order in due:
            announced = max(lot.release, (due[lot.order] or 0) - lead_min)
            lots.append(replace(lot, urgent=True, release=max(0, announced)))
        else:
            lots.append(lot)
    return replace(problem, lots=tuple(lots))


class Failures:
    """Breakdowns of one machine: running time to the next failure ~ Exp(MTBF), repair ~
    Exp(MTTR); only running (mixing) time ages the machine."""

    def __init__(self, gen: np.random.Generator, mtbf_min: float, mttr_min: float, on: bool):
        self.gen, self.mtbf, self.mttr, self.on = gen, mtbf_min, mttr_min, on
        self.left = gen.exponential(mtbf_min) if on else math.inf

    def repairs(self, running: float) -> float:
        """Repair minutes that fall into ``running`` minutes of mixing."""
        total = 0.0
        while self.left <= running:
            running -= self.left
            total += float(self.gen.exponential(self.mttr))
            self.left = float(self.gen.exponential(self.mtbf))
        self.left -= running
        return total


def machine_rng(settings: Settings, replication: int, machine: int) -> np.random.Generator:
    sequence = np.random.SeedSequence(
        settings.seed, spawn_key=(replication, STREAMS.index("breakdowns"), machine)
    )
    return np.random.default_rng(sequence)


def noise(z: float, cv: float, on: bool) -> float:
    """Lognormal factor with mean 1 and coefficient of variation ``cv`` (about)."""
    if not on or cv <= 0:
        return 1.0
    sigma = math.sqrt(math.log(1.0 + cv * cv))
    return math.exp(sigma * z - sigma * sigma / 2.0)


def fit(blocked: tuple[Interval, ...], start: float, length: float) -> float:
    """The earliest time >= ``start`` at which ``[t, t + length)`` misses every interval."""
    t = start
    moved = True
    while moved:
        moved = False
        for iv in blocked:
            if iv.start < t + length and t < iv.end:
                t, moved = float(iv.end), True
    return t


def hold(draws: Draws, lot: str, probability: float, on: bool) -> bool:
    return on and draws.u.get(lot, 1.0) < probability


def assumption_minutes(a: Assumptions, key: str) -> float:
    return a.get(key) * 60.0


class CountingEnvironment:
    """A SimPy environment that counts the events it processes (for events per second)."""

    def __new__(cls) -> Any:
        import simpy

        class _Env(simpy.Environment):
            events = 0

            def step(self) -> None:
                self.events += 1
                super().step()

        return _Env()
