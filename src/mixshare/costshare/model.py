"""The cost game ``c(S)``: what coalition ``S`` would pay a month for a center of its own.

The model (parameters are data, :class:`CenterCostModel`; the center admin versions them):

1. **Demand** of a coalition is the sum of its members' line hours in the month (mixing time
   of every pass, MB, RM and FB); nothing else about a member changes what its center costs.
   So ``c(S) = f(H(S))`` with ``H(S) = Σ h_i``, and every coalition's cost is one vectorised
   evaluation of ``f`` over the ``2**n`` subset sums.
2. **Lines and shifts.** A center of its own may run 1 to ``max_shifts`` shifts a day (a small
   member mixes on day shift only; the shared center runs three). With ``s`` shifts a line is
   available ``A(s) = s · shift_hours · operating_days − maintenance_hours`` hours a month, and
   runs at most at ``target_utilisation`` of that (changeovers, cleaning batches, small
   stoppages eat the rest). The lines needed are ``n(s) = ceil(H / (A(s) · u))``, the formula
   the planners use for sizing.
3. **Fixed cost of that center** for ``s`` shifts:

   - ``n · line_fixed_cost``: depreciation, insurance and fixed maintenance of each line (the
     lines come whole: this indivisibility is the main reason sharing pays);
   - ``n · s · staff_cost_per_line_shift``: a crew per line and daily shift, including its
     relief crews (staff scale with line-shifts, not with tonnes);
   - ``ceil(n / lines_per_treatment_unit) · treatment_unit_cost``: exhaust treatment (capture,
     dust removal, adsorption-concentration, incineration) comes in units sized for a number
     of lines: a step function, not a per-tonne cost;
   - ``overhead_cost``: what any center carries once (management, the lab, the site).

   ``c(S)`` is the cheapest number of shifts: ``min_s`` of the above. A coalition without
   demand needs no center: ``c(S) = 0`` (a member that mixed nothing is a dummy player).

Variable costs (energy, materials, cleaning batches) are billed per batch elsewhere and are not
in the game. The model is deliberately coarse: it ranks coalitions by what a real center would
have to buy and hire, and it is cheap (three array passes per coalition set).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixshare.costshare.coalitions import FloatArray

# Float noise must not buy a whole extra line: 2.0000000001 lines is 2 lines.
_CEIL_SLACK = 1e-9


@dataclass(frozen=True)
class CenterCostModel:
    """Parameters of the cost model, money in yuan per month (see the module docstring)."""

    line_fixed_cost: float
    staff_cost_per_line_shift: float
    treatment_unit_cost: float
    lines_per_treatment_unit: int
    overhead_cost: float
    target_utilisation: float
    shift_hours: float = 8.0
    max_shifts: int = 3
    maintenance_hours_per_line: float = 0.0

    def __post_init__(self) -> None:
        for field in (
            "line_fixed_cost",
            "staff_cost_per_line_shift",
            "treatment_unit_cost",
            "overhead_cost",
            "maintenance_hours_per_line",
        ):
            if getattr(self, field) < 0:
                raise ValueError(f"{field} must not be negative, got {getattr(self, field)}")
        if not 0 < self.target_utilisation <= 1:
            raise ValueError(f"target_utilisation must be in (0, 1], got {self.target_utilisation}")
        if self.lines_per_treatment_unit < 1:
            raise ValueError("lines_per_treatment_unit must be at least 1")
        if not 1 <= self.max_shifts <= 24 / self.shift_hours:
            raise ValueError(
                f"max_shifts must be 1 to {24 / self.shift_hours:g} for {self.shift_hours:g} h"
                f" shifts, got {self.max_shifts}"
            )

    def available_hours(self, shifts: int, operating_days: float) -> float:
        """Hours one line may run a month on ``shifts`` shifts a day, before utilisation."""
        return shifts * self.shift_hours * operating_days - self.maintenance_hours_per_line

    def _cost_on(self, hours: FloatArray, shifts: int, operating_days: float) -> FloatArray:
        capacity = self.available_hours(shifts, operating_days) * self.target_utilisation
        if capacity <= 0:
            return np.full(hours.shape, np.inf)
        lines = np.ceil(hours / capacity - _CEIL_SLACK)
        units = np.ceil(lines / self.lines_per_treatment_unit)
        return (
            lines * (self.line_fixed_cost + shifts * self.staff_cost_per_line_shift)
            + units * self.treatment_unit_cost
            + self.overhead_cost
        )

    def cost(self, hours: FloatArray, operating_days: float) -> FloatArray:
        """``c`` for each demand in ``hours`` (line hours a month); 0 where there is none."""
        hours = np.asarray(hours, dtype=np.float64)
        best = np.full(hours.shape, np.inf)
        for shifts in range(1, self.max_shifts + 1):
            np.minimum(best, self._cost_on(hours, shifts, operating_days), out=best)
        return np.where(hours > 0, best, 0.0)

    def design(self, hours: float, operating_days: float) -> CenterDesign:
        """The cheapest center for ``hours`` of demand: what ``cost`` prices."""
        if hours <= 0:
            return CenterDesign(0, 0, 0, 0.0)
        options = []
        for shifts in range(1, self.max_shifts + 1):
            cost = float(self._cost_on(np.array([hours]), shifts, operating_days)[0])
            capacity = self.available_hours(shifts, operating_days) * self.target_utilisation
            if capacity > 0:
                lines = int(np.ceil(hours / capacity - _CEIL_SLACK))
                units = int(np.ceil(lines / self.lines_per_treatment_unit))
                options.append(CenterDesign(lines, shifts, units, cost))
        if not options:
            raise ValueError("no shift pattern leaves a line any available hours")
        return min(options, key=lambda design: design.cost)


@dataclass(frozen=True)
class CenterDesign:
    """A center sized for one demand: lines, shifts a day, treatment units and its cost."""

    lines: int
    shifts: int
    treatment_units: int
    cost: float
