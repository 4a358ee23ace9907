"""KPIs recomputed from a schedule alone (independent of the optimizer's own bookkeeping).

The money breakdown (``*_yuan``) prices the plan with ``Problem.money`` whatever objective the
plan was made with, so money and lexicographic plans compare in the same unit:

- ``tardiness_yuan``: per late lot, its tonnes x the lateness price per tonne-hour x its
  tardiness weight (member priority, plus ``Weights.urgent_lot`` for a rush order) x hours late;
- ``cleaning_yuan``: cleaning batches x the cleaning-batch price;
- ``changeover_yuan``: changeover hours x the changeover price per line hour;
- ``energy_cost``: every lot's kWh at the TOU price of the minutes it runs;
- ``total_yuan``: their sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mixshare.engine.problem import Lot, Problem
from mixshare.engine.solution import Schedule

UNPRICED = "unpriced"


@dataclass(frozen=True)
class Kpis:
    weighted_tardiness: float
    late_lots: int
    changeover_minutes: int
    changeover_hours: float
    cleaning_batches: int
    changeover_cost: float
    energy_kwh: float
    energy_cost: float
    energy_kwh_by_period: dict[str, float] = field(default_factory=dict)
    energy_cost_by_period: dict[str, float] = field(default_factory=dict)
    utilisation: dict[str, float] = field(default_factory=dict)
    lots_moved: int = 0
    unplanned_orders: int = 0
    unplanned_lots: int = 0
    makespan: int = 0
    objective: float = 0.0
    tardiness_yuan: float = 0.0
    cleaning_yuan: float = 0.0
    changeover_yuan: float = 0.0
    total_yuan: float = 0.0
    objective_mode: str = "money"


def _energy(
    problem: Problem, lot: Lot, line: str, start: int, end: int
) -> list[tuple[str, float, float]]:
    """(period name, kWh, cost) pieces of one lot, its kWh spread evenly over its run."""
    opt = lot.option(line)
    if opt is None or end <= start:
        return []
    per_min = opt.kwh / (end - start)
    pieces: list[tuple[str, float, float]] = []
    covered = 0
    for p in problem.prices:
        ov = min(end, p.end) - max(start, p.start)
        if ov > 0:
            pieces.append((p.name, per_min * ov, per_min * ov * p.price))
            covered += ov
    if covered < end - start:  # minutes without a tariff period cost nothing but still count
        pieces.append((UNPRICED, per_min * (end - start - covered), 0.0))
    return pieces


def _available_minutes(problem: Problem, line_id: str) -> int:
    line = next(x for x in problem.lines if x.id == line_id)
    down = 0
    for iv in line.unavailable:
        down += max(0, min(iv.end, problem.horizon) - max(iv.start, 0))
    return max(1, problem.horizon - down)


def _moved(problem: Problem, schedule: Schedule) -> int:
    placed = {s.lot: s for s in schedule.lots}
    known = {lot.id for lot in problem.lots}
    moved = 0
    for p in problem.previous:
        if p.lot not in known:
            continue  # cancelled lots are not "moved"
        s = placed.get(p.lot)
        if s is None or s.line != p.line or s.start != p.start:
            moved += 1
    return moved


def compute_kpis(problem: Problem, schedule: Schedule) -> Kpis:
    """All KPIs of ``schedule``, its money breakdown, and its objective under the problem's
    objective (:meth:`Problem.objective_weights`)."""
    lots = {lot.id: lot for lot in problem.lots}
    wt, late, late_yuan, objective_tardiness = 0.0, 0, 0.0, 0.0
    kwh_by: dict[str, float] = {}
    cost_by: dict[str, float] = {}
    busy: dict[str, int] = {line.id: 0 for line in problem.lines}
    for s in schedule.lots:
        lot = lots[s.lot]
        if lot.due is not None and s.end > lot.due:
            wt += problem.weights.tardiness_weight(lot) * (s.end - lot.due)
            late_yuan += problem.lateness_per_minute(lot) * (s.end - lot.due)
            objective_tardiness += problem.tardiness_weight(lot) * (s.end - lot.due)
            late += 1
        busy[s.line] = busy.get(s.line, 0) + s.end - s.start
        for name, kwh, cost in _energy(problem, lot, s.line, s.start, s.end):
            kwh_by[name] = kwh_by.get(name, 0.0) + kwh
            cost_by[name] = cost_by.get(name, 0.0) + cost
    co_min = sum(c.end - c.start for c in schedule.changeovers)
    cleaning = sum(c.cleaning_batches for c in schedule.changeovers)
    co_cost = sum(c.cost for c in schedule.changeovers)
    unplanned = set(schedule.unplanned)
    orders = {lots[i].order for i in unplanned if i in lots}
    moved = _moved(problem, schedule)
    energy_cost = sum(cost_by.values())
    w = problem.objective_weights()
    objective = (
        w.tardiness * objective_tardiness
        + w.changeover_minute * co_min
        + w.cleaning_batch * cleaning
        + w.changeover_cost * co_cost
        + w.energy_cost * energy_cost
        + w.moved_lot * moved
        + w.unplanned_order * len(orders)
    )
    return Kpis(
        weighted_tardiness=wt,
        late_lots=late,
        changeover_minutes=co_min,
        changeover_hours=co_min / 60.0,
        cleaning_batches=cleaning,
        changeover_cost=co_cost,
        energy_kwh=sum(kwh_by.values()),
        energy_cost=energy_cost,
        energy_kwh_by_period=kwh_by,
        energy_cost_by_period=cost_by,
        utilisation={k: v / _available_minutes(problem, k) for k, v in busy.items()},
        lots_moved=moved,
        unplanned_orders=len(orders),
        unplanned_lots=len(unplanned),
        makespan=max((s.end for s in schedule.lots), default=0),
        objective=objective,
        tardiness_yuan=late_yuan,
        cleaning_yuan=cleaning * problem.money.cleaning_batch,
        changeover_yuan=co_min / 60 * problem.money.changeover_hour,
        total_yuan=(
            late_yuan
            + cleaning * problem.money.cleaning_batch
            + co_min / 60 * problem.money.changeover_hour
            + energy_cost
        ),
        objective_mode=problem.weights.objective,
    )
