"""The seed center's claims (domain.md §1) against the twin.

Estimates per replication, then mean and 95 % CI:
- ``efficiency_x2``: labour productivity, tonnes mixed per staffed hour, shared / standalone
  (claimed 2.0, "production efficiency doubled"; higher is better);
- ``energy_minus_20_1_pct``: kWh per delivered tonne, shared vs standalone, % change
  (claimed -20.1; lower is better);
- ``voc_minus_32_1_pct``: VOC kg per delivered tonne, % change (claimed -32.1; lower is better);
- ``capacity_100kt_two_lines``: what the center's lines could mix in a year, kt: each line's
  tonnes per occupied hour (mixing, repairs, changeovers) x its calendar hours a year
  (claimed 100; higher is better).

Verdict rule: **reproduced** when the CI contains the claim or is better than it (for a
higher-is-better claim the CI's upper end >= the claim; for a lower-is-better claim its lower
end <= the claim), **not reproduced** otherwise. Then each assumption the claim rests on is set
to the low and the high end of its plausible range (``assumptions.toml``), the estimate
recomputed from the same replications (these assumptions do not change the simulated
dynamics); if either end gives the other verdict, the verdict is **depends on**, and the
assumptions list names the one that flips it and where.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mixshare.twin.assumptions import Assumptions
from mixshare.twin.results import HOURS_PER_YEAR, Estimate, estimate, totals
from mixshare.twin.tally import ArmResult

Replication = dict[str, ArmResult]
Metric = Callable[[Replication, Assumptions], float]


def efficiency(rep: Replication, a: Assumptions) -> float:
    shared, alone = totals(rep["shared"], a), totals(rep["standalone"], a)
    return (shared.tally.mixed_t / shared.staff_h) / (alone.tally.mixed_t / alone.staff_h)


def _change(shared: float, alone: float) -> float:
    return (shared / alone - 1.0) * 100.0


def energy(rep: Replication, a: Assumptions) -> float:
    shared, alone = totals(rep["shared"], a), totals(rep["standalone"], a)
    return _change(shared.kwh / shared.tally.delivered_t, alone.kwh / alone.tally.delivered_t)


def voc(rep: Replication, a: Assumptions) -> float:
    shared, alone = totals(rep["shared"], a), totals(rep["standalone"], a)
    return _change(shared.voc_kg / shared.tally.delivered_t, alone.voc_kg / alone.tally.delivered_t)


def capacity(rep: Replication, a: Assumptions) -> float:
    arm = rep["shared"]
    kt = 0.0
    for line in arm.lines.values():
        occupied_h = (line.run_min + line.repair_min + line.changeover_min) / 60.0
        if occupied_h <= 0:
            continue
        calendar_share = line.avail_min / arm.horizon_min
        kt += line.mixed_t / occupied_h * calendar_share * HOURS_PER_YEAR / 1000.0
    if a.get("common.final_only_capacity") >= 0.5:  # count final compound only
        whole = arm.total()
        kt *= whole.delivered_t / whole.mixed_t if whole.mixed_t else 0.0
    return kt


@dataclass(frozen=True)
class Claim:
    id: str
    claimed: float
    higher_is_better: bool
    metric: Metric
    varied: tuple[str, ...]  # assumptions checked at their range ends
    rests_on: tuple[str, ...]  # further assumptions (change the dynamics: not re-simulated)


CLAIMS = (
    Claim(
        "efficiency_x2",
        2.0,
        True,
        efficiency,
        ("standalone.staff_per_mixer_shift", "shared.staff_per_line_shift"),
        (
            "standalone.shifts_per_day",
            "standalone.days_per_week",
            "standalone.mixers",
            "standalone.target_utilisation",
        ),
    ),
    Claim(
        "energy_minus_20_1_pct",
        -20.1,
        False,
        energy,
        ("standalone.load_factor", "standalone.mixer_kw", "standalone.mill_kw", "shared.kwh_scale"),
        (
            "standalone.cycle_minutes_mb",
            "standalone.cycle_minutes_fb",
            "standalone.net_volume_l",
            "standalone.fill_factor",
        ),
    ),
    Claim(
        "voc_minus_32_1_pct",
        -32.1,
        False,
        voc,
        (
            "standalone.voc_capture",
            "standalone.voc_removal",
            "shared.voc_capture",
            "shared.voc_removal",
        ),
        (
            "common.voc_kg_per_t",
            "common.voc_mixing_share",
            "shared.hold_probability",
            "standalone.hold_probability",
        ),
    ),
    Claim(
        "capacity_100kt_two_lines",
        100.0,
        True,
        capacity,
        ("common.final_only_capacity",),
        ("shared.mtbf_hours", "shared.mttr_hours", "shared.cycle_cv"),
    ),
)


def verdict_of(claim: Claim, est: Estimate) -> str:
    if claim.higher_is_better:
        return "reproduced" if est.high >= claim.claimed else "not reproduced"
    return "reproduced" if est.low <= claim.claimed else "not reproduced"


def _describe(a: Assumptions, key: str) -> str:
    x = a.values[key]
    return f"{key} = {x.value:g} (range {x.low:g}-{x.high:g}; {x.source})"


def judge(claim: Claim, reps: list[Replication], a: Assumptions) -> dict[str, object]:
    est = estimate([claim.metric(rep, a) for rep in reps])
    verdict = verdict_of(claim, est)
    notes, flips = [], []
    for key in claim.varied:
        x = a.values[key]
        for end in (x.low, x.high):
            if end == x.value:
                continue
            other = a.with_value(key, end)
            alt = estimate([claim.metric(rep, other) for rep in reps])
            if verdict_of(claim, alt) != verdict:
                flips.append(
                    f"depends on {key}: at {end:g} the estimate is {alt.mean:.4g}"
                    f" [{alt.low:.4g}, {alt.high:.4g}], {verdict_of(claim, alt)}"
                )
        notes.append(_describe(a, key))
    notes += [_describe(a, key) + " (not varied: changes the simulation)" for key in claim.rests_on]
    return {
        "id": claim.id,
        "claimed": claim.claimed,
        "estimate": round(est.mean, 4),
        "ci95": [round(est.low, 4), round(est.high, 4)],
        "verdict": "depends on" if flips else verdict,
        "assumptions": flips + notes,
    }


def claims(
    reps: list[Replication], a: Assumptions, replications: int, seed: int
) -> dict[str, object]:
    """The ``twin claims`` document (shape fixed by issue 10)."""
    return {
        "claims": [judge(claim, reps, a) for claim in CLAIMS],
        "replications": replications,
        "seed": seed,
    }
