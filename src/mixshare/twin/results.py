"""KPIs of the twin from the tallies of one replication, and their mean with a 95 %
confidence interval (Student t) over replications.

Definitions (per member and total; per tonne = per delivered tonne, the orders' last stage):
throughput t/h = tonnes mixed (every pass) / hours mixing; utilisation = mixing + repair
minutes / the minutes the calendar offers (standalone: the member's mixers; shared: the
center's lines, a member's figure is its share of them); lead time = hours from an order's
release to the end of its last lot; on-time rate = orders whose last lot ends by the due
time / orders; kWh/t and energy cost (TOU prices, yuan/t); VOC kg/t = factor x mixing share
x (1 - capture x removal) x (tonnes mixed / tonnes the demand needs: rework mixes again);
cost/t = energy + staff (staffed hours x wage) + fixed costs (depreciation, upkeep), a
shared member's staff and fixed share in proportion to its tonnes mixed.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from mixshare.twin.assumptions import Assumptions
from mixshare.twin.tally import ArmResult, Tally

HOURS_PER_YEAR = 8760.0
# Student t quantiles t(0.975, df) for df = 1..30; beyond 30 the normal 1.96 is within 2 %.
T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)
KPIS = (
    "throughput_t_per_h",
    "utilisation",
    "lead_time_h",
    "on_time_rate",
    "kwh_per_t",
    "energy_cost_per_t",
    "voc_kg_per_t",
    "cost_per_t",
    "tonnes_mixed",
    "tonnes_delivered",
)


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float
    n: int

    def as_json(self) -> dict[str, float | list[float]]:
        return {"mean": _r(self.mean), "ci95": [_r(self.low), _r(self.high)]}


def _r(x: float) -> float:
    return round(x, 4) if math.isfinite(x) else 0.0


def t975(df: int) -> float:
    return T975[df - 1] if 1 <= df <= len(T975) else 1.96


def estimate(values: list[float]) -> Estimate:
    """Mean and 95 % CI; with one value the interval is the value itself."""
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2:
        return Estimate(mean, mean, mean, n)
    half = t975(n - 1) * statistics.stdev(values) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)


def _div(a: float, b: float) -> float:
    return a / b if b > 0 else 0.0


def kwh(arm: ArmResult, member: str, tally: Tally, a: Assumptions) -> float:
    if arm.arm == "shared":
        return tally.energy * a.get("shared.kwh_scale")
    kw = (a.member(member, "mixer_kw") + a.member(member, "mill_kw")) * a.member(
        member, "load_factor"
    )
    return tally.energy * kw / 60.0


def energy_cost(arm: ArmResult, member: str, tally: Tally, a: Assumptions) -> float:
    if arm.arm == "shared":
        return tally.energy_cost * a.get("shared.kwh_scale")
    kw = (a.member(member, "mixer_kw") + a.member(member, "mill_kw")) * a.member(
        member, "load_factor"
    )
    return tally.energy_cost * kw / 60.0


def voc_kg(arm: ArmResult, member: str, tally: Tally, a: Assumptions) -> float:
    if arm.arm == "shared":
        capture, removal = a.get("shared.voc_capture"), a.get("shared.voc_removal")
    else:
        capture, removal = a.member(member, "voc_capture"), a.member(member, "voc_removal")
    generated = a.get("common.voc_kg_per_t") * a.get("common.voc_mixing_share")
    return tally.mixed_t * generated * (1.0 - capture * removal)


def staff_hours(arm: ArmResult, member: str, tally: Tally, a: Assumptions) -> float:
    if arm.arm == "shared":
        return tally.avail_min / 60.0 * a.get("shared.staff_per_line_shift")
    return tally.avail_min / 60.0 * a.member(member, "staff_per_mixer_shift")


def fixed_yuan(arm: ArmResult, member: str, tally: Tally, a: Assumptions) -> float:
    years = arm.horizon_min / 60.0 / HOURS_PER_YEAR
    if arm.arm == "shared":
        per_year = a.get("shared.investment_yuan") / a.get("shared.depreciation_years")
        per_year += a.get("shared.fixed_yuan_per_line_year") * len(arm.lines)
        return per_year * years
    return tally.machines * a.member(member, "fixed_yuan_per_mixer_year") * years


@dataclass(frozen=True)
class Totals:
    """One arm's money and resources for one member (or all: member ``""``)."""

    tally: Tally
    kwh: float
    energy_cost: float
    voc_kg: float
    staff_h: float
    fixed: float
    avail_min: float


def totals(arm: ArmResult, a: Assumptions, member: str = "") -> Totals:
    """Energy, VOC, staff and fixed costs of one member, or of the whole arm."""
    if not member:
        members = arm.members.items()
        tally = arm.total()
        energy = sum(kwh(arm, m, t, a) for m, t in members)
        cost = sum(energy_cost(arm, m, t, a) for m, t in members)
        voc = sum(voc_kg(arm, m, t, a) for m, t in members)
        if arm.arm == "shared":
            lines = Tally()
            for line in arm.lines.values():
                lines.add(line)
            # cleaning batches are the center's: lines hold them beside the members' lots
            extra = lines.energy - tally.energy
            energy += extra * a.get("shared.kwh_scale")
            cost += (lines.energy_cost - tally.energy_cost) * a.get("shared.kwh_scale")
            staff = staff_hours(arm, "", lines, a)
            return Totals(
                tally, energy, cost, voc, staff, fixed_yuan(arm, "", lines, a), lines.avail_min
            )
        staff = sum(staff_hours(arm, m, t, a) for m, t in members)
        fixed = sum(fixed_yuan(arm, m, t, a) for m, t in members)
        return Totals(tally, energy, cost, voc, staff, fixed, tally.avail_min)
    tally = arm.members[member]
    base = (
        kwh(arm, member, tally, a),
        energy_cost(arm, member, tally, a),
        voc_kg(arm, member, tally, a),
    )
    if arm.arm == "shared":
        whole = totals(arm, a)
        share = _div(tally.mixed_t, whole.tally.mixed_t)
        return Totals(tally, *base, whole.staff_h * share, whole.fixed * share, whole.avail_min)
    return Totals(
        tally,
        *base,
        staff_hours(arm, member, tally, a),
        fixed_yuan(arm, member, tally, a),
        tally.avail_min,
    )


def kpis(arm: ArmResult, a: Assumptions, member: str = "") -> dict[str, float]:
    t = totals(arm, a, member)
    y = t.tally
    wage = a.get("common.wage_yuan_per_hour")
    return {
        "throughput_t_per_h": _div(y.mixed_t, y.run_min / 60.0),
        "utilisation": _div(y.run_min + y.repair_min, t.avail_min),
        "lead_time_h": _div(y.lead_h, y.completed),
        "on_time_rate": _div(y.on_time, y.orders),
        "kwh_per_t": _div(t.kwh, y.delivered_t),
        "energy_cost_per_t": _div(t.energy_cost, y.delivered_t),
        "voc_kg_per_t": _div(t.voc_kg, y.delivered_t),
        "cost_per_t": _div(t.energy_cost + t.staff_h * wage + t.fixed, y.delivered_t),
        "tonnes_mixed": y.mixed_t,
        "tonnes_delivered": y.delivered_t,
    }


def summarise(
    reps: list[dict[str, ArmResult]], a: Assumptions, members: tuple[str, ...]
) -> dict[str, dict[str, dict[str, dict[str, float | list[float]]]]]:
    """{arm: {member or "total": {kpi: {"mean", "ci95"}}}} over the replications."""
    out: dict[str, dict[str, dict[str, dict[str, float | list[float]]]]] = {}
    for arm in ("standalone", "shared"):
        out[arm] = {}
        for member in ("total", *members):
            who = "" if member == "total" else member
            rows = [kpis(rep[arm], a, who) for rep in reps if who in rep[arm].members or not who]
            if not rows:
                continue
            out[arm][member] = {k: estimate([r[k] for r in rows]).as_json() for k in KPIS}
    return out
