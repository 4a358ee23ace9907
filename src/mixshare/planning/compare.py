"""What a new plan changes in lateness and cost against another, beside which lots moved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mixshare.planning.models import Plan

# (KPI key in Plan.kpis, label msgid, decimals); lower is better for every one of them.
COMPARED_KPIS = (
    ("weighted_tardiness", "Weighted tardiness (min)", 0),
    ("late_lots", "Late lots", 0),
    ("unplanned_orders", "Unplanned orders", 0),
    ("changeover_hours", "Changeover hours", 1),
    ("cleaning_batches", "Cleaning batches", 0),
    ("changeover_cost", "Changeover cost (yuan)", 0),
    ("energy_cost", "Energy cost (yuan)", 0),
    ("objective", "Objective", 0),
)


@dataclass(frozen=True)
class KpiChange:
    key: str
    label: str
    decimals: int
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def direction(self) -> str:
        """``better``, ``worse`` or ``same`` (lower is better for every compared KPI)."""
        change = self.change
        if change is None or abs(change) < 10 ** -(self.decimals + 1):
            return "same"
        return "better" if change < 0 else "worse"


def _figure(kpis: dict[str, Any], key: str) -> float | None:
    value = kpis.get(key)
    return float(value) if isinstance(value, (int, float)) else None


def kpi_changes(plan: Plan, previous: Plan) -> list[KpiChange]:
    """Lateness and cost of ``previous`` and ``plan``, KPI by KPI."""
    before = {**previous.kpis, "objective": previous.objective}
    after = {**plan.kpis, "objective": plan.objective}
    return [
        KpiChange(key, label, decimals, _figure(before, key), _figure(after, key))
        for key, label, decimals in COMPARED_KPIS
    ]
