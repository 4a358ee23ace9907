"""A straightforward monolithic CP-SAT model, kept only as a benchmark comparison.

One circuit per line over optional lot intervals, sequence-dependent changeovers as arc
literals (the incoming changeover is glued in front of the lot so calendars are respected),
chain lag constraints, optional orders, and a weighted objective of unplanned orders,
tardiness and changeover minutes. This is what the issue calls "the straightforward model";
it is not used for planning.
"""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from mixshare.engine.model import NO_DUE, Model, compile_problem
from mixshare.engine.problem import Problem
from mixshare.engine.solution import Schedule, ScheduledChangeover, ScheduledLot

UNPLANNED_PENALTY = 10_000_000


class _Vars:
    def __init__(self) -> None:
        self.start: dict[tuple[int, int], cp_model.IntVar] = {}
        self.end: dict[tuple[int, int], cp_model.IntVar] = {}
        self.pres: dict[tuple[int, int], cp_model.IntVar] = {}
        self.s: list[cp_model.IntVar] = []
        self.e: list[cp_model.IntVar] = []
        self.unplanned: list[cp_model.IntVar] = []


def _lots(cm: cp_model.CpModel, m: Model, v: _Vars) -> None:
    h = m.horizon
    v.unplanned = [cm.new_bool_var(f"u{o}") for o in range(len(m.order_ids))]
    for i in range(m.n):
        v.s.append(cm.new_int_var(m.release[i], h, f"s{i}"))
        v.e.append(cm.new_int_var(0, h, f"e{i}"))
        lits = []
        for ln in m.eligible(i):
            x = cm.new_bool_var(f"x{i}_{ln}")
            v.pres[i, ln] = x
            cm.add(v.e[i] == v.s[i] + m.dur[ln][i]).only_enforce_if(x)
            lits.append(x)
        cm.add(sum(lits) == 1).only_enforce_if(v.unplanned[m.order[i]].negated())
        cm.add(sum(lits) == 0).only_enforce_if(v.unplanned[m.order[i]])
        if i in m.fixed:
            ln, st = m.fixed[i]
            cm.add(v.s[i] == st)
            cm.add(v.pres[i, ln] == 1)
    for i in range(m.n):
        for p, mn, mx in m.preds[i]:
            live = v.unplanned[m.order[i]].negated()
            cm.add(v.s[i] >= v.e[p] + mn).only_enforce_if(live)
            if mx < NO_DUE:
                cm.add(v.s[i] <= v.e[p] + mx).only_enforce_if(live)


def _line(cm: cp_model.CpModel, m: Model, v: _Vars, ln: int) -> list[tuple[int, cp_model.IntVar]]:
    """Circuit with changeover arcs; returns (minutes, literal) pairs for the objective."""
    lots = [i for i in range(m.n) if m.dur[ln][i] > 0]
    h = m.horizon
    arcs: list[tuple[int, int, Any]] = []
    costs: list[tuple[int, cp_model.IntVar]] = []
    setin: dict[int, list[tuple[int, cp_model.IntVar]]] = {i: [] for i in lots}
    intervals = []
    for a, i in enumerate(lots, start=1):
        x = v.pres[i, ln]
        arcs.append((a, a, x.negated()))
        for src, j in [(0, -1), *enumerate(lots, start=1)]:
            if src == a:
                continue
            fk = m.init_key[ln] if j < 0 else m.key[j]
            c = m.co_min[ln][fk][m.key[i]]
            if c < 0:
                continue
            lit = cm.new_bool_var("")
            arcs.append((src, a, lit))
            if c:
                setin[i].append((c, lit))
                costs.append((c, lit))
            if j >= 0:
                cm.add(v.s[i] >= v.e[j] + c).only_enforce_if(lit)
        arcs.append((a, 0, cm.new_bool_var("")))
        si = cm.new_int_var(0, 60 * 24, "")
        cm.add(si == sum(c * lit for c, lit in setin[i]))
        ext = cm.new_int_var(0, h, "")
        cm.add(ext == v.s[i] - si)
        size = cm.new_int_var(1, h, "")
        cm.add(size == v.e[i] - ext)
        intervals.append(cm.new_optional_interval_var(ext, size, v.e[i], x, ""))
    arcs.append((0, 0, cm.new_bool_var("")))
    cm.add_circuit(arcs)
    for s, e in m.down[ln]:
        intervals.append(cm.new_interval_var(s, e - s, e, ""))
    cm.add_no_overlap(intervals)
    return costs


def solve_monolithic(
    problem: Problem, time_limit: float, workers: int = 2, seed: int = 0
) -> Schedule | None:
    """Best plan the monolithic model finds in ``time_limit`` (build included), else None."""
    t0 = time.perf_counter()
    m = compile_problem(problem)
    cm = cp_model.CpModel()
    v = _Vars()
    _lots(cm, m, v)
    setup_terms = []
    for ln in range(m.m):
        setup_terms += _line(cm, m, v, ln)
        if time.perf_counter() - t0 > time_limit:
            return None
    tard = []
    for i in range(m.n):
        if m.due[i] < NO_DUE:
            t = cm.new_int_var(0, m.horizon, "")
            cm.add(t >= v.e[i] - m.due[i])
            tard.append((max(1, round(m.weight[i] * 100)), t))
    cm.minimize(
        UNPLANNED_PENALTY * sum(v.unplanned)
        + 10 * sum(w * t for w, t in tard)
        + sum(c * lit for c, lit in setup_terms)
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit - (time.perf_counter() - t0))
    solver.parameters.num_search_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(cm)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    stats: dict[str, float | int | str] = {
        "method": "monolithic-cpsat",
        "seconds": round(time.perf_counter() - t0, 2),
        "cp_bound": solver.best_objective_bound,
        "status": solver.status_name(status),
    }
    return _extract(m, v, solver, stats)


def _extract(
    m: Model, v: _Vars, solver: cp_model.CpSolver, stats: dict[str, float | int | str]
) -> Schedule:
    lots: list[ScheduledLot] = []
    cos: list[ScheduledChangeover] = []
    unplanned = []
    for ln in range(m.m):
        seq = sorted(
            (solver.value(v.s[i]), i)
            for i in range(m.n)
            if (i, ln) in v.pres and solver.value(v.pres[i, ln])
        )
        pk, prev = m.init_key[ln], None
        for st, i in seq:
            k = m.key[i]
            c, cl = m.co_min[ln][pk][k], m.co_clean[ln][pk][k]
            if c > 0 or cl > 0:
                cos.append(
                    ScheduledChangeover(
                        m.line_ids[ln], prev, m.lot_ids[i], st - c, st, cl, m.co_cost[ln][pk][k]
                    )
                )
            lots.append(ScheduledLot(m.lot_ids[i], m.line_ids[ln], st, st + m.dur[ln][i]))
            pk, prev = k, m.lot_ids[i]
    for i in range(m.n):
        if solver.value(v.unplanned[m.order[i]]):
            unplanned.append(m.lot_ids[i])
    return Schedule(tuple(lots), tuple(cos), tuple(unplanned), stats=stats)
