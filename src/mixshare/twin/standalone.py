"""The standalone arm: every member mixes its own orders alone on its own small, older
mixers (kneader + sheet-off mill), on its own working calendar.

Per member: batch kg = net volume x density x fill factor; a lot of t tonnes takes
ceil(1000 t / batch kg) batches of the stage's cycle time (remill runs at the masterbatch
cycle); energy per batch = (mixer kW + mill kW) x load factor x cycle minutes / 60. The
member has as many mixers as its demand needs at the target utilisation (or the number the
assumptions give). A free mixer takes the ready lot (material there, previous stage rested)
with the earliest due date, rush orders first, the same compound first among equals.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from mixshare.engine.problem import Chain, Lot, Problem
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.common import (
    CountingEnvironment,
    Draws,
    Failures,
    hold,
    machine_rng,
    noise,
    rush_demand,
)
from mixshare.twin.data import DAY, Settings, TwinInput
from mixshare.twin.prices import PriceCurve
from mixshare.twin.tally import ArmResult


@dataclass(frozen=True)
class Shop:
    """A member's own mixing shop, from the assumptions."""

    batch_kg: float
    cycle_mb: float
    cycle_fb: float
    kw: float  # mixer + mill, times the load factor: average kW while mixing
    shifts: int
    days_per_week: int
    changeover_min: float

    @classmethod
    def of(cls, a: Assumptions, member: str) -> Shop:
        m = a.member
        return cls(
            batch_kg=m(member, "net_volume_l") * a.get("common.density") * m(member, "fill_factor"),
            cycle_mb=m(member, "cycle_minutes_mb"),
            cycle_fb=m(member, "cycle_minutes_fb"),
            kw=(m(member, "mixer_kw") + m(member, "mill_kw")) * m(member, "load_factor"),
            shifts=int(m(member, "shifts_per_day")),
            days_per_week=int(m(member, "days_per_week")),
            changeover_min=m(member, "changeover_minutes"),
        )

    def batches(self, tonnes: float) -> int:
        return max(1, math.ceil(tonnes * 1000.0 / self.batch_kg - 1e-9))

    def cycle(self, stage: str) -> float:
        return self.cycle_fb if stage == "FB" else self.cycle_mb

    def minutes(self, stage: str, tonnes: float) -> float:
        return self.batches(tonnes) * self.cycle(stage)

    def kwh(self, stage: str, tonnes: float) -> float:
        return self.minutes(stage, tonnes) * self.kw / 60.0

    # -- the working calendar: days 0..days_per_week-1 of each week, shifts of 8 h ----------
    def window(self, day: int) -> tuple[float, float] | None:
        if day % 7 >= self.days_per_week:
            return None
        first = 0 if self.shifts >= 3 else 6 * 60
        return day * DAY + first, day * DAY + first + min(24, 8 * self.shifts) * 60

    def segments(self, start: float, work: float) -> list[tuple[float, float]]:
        """Where ``work`` minutes starting at ``start`` fall on the calendar."""
        out, t, day = [], start, int(start // DAY)
        while work > 1e-9:
            win = self.window(day)
            day += 1
            if win is None or win[1] <= t:
                continue
            a = max(t, win[0])
            b = min(win[1], a + work)
            out.append((a, b))
            work -= b - a
            t = b
        return out

    def available(self, horizon: int) -> float:
        days = range(horizon // DAY)
        return sum(w[1] - w[0] for d in days if (w := self.window(d)) is not None)


class MemberShop:
    def __init__(
        self, arm: StandaloneArm, member: str, lots: list[Lot], machines: int, first_machine: int
    ) -> None:
        self.arm, self.member, self.machines = arm, member, machines
        self.shop = Shop.of(arm.a, member)
        self.pending = {lot.id: lot for lot in lots}
        self.key: list[str | None] = [None] * machines
        a, d = arm.a, arm.settings.disturbances
        self.failures = [
            Failures(
                machine_rng(arm.settings, arm.replication, first_machine + k),
                a.member(member, "mtbf_hours") * 60,
                a.member(member, "mttr_hours") * 60,
                d.breakdowns,
            )
            for k in range(machines)
        ]
        self.changed = arm.env.event()

    def _ready_at(self, lot: Lot) -> float | None:
        """When ``lot`` may start (None: a previous stage is not mixed yet)."""
        t = float(lot.release)
        for chain in self.arm.preds.get(lot.id, []):
            end = self.arm.ends.get(chain.pred)
            if end is None:
                return None
            t = max(t, end + chain.min_lag)
        return t

    def _pick(self, machine: int, now: float) -> tuple[Lot | None, float | None]:
        best, best_key, soonest = None, None, None
        for lot in self.pending.values():
            ready = self._ready_at(lot)
            if ready is None:
                continue
            if ready > now:
                soonest = ready if soonest is None else min(soonest, ready)
                continue
            due = self.arm.order_due.get(lot.order, math.inf)
            key = (not lot.urgent, due, lot.setup_key != self.key[machine], lot.id)
            if best_key is None or key < best_key:
                best, best_key = lot, key
        return best, soonest

    def process(self, machine: int) -> Generator[Any, Any, None]:
        env = self.arm.env
        while self.pending:
            lot, soonest = self._pick(machine, env.now)
            if lot is None:
                changed = self.changed
                yield changed if soonest is None else env.timeout(soonest - env.now) | changed
                continue
            del self.pending[lot.id]
            end = self._mix(machine, lot, float(env.now))
            yield env.timeout(end - env.now)
            self.arm.ends[lot.id] = end
            woken, self.changed = self.changed, env.event()
            woken.succeed()

    def _mix(self, machine: int, lot: Lot, now: float) -> float:
        arm, a, d, shop = self.arm, self.arm.a, self.arm.settings.disturbances, self.shop
        twin = arm.inp.lots[lot.id]
        co = shop.changeover_min if self.key[machine] not in (None, lot.setup_key) else 0.0
        held = lot.due is not None and hold(
            arm.draws, lot.id, a.member(self.member, "hold_probability"), d.lab_holds
        )
        rework = a.get("shared.rework_share") if held else 0.0
        cv = a.member(self.member, "cycle_cv")
        mixing = shop.minutes(twin.stage, twin.tonnes) * noise(
            arm.draws.z[lot.id], cv, d.cycle_noise
        )
        mixing *= 1.0 + rework
        repairs = self.failures[machine].repairs(mixing)
        segments = shop.segments(now, co + mixing + repairs)
        share = mixing / (co + mixing + repairs)
        self.key[machine] = lot.setup_key
        tally = arm.result.member(self.member)
        tally.mixed_t += twin.tonnes * (1.0 + rework)
        tally.nominal_t += twin.tonnes
        tally.run_min += mixing
        tally.repair_min += repairs
        tally.changeover_min += co
        # mixing minutes and price x minutes: kWh = minutes x kW / 60 (see tally.py)
        tally.energy += mixing
        tally.energy_cost += share * sum(arm.curve.integral(x, y) for x, y in segments)
        end = segments[-1][1] if segments else now
        arm.result.executed[lot.id] = (f"{self.member}-{machine}", segments[0][0], end)
        return end


class StandaloneArm:
    def __init__(
        self,
        inp: TwinInput,
        settings: Settings,
        assumptions: Assumptions,
        replication: int,
        draws: Draws,
    ) -> None:
        a = assumptions
        self.inp, self.settings, self.a, self.replication, self.draws = (
            inp,
            settings,
            a,
            replication,
            draws,
        )
        self.problem: Problem = rush_demand(
            inp.problem,
            draws,
            a.get("shared.rush_probability"),
            int(a.get("shared.rush_lead_hours") * 60),
            settings.disturbances.rush_orders,
        )
        self.env = CountingEnvironment()
        self.preds: dict[str, list[Chain]] = {}
        for chain in self.problem.chains:
            self.preds.setdefault(chain.succ, []).append(chain)
        self.order_due = {
            lot.order: float(lot.due) for lot in self.problem.lots if lot.due is not None
        }
        self.ends: dict[str, float] = {}
        self.curve = PriceCurve(
            self.problem.prices, self.problem.horizon, a.get("common.price_outside_horizon")
        )
        self.result = ArmResult("standalone", self.problem.horizon)

    def machines_for(self, member: str, lots: list[Lot]) -> int:
        """The member's mixers: the assumption, or enough for its demand (0 = size it)."""
        fixed = int(self.a.member(member, "mixers"))
        if fixed > 0:
            return fixed
        shop = Shop.of(self.a, member)
        need = sum(
            shop.minutes(self.inp.lots[x.id].stage, self.inp.lots[x.id].tonnes) for x in lots
        )
        offered = shop.available(self.problem.horizon) * self.a.member(member, "target_utilisation")
        return max(1, math.ceil(need / max(offered, 1.0)))

    def run(self) -> ArmResult:
        began = time.perf_counter()
        by_member: dict[str, list[Lot]] = {}
        for lot in self.problem.lots:
            by_member.setdefault(lot.member, []).append(lot)
        first = 1000
        for member in sorted(by_member):
            lots = by_member[member]
            machines = self.machines_for(member, lots)
            shop = MemberShop(self, member, lots, machines, first)
            first += machines
            tally = self.result.member(member)
            tally.machines = machines
            tally.avail_min = machines * shop.shop.available(self.problem.horizon)
            for k in range(machines):
                self.env.process(shop.process(k))
        self.env.run(until=self.problem.horizon + self.settings.drain_days * DAY)
        self._orders()
        self.result.events = int(getattr(self.env, "events", 0))
        self.result.sim_seconds = time.perf_counter() - began
        return self.result

    def _orders(self) -> None:
        by_order: dict[str, list[Lot]] = {}
        for lot in self.problem.lots:
            by_order.setdefault(lot.order, []).append(lot)
        for lots in by_order.values():
            last = next((x for x in lots if x.due is not None), lots[-1])
            tally = self.result.member(last.member)
            tally.orders += 1
            tally.delivered_t += self.inp.lots[last.id].tonnes
            if not all(x.id in self.ends for x in lots):
                continue
            end = max(self.ends[x.id] for x in lots)
            tally.completed += 1
            tally.lead_h += (end - min(x.release for x in lots)) / 60.0
            if last.due is None or end <= last.due:
                tally.on_time += 1
            else:
                tally.late_lots += 1


def run_standalone(
    inp: TwinInput, settings: Settings, assumptions: Assumptions, replication: int, draws: Draws
) -> ArmResult:
    return StandaloneArm(inp, settings, assumptions, replication, draws).run()
