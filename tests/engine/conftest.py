"""Small builders for hand-made engine instances."""

from __future__ import annotations

from typing import TypedDict

from mixshare.engine.kpis import Kpis, compute_kpis
from mixshare.engine.problem import (
    Changeover,
    Interval,
    Line,
    Lot,
    LotOption,
    Placement,
    Problem,
)
from mixshare.engine.solution import Schedule
from mixshare.engine.validate import validate

Matrix = dict[str, dict[str, Changeover | None]]
"""A line's changeover matrix, ``Line.changeovers`` (annotate hand-written ones with it: the
inferred ``dict[str, dict[str, Changeover]]`` is not one, dicts being invariant)."""


class SolveOptions(TypedDict):
    """Keyword arguments of ``search.solve`` that the tests share (``solve(p, **FAST)``)."""

    time_limit: float
    workers: int
    iterations: int


def lot(
    lid: str,
    minutes: int,
    key: str = "X",
    order: str | None = None,
    lines: tuple[str, ...] = ("A",),
    release: int = 0,
    due: int | None = None,
    weight: float = 1.0,
    kwh: float = 0.0,
) -> Lot:
    opts = tuple(LotOption(ln, 1, minutes, kwh) for ln in lines)
    return Lot(lid, order or lid, "M1", key, opts, release, due, weight)


def line(
    lid: str = "A",
    matrix: Matrix | None = None,
    initial_key: str | None = None,
    unavailable: tuple[Interval, ...] = (),
) -> Line:
    return Line(lid, matrix or {}, initial_key=initial_key, unavailable=unavailable)


def judged(problem: Problem, schedule: Schedule) -> Kpis:
    """Every solver test goes through the independent validator and KPI recomputation."""
    errors = validate(problem, schedule)
    assert errors == [], errors
    k = compute_kpis(problem, schedule)
    if schedule.objective is not None:
        assert abs(k.objective - schedule.objective) <= 1e-6 * max(1.0, abs(k.objective))
    return k


def starts(schedule: Schedule) -> dict[str, tuple[str, int]]:
    return {s.lot: (s.line, s.start) for s in schedule.lots}


def replan_after_outage(p: Problem, first: Schedule, day: int) -> Problem:
    """``p`` re-planned from ``first`` after a 6 h outage of its first line on ``day``: the
    plan is frozen up to the outage, minus any lot of that line that would run into it."""
    l1 = p.lines[0]
    out = Interval(day * 1440, day * 1440 + 360)
    lines = (type(l1)(l1.id, l1.changeovers, l1.initial_key, (*l1.unavailable, out)), *p.lines[1:])
    frozen = min(
        [out.start]
        + [
            x.start
            for x in first.lots
            if x.line == l1.id and x.start < out.end and x.end > out.start
        ]
    )
    prev = tuple(Placement(x.lot, x.line, x.start) for x in first.lots)
    return Problem(p.horizon, lines, p.lots, p.chains, p.prices, previous=prev, frozen_until=frozen)
