"""Sizing a center: the capacity curve.

For each annual demand (kt/yr through a mixer, every stage, the basis of the seed center's
"100 kt/yr on two lines") and each number of lines, the stored members' demand is scaled to
that level (:func:`mixshare.twin.sweep.scale_demand`) and the shared arm run over
replications; the on-time rate and cost per delivered tonne come with 95 % intervals, and per
demand level the smallest center whose mean on-time rate is at least ``TARGET_ON_TIME``.

A point is *overloaded* when, in some replication, orders were still not mixed when the run
stopped (``drain_days`` after the demand's weeks): every order is due inside the weeks, so
those orders are late whenever they would finish, and the on-time rate counts them late.
The point's cost per delivered tonne then leaves out the energy of the lots never mixed.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixshare.twin.assumptions import Assumptions
from mixshare.twin.data import TwinInput
from mixshare.twin.results import estimate, kpis
from mixshare.twin.sweep import (
    Outcome,
    Scenario,
    mixed_tonnes_per_year,
    scale_demand,
    scenario_assumptions,
)

TARGET_ON_TIME = 0.95
SIZE_KPIS = ("on_time_rate", "cost_per_t", "utilisation", "lead_time_h")
MAX_LINES = 12


class RangeError(ValueError):
    """A range option that cannot be read; the message names the option and why."""


def parse_range(option: str, text: str, *, integer: bool = False) -> list[float]:
    """``START:END:STEP`` (END included), ``START:END`` (step 1) or one value, all > 0."""
    parts = text.split(":")
    if not 1 <= len(parts) <= 3:
        raise RangeError(f"{option} {text!r}: expected START:END:STEP, START:END or one value")
    try:
        numbers = [float(p) for p in parts]
    except ValueError as exc:
        raise RangeError(f"{option} {text!r}: {exc}; expected numbers like 40:160:20") from exc
    if not all(math.isfinite(x) for x in numbers):
        raise RangeError(f"{option} {text!r}: values must be finite numbers")
    if integer and any(x != int(x) for x in numbers):
        raise RangeError(f"{option} {text!r}: values must be whole numbers")
    start = numbers[0]
    end = numbers[1] if len(numbers) > 1 else start
    step = numbers[2] if len(numbers) > 2 else 1.0
    if start <= 0:
        raise RangeError(f"{option} {text!r}: the start ({start:g}) must be > 0")
    if end < start:
        raise RangeError(f"{option} {text!r}: the end ({end:g}) is below the start ({start:g})")
    if step <= 0:
        raise RangeError(f"{option} {text!r}: the step ({step:g}) must be > 0")
    count = math.floor((end - start) / step + 1e-9) + 1
    if count > 100:
        raise RangeError(f"{option} {text!r}: {count} values; at most 100")
    return [round(start + k * step, 9) for k in range(count)]


def parse_lines(text: str) -> list[int]:
    values = [int(x) for x in parse_range("--lines", text, integer=True)]
    if values[-1] > MAX_LINES:
        raise RangeError(f"--lines {text!r}: at most {MAX_LINES} lines")
    return values


def scenarios(inp: TwinInput, demand_kt: Sequence[float], lines: Sequence[int]) -> list[Scenario]:
    """One scenario per (demand, lines), demand-major: the stored demand scaled to each level."""
    base = mixed_tonnes_per_year(inp) / 1000.0
    if base <= 0:
        raise ValueError("the center's demand has no tonnes to scale")
    return [
        Scenario(f"{kt:g}kt/{n}L", demand_scale=kt / base, lines=n)
        for kt in demand_kt
        for n in lines
    ]


@dataclass(frozen=True)
class Point:
    demand_kt: float  # the level asked for
    actual_kt: float  # what the scaled order book holds (whole orders)
    lines: int
    estimates: dict[str, dict[str, float | list[float]]]
    orders: int = 0  # orders of the scaled demand
    unfinished: float = 0.0  # mean orders not mixed when the run stopped

    @property
    def overloaded(self) -> bool:
        return self.unfinished > 0

    def mean(self, kpi: str) -> float:
        value = self.estimates[kpi]["mean"]
        assert isinstance(value, float | int)
        return float(value)

    def ci(self, kpi: str) -> tuple[float, float]:
        low, high = self.estimates[kpi]["ci95"]  # type: ignore[misc]
        return float(low), float(high)


def curve(
    inp: TwinInput,
    demand_kt: Sequence[float],
    lines: Sequence[int],
    outcomes: Sequence[Outcome],
    assumptions: Assumptions,
) -> list[Point]:
    """The sweep's shared-arm KPIs (totals) per (demand, lines), mean and 95 % CI."""
    plan = scenarios(inp, demand_kt, lines)
    by_scenario: dict[int, list[Outcome]] = {}
    for outcome in outcomes:
        by_scenario.setdefault(outcome.scenario, []).append(outcome)
    actual: dict[float, float] = {}
    points = []
    for index, scenario in enumerate(plan):
        kt, n = demand_kt[index // len(lines)], lines[index % len(lines)]
        if kt not in actual:
            actual[kt] = mixed_tonnes_per_year(scale_demand(inp, scenario.demand_scale)) / 1000
        a = scenario_assumptions(assumptions, scenario)
        arms = [o.arms["shared"] for o in by_scenario.get(index, [])]
        if not arms:
            continue
        rows = [kpis(arm, a) for arm in arms]
        values = {k: estimate([r[k] for r in rows]).as_json() for k in SIZE_KPIS}
        totals = [arm.total() for arm in arms]
        unfinished = sum(t.orders - t.completed for t in totals) / len(totals)
        orders = int(totals[0].orders)
        points.append(Point(kt, round(actual[kt], 3), n, values, orders, unfinished))
    return points


def smallest(points: Sequence[Point]) -> dict[float, int | None]:
    """Per demand level, the fewest lines whose mean on-time rate is >= ``TARGET_ON_TIME``
    (None: no tried number of lines reaches it)."""
    out: dict[float, int | None] = {}
    for p in points:
        out.setdefault(p.demand_kt, None)
        best = out[p.demand_kt]
        if p.mean("on_time_rate") >= TARGET_ON_TIME and (best is None or p.lines < best):
            out[p.demand_kt] = p.lines
    return out


def document(points: Sequence[Point], meta: dict[str, Any]) -> dict[str, Any]:
    """The sizing result as JSON-ready data."""
    return {
        **meta,
        "target_on_time": TARGET_ON_TIME,
        "points": [
            {
                "demand_kt": p.demand_kt,
                "actual_kt": p.actual_kt,
                "lines": p.lines,
                "orders": p.orders,
                "unfinished_orders": p.unfinished,
                "overloaded": p.overloaded,
                **p.estimates,
            }
            for p in points
        ],
        "smallest": [{"demand_kt": kt, "lines": n} for kt, n in smallest(points).items()],
    }


# --- the chart ---------------------------------------------------------------------------------


def figure(points: Sequence[Point], title: str) -> Any:
    """Two panels against annual demand, one curve per number of lines with 95 % CI bars:
    on-time rate (with the target; each level's smallest center that meets it as a large
    diamond) and cost per delivered tonne. Overloaded points are hollow."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    on_time, cost = fig.subplots(1, 2)
    best = smallest(points)
    # one colour per number of lines in both panels (the extra markers would advance the
    # colour cycle of the left panel only)
    for k, n in enumerate(sorted({p.lines for p in points})):
        mine = [p for p in points if p.lines == n]
        x = [p.demand_kt for p in mine]
        colour = f"C{k}"
        for ax, kpi in ((on_time, "on_time_rate"), (cost, "cost_per_t")):
            y = [p.mean(kpi) for p in mine]
            err = [
                [p.mean(kpi) - p.ci(kpi)[0] for p in mine],
                [p.ci(kpi)[1] - p.mean(kpi) for p in mine],
            ]
            label = f"{n} line{'s' * (n > 1)}"
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=colour, label=label)
            hollow = [(p.demand_kt, p.mean(kpi)) for p in mine if p.overloaded]
            if hollow:
                ax.plot(*zip(*hollow, strict=True), "o", color=colour, mfc="white", zorder=3)
        chosen = [(p.demand_kt, p.mean("on_time_rate")) for p in mine if best[p.demand_kt] == n]
        if chosen:
            on_time.plot(*zip(*chosen, strict=True), "D", ms=10, color="black", mfc="none")
    on_time.axhline(TARGET_ON_TIME, color="grey", linestyle="--", linewidth=1)
    on_time.set_title(
        f"diamond: smallest center with on-time >= {TARGET_ON_TIME}; hollow: overloaded",
        fontsize=9,
    )
    on_time.set(xlabel="annual demand, kt mixed", ylabel="on-time rate", ylim=(0, 1.05))
    cost.set(xlabel="annual demand, kt mixed", ylabel="cost, yuan per delivered t")
    on_time.legend(loc="lower left")
    for ax in (on_time, cost):
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return fig


def write_chart(points: Sequence[Point], title: str, path: Path) -> None:
    """The capacity curve as PNG (``.png``) or a self-contained HTML page (``.html``: the
    chart as inline SVG and the table)."""
    suffix = path.suffix.lower()
    if suffix not in (".png", ".html"):
        raise ValueError(f"-o {path}: the chart is written as .png or .html")
    fig = figure(points, title)
    if suffix == ".png":
        fig.savefig(path, dpi=120)
        return
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    path.write_text(_html(points, title, svg.getvalue()), encoding="utf-8")


def _html(points: Sequence[Point], title: str, svg: str) -> str:
    rows = []
    best = smallest(points)
    for p in points:
        lo, hi = p.ci("on_time_rate")
        clo, chi = p.ci("cost_per_t")
        mark = " ✓" if best.get(p.demand_kt) == p.lines else ""
        mark += " (overloaded)" if p.overloaded else ""
        rows.append(
            f"<tr><td>{p.demand_kt:g}</td><td>{p.lines}{mark}</td>"
            f"<td>{p.mean('on_time_rate'):.3f} [{lo:.3f}, {hi:.3f}]</td>"
            f"<td>{p.mean('cost_per_t'):.0f} [{clo:.0f}, {chi:.0f}]</td></tr>"
        )
    start = svg.find("<svg")
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{svg[start:]}"
        "<table border='1' cellpadding='4'><tr><th>demand kt/yr</th><th>lines</th>"
        "<th>on-time rate [95 % CI]</th><th>cost yuan/t [95 % CI]</th></tr>"
        + "".join(rows)
        + f"</table><p>✓ smallest number of lines with mean on-time rate ≥ {TARGET_ON_TIME}; "
        "overloaded: orders were still not mixed when the run stopped (they count late; "
        "hollow points in the chart)</p>"
        "</body></html>\n"
    )
