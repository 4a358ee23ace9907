"""The shared arm: the center's lines, planned by the real engine in a rolling horizon and
executed by a SimPy model with disturbances.

Every ``replan_hours`` the controller hands the engine the lots not yet started that it can
see (orders due within the look-ahead or overdue; a rush order only once announced), with the
lines' current setups, a line busy until its running lot ends, rest times of stages already
mixed as release times, and the previous plan as warm start (``Problem.previous``: the
engine keeps lots where they were unless moving them pays). Each line then works its
sequence in order: a lot starts at its planned start or later, never earlier (the shop floor
works to the plan), once its predecessor stage has rested and the changeover is done, and
outside maintenance and off-shift time. Breakdowns, cycle-time noise and lab holds (rework
right after the lot on the same line) make execution drift from the plan; the next re-plan
absorbs the drift. The center plans its members' due dates first (``shared.on_time_first``:
the engine's lexicographic objective) unless the assumption says it plans with the stored
planning prices.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from typing import Any

from mixshare.engine.kpis import compute_kpis
from mixshare.engine.problem import (
    Chain,
    Interval,
    Line,
    Lot,
    Placement,
    PricePeriod,
    Problem,
    Weights,
)
from mixshare.engine.solution import Schedule
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.common import (
    CountingEnvironment,
    Draws,
    Failures,
    fit,
    hold,
    machine_rng,
    material_delays,
    noise,
    rush_demand,
    transport_minutes,
)
from mixshare.twin.data import DAY, WEEK, Settings, TwinInput
from mixshare.twin.prices import PriceCurve
from mixshare.twin.tally import ArmResult, Tally

Planner = Callable[[Problem, int], Schedule]
# the re-planned horizon reaches this far past the demand's horizon, so late lots still fit
TAIL_MIN = 3 * DAY


@dataclass
class _Run:
    line: str
    start: float
    end: float


class SharedArm:
    def __init__(
        self,
        inp: TwinInput,
        settings: Settings,
        assumptions: Assumptions,
        replication: int,
        draws: Draws,
        planner: Planner,
    ) -> None:
        a, d = assumptions, settings.disturbances
        self.inp, self.settings, self.a, self.replication = inp, settings, a, replication
        self.draws, self.planner = draws, planner
        self.problem = rush_demand(
            inp.problem,
            draws,
            a.get("shared.rush_probability"),
            int(a.get("shared.rush_lead_hours") * 60),
            d.rush_orders,
        )
        self.lots = {lot.id: lot for lot in self.problem.lots}
        late = material_delays(
            self.problem,
            draws,
            a.get("shared.late_material_probability"),
            a.get("shared.late_material_mean_hours") * 60,
            d.late_materials,
        )
        self.materials_at = {k: self.lots[k].release + v for k, v in late.items()}
        members = {lot.member for lot in self.problem.lots}
        self.truck = {m: transport_minutes(a, m) if d.transport else 0.0 for m in members}
        self.lines = {line.id: line for line in self.problem.lines}
        self.preds: dict[str, list[Chain]] = {}
        for chain in self.problem.chains:
            self.preds.setdefault(chain.succ, []).append(chain)
        self.order_release: dict[str, int] = {}
        for lot in self.problem.lots:
            prev = self.order_release.get(lot.order, lot.release)
            self.order_release[lot.order] = min(prev, lot.release)
        self.order_due = {lot.order: lot.due for lot in self.problem.lots if lot.due is not None}
        for lot in self.problem.lots:
            self.order_due.setdefault(lot.order, self.problem.horizon)
        self.curve = PriceCurve(
            self.problem.prices, self.problem.horizon, a.get("common.price_outside_horizon")
        )
        self.weights = _planning_weights(self.problem.weights, a.get("shared.on_time_first"))
        self.env = CountingEnvironment()
        self.done = {lot_id: self.env.event() for lot_id in self.lots}
        self.runs: dict[str, _Run] = {}
        self.queue: dict[str, list[tuple[str, int]]] = {line: [] for line in self.lines}
        self.previous: dict[str, tuple[str, int]] = {}
        self.key: dict[str, str | None] = {line.id: line.initial_key for line in self.problem.lines}
        self.busy_until = {line: 0.0 for line in self.lines}
        self.replanned = self.env.event()
        self.failures = {
            line: Failures(
                machine_rng(settings, replication, k),
                a.get("shared.mtbf_hours") * 60,
                a.get("shared.mttr_hours") * 60,
                d.breakdowns,
            )
            for k, line in enumerate(self.lines)
        }
        self.result = ArmResult("shared", self.problem.horizon)
        self.plans = 0
        self.fresh_plans = 0  # re-plans that published the fresh plan
        self.first_plan: Schedule | None = None

    # -- planning -------------------------------------------------------------------------
    def _visible(self, lot: Lot, now: float) -> bool:
        if self.settings.replan_hours <= 0:
            return True
        if lot.urgent:  # a rush order is seen once announced
            return self.order_release[lot.order] <= now
        # the planner plans the orders due within the look-ahead (and every overdue one)
        return self.order_due[lot.order] <= now + self.settings.lookahead_days * DAY

    def _subproblem(self, now: int) -> Problem:
        if self.settings.replan_hours <= 0:  # one plan of the demand as given
            lots = tuple(replace(lot, due=self._ship_by(lot, 0)) for lot in self.problem.lots)
            return replace(self.problem, lots=lots, weights=self.weights)
        pending = [
            lot for lot in self.problem.lots if lot.id not in self.runs and self._visible(lot, now)
        ]
        ids = {lot.id for lot in pending}
        horizon = int(self.settings.lookahead_days * DAY)  # the window planned, plus the tail
        horizon += TAIL_MIN
        release: dict[str, int] = {}
        chains = []
        for lot in pending:
            earliest = max(0, lot.release - now)
            if lot.id in self.materials_at and lot.release <= now:  # late, new date known
                earliest = max(earliest, int(self.materials_at[lot.id] - now + 0.999))
            for chain in self.preds.get(lot.id, []):
                if chain.pred in ids:
                    chains.append(chain)
                elif chain.pred in self.runs:  # mixed or mixing: its rest counts from its end
                    ready = self.runs[chain.pred].end + chain.min_lag - now
                    earliest = max(earliest, int(ready + 0.999))
            release[lot.id] = earliest
        lots = tuple(
            replace(lot, release=release[lot.id], due=self._ship_by(lot, now)) for lot in pending
        )
        previous = tuple(
            Placement(lot_id, line, start - now)
            for lot_id, (line, start) in self.previous.items()
            if lot_id in ids and start >= now
        )
        return Problem(
            horizon=horizon,
            lines=tuple(self._line(line, now, horizon) for line in self.problem.lines),
            lots=lots,
            chains=tuple(chains),
            prices=self._prices(now, horizon),
            previous=previous,
            weights=self.weights,
            money=self.problem.money,
        )

    def _ship_by(self, lot: Lot, now: int) -> int | None:
        """The lot's due time as the engine plans it: early enough for the truck."""
        return None if lot.due is None else lot.due - now - int(self.truck[lot.member])

    def _line(self, line: Line, now: int, horizon: int) -> Line:
        blocked = [
            Interval(max(0, iv.start - now), min(horizon, iv.end - now))
            for iv in line.unavailable
            if iv.end > now and iv.start < now + horizon
        ]
        busy = int(self.busy_until[line.id] - now + 0.999)
        if busy > 0:
            blocked.append(Interval(0, min(busy, horizon)))
        return replace(line, initial_key=self.key[line.id], unavailable=_merge(blocked))

    def _prices(self, now: int, horizon: int) -> tuple[PricePeriod, ...]:
        """The tariff periods of ``[now, now + horizon)`` shifted to minute 0; past the demand's
        horizon its last week repeats."""
        end, out = now + horizon, []
        last_week = [p for p in self.problem.prices if p.start >= self.problem.horizon - WEEK]
        weeks = [(p, 0) for p in self.problem.prices]
        k = 1
        while self.problem.horizon + (k - 1) * WEEK < end and last_week:
            weeks += [(p, k * WEEK) for p in last_week]
            k += 1
        for p, shift in weeks:
            a, b = max(now, p.start + shift), min(end, p.end + shift)
            if b > a:
                out.append(PricePeriod(a - now, b - now, p.price, p.name))
        return tuple(out)

    def _replan(self, now: int) -> None:
        problem = self._subproblem(now)
        self.queue = {line: [] for line in self.lines}
        if not problem.lots:
            return
        began = time.perf_counter()
        seed = (self.settings.seed * 1_000_003 + self.replication * 1009 + self.plans) % 2**31
        schedule = self._plan(problem, seed)
        self.result.engine_seconds += time.perf_counter() - began
        if self.first_plan is None:
            self.first_plan = schedule
        self.plans += 1
        self.previous = {}
        for s in sorted(schedule.lots, key=lambda s: s.start):
            self.queue[s.line].append((s.lot, s.start + now))
            self.previous[s.lot] = (s.line, s.start + now)

    def _plan(self, problem: Problem, seed: int) -> Schedule:
        """The plan the center publishes: the least-change re-plan (the previous plan as warm
        start), unless a fresh plan of the same lots leaves fewer orders unplanned or less
        weighted tardiness. Inserting lots (rush orders, orders entering the look-ahead) into
        a plan packed up to its due times pushes every later lot of the line late, which the
        warm start's few iterations cannot undo (demo week 1, rush orders only: on-time 0.33
        least-change only, 0.83 with the fresh alternative)."""
        warm = self.planner(problem, seed)
        if not (problem.previous and self.settings.replan_fresh):
            return warm
        fresh = self.planner(replace(problem, previous=()), seed)
        if _lateness(problem, fresh) < _lateness(problem, warm):
            self.fresh_plans += 1
            return fresh
        return warm

    def _controller(self) -> Generator[Any, Any, None]:
        step = self.settings.replan_hours * 60
        end = self.problem.horizon + self.settings.drain_days * DAY
        while True:
            self._replan(int(self.env.now))
            woken, self.replanned = self.replanned, self.env.event()
            woken.succeed()
            if step <= 0 or len(self.runs) == len(self.lots) or self.env.now + step > end:
                return
            yield self.env.timeout(step)

    # -- execution ------------------------------------------------------------------------
    def _next(self, line: str) -> tuple[str, int] | None:
        for lot_id, start in self.queue[line]:
            if lot_id not in self.runs:
                return lot_id, start
        return None

    def _line_process(self, line_id: str) -> Generator[Any, Any, None]:
        env, line = self.env, self.lines[line_id]
        while True:
            woken = self.replanned
            nxt = self._next(line_id)
            if nxt is None:
                yield woken
                continue
            lot_id, planned = nxt
            waiting = [c for c in self.preds.get(lot_id, []) if not self.done[c.pred].triggered]
            if waiting:
                yield self.done[waiting[0].pred] | woken
                continue
            lot = self.lots[lot_id]
            ready = max(
                [planned, lot.release, self.materials_at.get(lot_id, 0)]
                + [self.runs[c.pred].end + c.min_lag for c in self.preds.get(lot_id, [])]
            )
            if ready > env.now:
                yield env.timeout(ready - env.now) | woken
                if woken.triggered:
                    continue
            self._run(line, lot, float(env.now))
            yield env.timeout(self.runs[lot_id].end - env.now)
            self.done[lot_id].succeed()

    def _run(self, line: Line, lot: Lot, now: float) -> None:
        """Start ``lot`` on ``line`` now: changeover, calendar, noise, breakdowns, lab."""
        a, d = self.a, self.settings.disturbances
        option = lot.option(line.id)
        assert option is not None, f"lot {lot.id} planned on a line it may not run on"
        change = line.changeover(self.key[line.id], lot.setup_key)
        co_min = change.minutes if change is not None else 60
        # the changeover may run as soon as the line is free, before the lot's planned start
        free = min(self.busy_until[line.id], now)
        co_end = fit(line.unavailable, free, co_min) + co_min if co_min else now
        mixing = option.minutes * noise(
            self.draws.z[lot.id], a.get("shared.cycle_cv"), d.cycle_noise
        )
        held = lot.due is not None and hold(
            self.draws, lot.id, a.get("shared.hold_probability"), d.lab_holds
        )
        rework = a.get("shared.rework_share") if held else 0.0
        mixing *= 1.0 + rework
        repairs = self.failures[line.id].repairs(mixing)
        start = fit(line.unavailable, max(co_end, now), mixing + repairs)
        end = start + mixing + repairs
        self.runs[lot.id] = _Run(line.id, start, end)
        self.key[line.id] = lot.setup_key
        self.busy_until[line.id] = end
        self._count(
            line,
            lot,
            option.kwh,
            option.batches,
            start,
            end,
            mixing,
            repairs,
            rework,
            co_min,
            change.cleaning_batches if change else 0,
        )

    def _count(
        self,
        line: Line,
        lot: Lot,
        kwh: float,
        batches: int,
        start: float,
        end: float,
        mixing: float,
        repairs: float,
        rework: float,
        co_min: float,
        cleaning: int,
    ) -> None:
        twin = self.inp.lots[lot.id]
        kwh_all = kwh * (1.0 + rework)
        cost = kwh_all * self.curve.integral(start, end) / (end - start)
        for tally in (
            self.result.member(lot.member),
            self.result.lines.setdefault(line.id, Tally()),
        ):
            tally.mixed_t += twin.tonnes * (1.0 + rework)
            tally.nominal_t += twin.tonnes
            tally.run_min += mixing
            tally.repair_min += repairs
            tally.energy += kwh_all
            tally.energy_cost += cost
        line_tally = self.result.lines[line.id]
        line_tally.changeover_min += co_min
        line_tally.cleaning_batches += cleaning
        # cleaning batches: one lot batch of energy each, paid by the line (the center)
        line_tally.energy += cleaning * kwh / batches
        line_tally.energy_cost += cleaning * kwh / batches * self.curve.price_at(start)
        self.result.executed[lot.id] = (line.id, start, end)

    # -- the run --------------------------------------------------------------------------
    def run(self) -> ArmResult:
        began = time.perf_counter()
        self.env.process(self._controller())
        for line in self.lines:
            self.env.process(self._line_process(line))
        self.env.run(until=self.problem.horizon + self.settings.drain_days * DAY)
        self._orders()
        self._availability()
        self.result.events = int(getattr(self.env, "events", 0))
        self.result.sim_seconds = time.perf_counter() - began - self.result.engine_seconds
        return self.result

    def _orders(self) -> None:
        by_order: dict[str, list[Lot]] = {}
        for lot in self.problem.lots:
            by_order.setdefault(lot.order, []).append(lot)
        for order, lots in by_order.items():
            last = next((x for x in lots if x.due is not None), lots[-1])
            tally = self.result.member(last.member)
            tally.orders += 1
            tally.delivered_t += self.inp.lots[last.id].tonnes
            if not all(x.id in self.runs for x in lots):
                continue
            end = max(self.runs[x.id].end for x in lots) + self._transport(order, last.member)
            tally.completed += 1
            tally.lead_h += (end - self.order_release[order]) / 60.0
            if last.due is None or end <= last.due:
                tally.on_time += 1
            else:
                tally.late_lots += 1

    def _transport(self, order: str, member: str) -> float:
        """Minutes from the order's last lot to the member's door (lognormal around the
        member's mean; 0 with transport switched off)."""
        z = self.draws.transport_z.get(order, 0.0)
        cv = self.a.get("shared.transport_cv")
        return self.truck[member] * noise(z, cv, self.settings.disturbances.transport)

    def _availability(self) -> None:
        horizon = self.problem.horizon
        for line in self.problem.lines:
            down = sum(max(0, min(iv.end, horizon) - max(iv.start, 0)) for iv in line.unavailable)
            tally = self.result.lines.setdefault(line.id, Tally())
            tally.avail_min = max(1, horizon - down)
            tally.machines = 1


def _planning_weights(weights: Weights, on_time_first: float) -> Weights:
    """The objective the center plans with: due dates first (the engine's lexicographic
    objective) when ``on_time_first`` is set, else the problem's own (the stored center's
    planning prices). Under the money objective a plan delivers late on purpose whenever a
    cleaning batch or TOU energy saves more than the lateness price, and every disturbance
    then adds to that: demo demand on 3-4 lines, all disturbances, on-time 0.92-0.94 against
    0.97-0.99 planning due dates first (2026-12-02; see docs/twin.md)."""
    if on_time_first >= 0.5:
        return replace(weights, objective="lexicographic")
    return weights


def _lateness(problem: Problem, schedule: Schedule) -> tuple[int, float]:
    kpis = compute_kpis(problem, schedule)
    return kpis.unplanned_orders, kpis.weighted_tardiness


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda x: x.start):
        if iv.end <= iv.start:
            continue
        if out and iv.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, iv.end))
        else:
            out.append(iv)
    return tuple(out)


def run_shared(
    inp: TwinInput,
    settings: Settings,
    assumptions: Assumptions,
    replication: int,
    draws: Draws,
    planner: Planner,
) -> ArmResult:
    return SharedArm(inp, settings, assumptions, replication, draws, planner).run()
