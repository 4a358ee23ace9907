"""Replications of both arms on one demand trace, with common random numbers."""

from __future__ import annotations

from collections.abc import Callable

from mixshare.engine.problem import InfeasibleProblem, Interval, Lot, Problem
from mixshare.engine.solution import Schedule
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.common import draw
from mixshare.twin.data import Settings, TwinInput
from mixshare.twin.shared import Planner, SharedArm
from mixshare.twin.standalone import run_standalone
from mixshare.twin.tally import ArmResult

Progress = Callable[[int, int], None]
# share of the lines' available minutes in the planned horizon that orders may fill; the rest
# goes to changeovers (the first re-plan of 160 kt/yr on one line, capped at the whole
# horizon: 44 of 518 lots did not fit, and placing them took 6 of the plan's 8 CPU s)
PLANNED_SHARE = 0.8


def engine_planner(settings: Settings) -> Planner:
    """The real scheduling engine: a fixed number of iterations (the same plan for the same
    problem and seed; ``engine_iterations`` 0 uses the time limit instead, not
    reproducible), the first ``engine_rules`` construction rules, no lower bound, one
    process (replications may run side by side). Re-planning, it plans at most what the
    lines can mix within the planned horizon (:func:`within_capacity`)."""
    from mixshare.engine import search
    from mixshare.engine.dispatch import dispatch

    iterations = settings.engine_iterations or None

    def plan(problem: Problem, seed: int) -> Schedule:
        if settings.replan_hours > 0:  # a single plan has no next re-plan to wait for
            problem = within_capacity(problem)
        try:
            return search.solve(
                problem,
                time_limit=settings.engine_time_limit,
                seed=seed,
                workers=1,
                iterations=iterations,
                strict=False,
                rules=settings.engine_rules or None,
                bound=False,  # the twin executes plans; it never reports their bound
            )
        except InfeasibleProblem:  # structurally impossible now: the baseline plans the rest
            return dispatch(problem, strict=False)

    return plan


def within_capacity(problem: Problem) -> Problem:
    """The orders the lines can mix within ``PLANNED_SHARE`` of the problem's horizon,
    earliest due first (an order's lots together); the others wait for the next re-plan.

    An overloaded center (160 kt/yr on one line) otherwise hands the engine a backlog it
    cannot place, and the engine's deterministic mode tries to place every order it left
    out, however long that takes: more than 5 CPU minutes a replication, most of it in
    ``Search.restore``. Below capacity nothing changes: the twin re-plans a week ahead plus a
    3-day tail, so the cap binds only when the visible orders need more than 80 % of the
    lines' available time in those 10 days."""
    share = PLANNED_SHARE * sum(_available(problem, line.unavailable) for line in problem.lines)
    capacity = int(share)
    if sum(_fastest(lot) for lot in problem.lots) <= capacity:
        return problem
    by_order: dict[str, list[Lot]] = {}
    for lot in problem.lots:
        by_order.setdefault(lot.order, []).append(lot)

    def due(order: str) -> tuple[int, str]:
        dues = [lot.due for lot in by_order[order] if lot.due is not None]
        return (min(dues) if dues else problem.horizon, order)

    kept: set[str] = set()
    used = 0
    for order in sorted(by_order, key=due):
        minutes = sum(_fastest(lot) for lot in by_order[order])
        if kept and used + minutes > capacity:
            break
        kept.add(order)
        used += minutes
    return problem.without(lot.id for lot in problem.lots if lot.order not in kept)


def _fastest(lot: Lot) -> int:
    return min(option.minutes for option in lot.options)


def _available(problem: Problem, unavailable: tuple[Interval, ...]) -> int:
    down = sum(max(0, min(iv.end, problem.horizon) - max(iv.start, 0)) for iv in unavailable)
    return problem.horizon - down


def replicate(
    inp: TwinInput,
    settings: Settings,
    assumptions: Assumptions,
    replication: int,
    planner: Planner | None = None,
) -> dict[str, ArmResult]:
    """Both arms of one replication. Its random numbers depend only on the seed and the
    replication number, so results do not depend on which worker runs it or when."""
    draws = draw(inp, settings, replication)
    shared = SharedArm(
        inp, settings, assumptions, replication, draws, planner or engine_planner(settings)
    ).run()
    alone = run_standalone(inp, settings, assumptions, replication, draws)
    return {"shared": shared, "standalone": alone}


def run(
    inp: TwinInput,
    settings: Settings,
    assumptions: Assumptions,
    progress: Progress | None = None,
    planner: Planner | None = None,
) -> list[dict[str, ArmResult]]:
    reps = []
    for r in range(settings.replications):
        reps.append(replicate(inp, settings, assumptions, r, planner))
        if progress is not None:
            progress(r + 1, settings.replications)
    return reps
