"""Replications of both arms on one demand trace, with common random numbers."""

from __future__ import annotations

from collections.abc import Callable

from mixshare.engine.problem import InfeasibleProblem, Problem
from mixshare.engine.solution import Schedule
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.common import draw
from mixshare.twin.data import Settings, TwinInput
from mixshare.twin.shared import Planner, SharedArm
from mixshare.twin.standalone import run_standalone
from mixshare.twin.tally import ArmResult

Progress = Callable[[int, int], None]


def engine_planner(settings: Settings) -> Planner:
    """The real scheduling engine: a fixed number of iterations (the same plan for the same
    problem and seed; ``engine_iterations`` 0 uses the time limit instead, not
    reproducible), the first ``engine_rules`` construction rules, no lower bound, one
    process (replications may run side by side)."""
    from mixshare.engine import search
    from mixshare.engine.dispatch import dispatch

    iterations = settings.engine_iterations or None

    def plan(problem: Problem, seed: int) -> Schedule:
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
