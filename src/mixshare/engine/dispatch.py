"""Earliest-due-date dispatch: the baseline and the always-valid planning fallback."""

from __future__ import annotations

import time

from mixshare.engine.construct import construct, edd_rule, finalize, unplanned_lots
from mixshare.engine.model import Model, check_structure, compile_problem, evaluate, to_schedule
from mixshare.engine.problem import Problem
from mixshare.engine.solution import Schedule


def dispatch_model(model: Model, strict: bool = True) -> tuple[list[list[int]], Schedule]:
    """EDD list schedule of a compiled model; returns the sequences and the schedule."""
    t0 = time.perf_counter()
    bad = check_structure(model, strict=strict)
    seqs, failed = construct(model, edd_rule(model), bad)
    seqs, dec, excluded = finalize(model, seqs, bad | failed)
    cost = evaluate(model, seqs, dec, len(excluded))
    sched = to_schedule(
        model,
        seqs,
        dec,
        unplanned_lots(model, seqs),
        objective=cost.total(model),
        stats={"method": "dispatch-edd", "seconds": round(time.perf_counter() - t0, 3)},
    )
    return seqs, sched


def dispatch(problem: Problem, strict: bool = True) -> Schedule:
    """Earliest-due-date baseline; valid by construction, deterministic.

    Orders that cannot be placed are listed whole in ``unplanned``. With ``strict`` (default)
    a structurally infeasible input (a lot no line can run, an unmeetable lag) raises
    :class:`~mixshare.engine.problem.InfeasibleProblem`; otherwise its order is left unplanned.
    """
    return dispatch_model(compile_problem(problem), strict)[1]
