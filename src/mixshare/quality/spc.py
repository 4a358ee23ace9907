"""Statistical process control of lab results: individuals / moving-range charts, the four
Western Electric rules and Cpk. Pure functions on plain floats (no database, no web).

Lab results come one per tested batch, so the chart is an *individuals* chart (subgroups of
one): the process sigma is estimated from the average moving range (``MR̄ / d2``, d2 = 1.128
for ranges of two), not from the overall standard deviation, so that a drift does not widen
its own limits. The same within-batch sigma gives Cpk (the overall-sigma figure is Ppk, also
returned, because a lab manager reads the two side by side).

The Western Electric rules (Western Electric Statistical Quality Control Handbook, 1956),
each judged on one side of the centre line:

1. one point beyond 3 σ;
2. two of three consecutive points beyond 2 σ;
3. four of five consecutive points beyond 1 σ;
4. eight consecutive points on one side of the centre line.

A point is flagged by a rule when it completes a window that breaks the rule and lies on that
side itself (the usual reading: the alarm is raised at the point that makes the pattern).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

D2 = 1.128  # E[range of two normal samples] / sigma
D4 = 3.267  # upper limit factor of the moving-range chart (ranges of two); D3 = 0
MIN_POINTS = 2  # a moving range needs two results

RULES = {
    1: "1 point beyond 3σ",
    2: "2 of 3 beyond 2σ (same side)",
    3: "4 of 5 beyond 1σ (same side)",
    4: "8 in a row on one side",
}
RULES_ZH = {
    1: "1 点超出 3σ",
    2: "连续 3 点中 2 点超出 2σ（同侧）",
    3: "连续 5 点中 4 点超出 1σ（同侧）",
    4: "连续 8 点在中心线同侧",
}
# rule → (window length, points needed, sigma multiple a point must exceed)
_WINDOWS = {1: (1, 1, 3.0), 2: (3, 2, 2.0), 3: (5, 4, 1.0), 4: (8, 8, 0.0)}


@dataclass(frozen=True)
class Limits:
    """Centre line and control limits of an individuals chart and its moving-range chart."""

    centre: float
    sigma: float  # within sigma: MR̄ / d2
    mr_bar: float

    @property
    def ucl(self) -> float:
        return self.centre + 3 * self.sigma

    @property
    def lcl(self) -> float:
        return self.centre - 3 * self.sigma

    @property
    def mr_ucl(self) -> float:
        return D4 * self.mr_bar

    def zone(self, value: float) -> float:
        """Signed distance from the centre in sigmas (0 when sigma is 0 and value is centre)."""
        if self.sigma == 0:
            return 0.0 if value == self.centre else math.copysign(math.inf, value - self.centre)
        return (value - self.centre) / self.sigma


@dataclass(frozen=True)
class Violation:
    index: int  # position of the point that completes the pattern
    rule: int  # 1..4, see RULES

    @property
    def text(self) -> str:
        return RULES[self.rule]


@dataclass
class Chart:
    """An I-MR chart of one series: the values, their moving ranges, limits and violations."""

    values: list[float]
    moving_ranges: list[float | None]  # None for the first point
    limits: Limits
    violations: list[Violation] = field(default_factory=list)
    mr_out: list[int] = field(default_factory=list)  # indices whose moving range > MR UCL

    def rules_at(self, index: int) -> list[int]:
        return sorted({v.rule for v in self.violations if v.index == index})


def moving_ranges(values: Sequence[float]) -> list[float]:
    """|x[i] - x[i-1]| for i ≥ 1."""
    return [abs(b - a) for a, b in itertools.pairwise(values)]


def limits_of(values: Sequence[float]) -> Limits:
    """Limits estimated from ``values`` (the phase-I baseline); needs at least two values."""
    if len(values) < MIN_POINTS:
        raise ValueError(f"an individuals chart needs at least {MIN_POINTS} values")
    ranges = moving_ranges(values)
    mr_bar = sum(ranges) / len(ranges)
    return Limits(centre=sum(values) / len(values), sigma=mr_bar / D2, mr_bar=mr_bar)


def western_electric(values: Sequence[float], limits: Limits) -> list[Violation]:
    """Every (point, rule) the series breaks, ordered by point then rule."""
    zones = [limits.zone(v) for v in values]
    found: list[Violation] = []
    for index in range(len(values)):
        for rule, (length, needed, beyond) in _WINDOWS.items():
            if _breaks(zones, index, length, needed, beyond):
                found.append(Violation(index, rule))
    return found


def _breaks(zones: list[float], index: int, length: int, needed: int, beyond: float) -> bool:
    """Does the window of ``length`` points ending at ``index`` hold ``needed`` points beyond
    ``beyond`` sigma on the side of the point at ``index`` (which must itself be one)?"""
    side = math.copysign(1.0, zones[index]) if zones[index] != 0 else 0.0
    if side == 0.0 or side * zones[index] <= beyond:
        return False
    window = zones[max(0, index + 1 - length) : index + 1]  # the first points: what there is
    return sum(1 for z in window if side * z > beyond) >= needed


def chart(values: Sequence[float], baseline: int | None = None) -> Chart:
    """The I-MR chart of ``values``; limits from the first ``baseline`` values (all if None)."""
    points = [float(v) for v in values]
    limits = limits_of(points[:baseline] if baseline else points)
    ranges = moving_ranges(points)
    return Chart(
        values=points,
        moving_ranges=[None, *ranges],
        limits=limits,
        violations=western_electric(points, limits),
        mr_out=[i + 1 for i, r in enumerate(ranges) if r > limits.mr_ucl],
    )


@dataclass(frozen=True)
class Capability:
    cpk: float | None  # within sigma; None without a limit or with sigma 0
    ppk: float | None  # overall sigma
    mean: float
    sigma_within: float
    sigma_overall: float


def capability(values: Sequence[float], lsl: float | None, usl: float | None) -> Capability:
    """Cpk (and Ppk) against the spec limits; a one-sided spec uses its one side."""
    limits = limits_of(values)
    mean = limits.centre
    overall = _stdev(values)
    return Capability(
        cpk=_index(mean, limits.sigma, lsl, usl),
        ppk=_index(mean, overall, lsl, usl),
        mean=mean,
        sigma_within=limits.sigma,
        sigma_overall=overall,
    )


def _stdev(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _index(mean: float, sigma: float, lsl: float | None, usl: float | None) -> float | None:
    sides = []
    if usl is not None:
        sides.append(usl - mean)
    if lsl is not None:
        sides.append(mean - lsl)
    if not sides or sigma <= 0:
        return None
    return min(sides) / (3 * sigma)
