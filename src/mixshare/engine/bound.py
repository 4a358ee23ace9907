"""Lower bounds on the weighted objective (valid for every plan that schedules all orders).

* Tardiness: the largest of
  (a) each lot's own earliest completion (release, chain minimum lags, fastest line, calendar);
  (b) a capacity relaxation: all lots due by ``D`` (and their chain predecessors) need their
      minimum processing time, plus one shortest entry changeover per setup key they use (at
      most one key per line comes from the initial state), on the lines' available minutes, so
      the last of them ends no earlier than when that capacity is reached;
  (c) CP-SAT relaxations of the most urgent lots (:func:`relaxation_tardiness_bound`), plus (a)
      for the due lots those relaxations do not count.
* Changeovers: the larger of (a) every distinct setup key must be entered at least once on
  some line, from some other key at its cheapest incoming changeover, only the first lot of
  each line (at most one key per line) coming from the line's initial state instead; and
  (b) the key-path relaxation (:func:`key_path_setup_bound`): the lines' walks over the setup
  keys, cut down to at most one path per line visiting every key once under the cheapest-chain
  changeover costs, bounded by a Lagrangian (Held-Karp) arborescence. Neither sees time, so
  neither can exceed the cheapest changeovers of a plan that ignores due dates.
* Energy: a fractional (LP) relaxation that lets each lot's minutes go to any available minute
  of its eligible lines (:func:`energy_bound`); locked/frozen lots are priced exactly.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from mixshare.engine.model import NO_DUE, Model, _earliest_ends, minute_prices

# CP-SAT relaxation defaults (see :func:`relaxation_tardiness_bound`)
RELAX_TIME = 1.5
RELAX_LOTS = 100
RELAX_WINDOWS = 3
# subgradient rounds of the key-path changeover relaxation (:func:`key_path_setup_bound`)
SETUP_ROUNDS = 100
# at most this many distinct price levels in the energy LP (more are merged, each group at its
# lowest price, which only lowers the bound)
PRICE_LEVELS = 32


def tardiness_bound(model: Model, time_limit: float = RELAX_TIME) -> float:
    """Lower bound on the weighted tardiness (weighted minutes); ``time_limit`` seconds go to
    the CP-SAT relaxation (0 skips it)."""
    ef = _earliest_ends(model)
    own = _own_lateness(model, ef)
    best = max(sum(own), _capacity_bound(model))
    if time_limit > 0:
        best = max(best, relaxation_tardiness_bound(model, time_limit, ef=ef, own=own))
    return best


def _own_lateness(model: Model, ef: list[int]) -> list[float]:
    """Each due lot's weighted lateness at its earliest possible end, other lots ignored."""
    return [
        model.weight[i] * max(0, ef[i] - model.due[i])
        if model.due[i] < NO_DUE and ef[i] >= 0
        else 0.0
        for i in range(model.n)
    ]


def _available_upto(model: Model) -> np.ndarray:
    """Cumulative available line-minutes over the horizon (all lines together)."""
    avail = np.full(model.horizon, model.m, dtype=np.int64)
    for down in model.down:
        for s, e in down:
            avail[max(0, s) : min(model.horizon, e)] -= 1
    return np.cumsum(avail)


def _capacity_bound(model: Model) -> float:
    cum = _available_upto(model)
    minp = [min(model.dur[ln][i] for ln in model.eligible(i)) for i in range(model.n)]
    entry, saving = _entry_minutes(model)
    due_lots = sorted((model.due[i], i) for i in range(model.n) if model.due[i] < NO_DUE)
    work, best, counted = 0, 0.0, set()
    keys: set[int] = set()
    savings: list[int] = []
    min_w = float("inf")
    for d, i in due_lots:
        stack = [i]
        while stack:  # the lot and all its chain predecessors must be done by its end
            j = stack.pop()
            if j in counted:
                continue
            counted.add(j)
            work += minp[j]
            if model.key[j] not in keys:  # a new setup key: entered once before its first lot
                keys.add(model.key[j])
                work += entry[model.key[j]]
                savings.append(saving[model.key[j]])
            stack.extend(p for p, _a, _b in model.preds[j])
        min_w = min(min_w, model.weight[i])
        # at most one key per line is entered from the line's initial state instead
        spared = sum(heapq.nlargest(model.m, savings))
        # earliest time the lines can have done `work` (cum[t] counts the minutes [0, t + 1))
        t = int(np.searchsorted(cum, work - spared)) + 1
        if t > d:
            best = max(best, min_w * (t - d))
    return best


def _entry_minutes(model: Model) -> tuple[list[int], list[int]]:
    """Per setup key: the shortest changeover into it from another key on any line, and how
    much shorter entering it from a line's initial state can be (the line's first lot).

    Why the capacity bound may add them: every key used by the lots due by ``D`` is entered
    on some line before its first lot there, by a changeover that overlaps no lot, no other
    changeover and no unavailable time, so it takes line minutes before the last of those lots
    ends; only the first lot of each line may come from the initial state instead."""
    nk = len(model.keys)
    entry, saving = [0] * nk, [0] * nk
    for k in range(nk):
        inner = [
            model.co_min[ln][f][k]
            for ln in range(model.m)
            for f in range(nk)
            if f != k and model.co_min[ln][f][k] >= 0
        ]
        first = [
            0 if model.init_key[ln] == k else model.co_min[ln][model.init_key[ln]][k]
            for ln in range(model.m)
        ]
        first = [x for x in first if x >= 0]
        if not inner:  # only reachable from an initial state
            inner = first or [0]
        entry[k] = min(inner)
        saving[k] = entry[k] - min([*first, entry[k]])
    return entry, saving


# -- capacity: could every order fit? ------------------------------------------------------------


@dataclass(frozen=True)
class CapacityCheck:
    """What line capacity alone says about planning every order (:func:`capacity_check`).

    ``shortfall`` is the largest number of line-minutes some group of lots needs beyond what
    its lines have (0: no capacity argument rules out a plan with every order); ``room``
    gives, per order id, the free line-minutes left from the order's earliest start to
    the horizon once every lot that cannot start before then is counted (its own included),
    on all lines; negative is short.
    """

    shortfall: int
    room: dict[str, int]
    work: int
    available: int

    @property
    def fits(self) -> bool:
        return self.shortfall <= 0


def capacity_check(model: Model) -> CapacityCheck:
    """Necessary capacity conditions of a plan that schedules every order.

    Every lot runs on one of its lines (a locked/frozen one on its own) for at least its
    shortest duration there, not before its earliest start (release, and chain predecessors'
    earliest ends plus minimum lags), not over unavailable time, and all by the horizon. So for
    every set ``S`` of lines and every moment ``t``, the lots that may run only on lines of
    ``S`` and cannot start before ``t`` need at most the free minutes of ``S`` in
    ``[t, horizon)``; with ``t = 0`` and all lines, the entry changeovers of the setup keys
    (:func:`_entry_minutes`, at most one per line from the initial state) are added. A
    violated condition proves that some order must be left out (``shortfall`` > 0); when none
    is violated capacity does not rule out planning them all (it does not prove that a plan
    exists: sequencing, rest windows and changeovers between lots are not counted).
    """
    h, m = model.horizon, model.m
    ef = _earliest_ends(model)
    est = [-1] * model.n
    for i in range(model.n):
        if ef[i] < 0:
            continue
        lo = model.release[i]
        for p, mn, _mx in model.preds[i]:
            lo = max(lo, ef[p] + mn)
        fx = model.fixed.get(i)
        est[i] = fx[1] if fx is not None else lo
    free = []  # per line: free minutes in [t, horizon) for every t (length horizon + 1)
    for ln in range(m):
        up = np.ones(h, dtype=np.int64)
        for a, b in model.down[ln]:
            up[max(0, a) : min(h, b)] = 0
        free.append(np.concatenate([np.cumsum(up[::-1])[::-1], [0]]))
    lines_of = [
        (model.fixed[i][0],) if i in model.fixed else tuple(model.eligible(i))
        for i in range(model.n)
    ]
    shortfall = 0
    planned = [i for i in range(model.n) if est[i] >= 0]
    for size in range(1, m + 1):
        for group in itertools.combinations(range(m), size):
            inside = [i for i in planned if set(lines_of[i]) <= set(group)]
            if not inside:
                continue
            cap = np.sum([free[ln] for ln in group], axis=0)
            need = {i: min(model.dur[ln][i] for ln in lines_of[i]) for i in inside}
            inside.sort(key=lambda i: -est[i])
            work = 0
            for k, i in enumerate(inside):
                work += need[i]
                if k + 1 < len(inside) and est[inside[k + 1]] == est[i]:
                    continue
                shortfall = max(shortfall, work - int(cap[min(h, est[i])]))
    # all lots on all lines from minute 0, with the entry changeovers of their keys
    minp = {i: min(model.dur[ln][i] for ln in lines_of[i]) for i in planned}
    entry, saving = _entry_minutes(model)
    used = sorted({model.key[i] for i in planned})
    setups = sum(entry[k] for k in used) - sum(heapq.nlargest(m, [saving[k] for k in used]))
    total = np.sum(free, axis=0)
    work_all = sum(minp.values())
    shortfall = max(shortfall, work_all + setups - int(total[0]))
    room = _order_room(model, planned, est, minp, total)
    return CapacityCheck(shortfall, room, work_all + setups, int(total[0]))


def _order_room(
    model: Model, planned: list[int], est: list[int], minp: dict[int, int], total: np.ndarray
) -> dict[str, int]:
    """Per order: free minutes of all lines from its earliest start minus the work of every
    lot that cannot start before it."""
    h = model.horizon
    order_start: dict[int, int] = {}
    for i in planned:
        o = model.order[i]
        order_start[o] = min(order_start.get(o, h), est[i])
    by_start = sorted(planned, key=lambda i: est[i])
    starts = [est[i] for i in by_start]
    tail = np.concatenate([np.cumsum([minp[i] for i in by_start][::-1])[::-1], [0]])
    out = {}
    for o, t in order_start.items():
        k = bisect.bisect_left(starts, t)
        out[model.order_ids[o]] = int(total[min(h, t)]) - int(tail[k])
    return out


# -- CP-SAT relaxation of the most urgent lots ----------------------------------------------------


def relaxation_tardiness_bound(
    model: Model,
    time_limit: float = RELAX_TIME,
    max_lots: int = RELAX_LOTS,
    max_windows: int = RELAX_WINDOWS,
    setups: bool = True,
    workers: int = 2,
    ef: list[int] | None = None,
    own: list[float] | None = None,
) -> float:
    """Weighted tardiness bound from CP-SAT relaxations of windows of urgent lots.

    The due lots are taken in increasing due order and cut into consecutive windows; a window
    holds its due lots plus all their chain predecessors, at most ``max_lots`` lots. Each window
    is a relaxed sub-problem whose objective counts the tardiness of *its own* due lots only;
    the proven bound of CP-SAT (``BestObjectiveBound``, not its best solution) is taken.

    Why the sum is valid: take any plan that schedules every order. Restricted to the lots of a
    window it is a feasible schedule of the window's relaxation (:func:`_relaxation_bound` only
    drops lots and constraints, never adds one a real plan could break), so the tardiness of the
    window's due lots in that plan is at least the window's optimum, hence at least CP-SAT's
    proven bound. The windows count disjoint sets of due lots and tardiness is never negative,
    so the plan's weighted tardiness is at least the sum of the window bounds plus, for every
    due lot no window counts, its own lateness at its earliest possible end (``own``).

    The first window (the most urgent lots) gets half the time; later windows share the rest
    and are skipped when the time is used up. A window whose relaxation CP-SAT cannot solve in
    time (no status OPTIMAL/FEASIBLE) adds nothing to the own lateness of its due lots.
    ``ef``/``own`` (earliest ends, :func:`_own_lateness`) may be passed when already known.
    """
    if model.n == 0 or time_limit <= 0:
        return 0.0
    t_end = time.perf_counter() + time_limit
    ef = _earliest_ends(model) if ef is None else ef
    own = _own_lateness(model, ef) if own is None else own
    windows = _windows(model, ef, max_lots, max_windows)
    total = sum(own)
    for k, (lots, objective) in enumerate(windows):
        left = t_end - time.perf_counter()
        share = left / 2 if k == 0 and len(windows) > 1 else left / (len(windows) - k)
        if share < 0.05:
            break
        b = _window_bound(model, lots, objective, ef, share, setups, workers)
        # both the window's bound and the own lateness of its due lots bound the same lots:
        # keep the larger
        total += max(0.0, b - sum(own[i] for i in objective))
    return total


def _windows(
    model: Model, ef: list[int], max_lots: int, max_windows: int
) -> list[tuple[list[int], list[int]]]:
    """Consecutive windows of due lots by increasing due date (ties: heavier first), each with
    its chain predecessors; lots that can never be planned (``ef < 0``) are left out (dropping
    lots is always valid)."""
    due = sorted(
        (model.due[i], -model.weight[i], i)
        for i in range(model.n)
        if model.due[i] < NO_DUE and ef[i] >= 0 and model.weight[i] > 0
    )
    out: list[tuple[list[int], list[int]]] = []
    k = 0
    while k < len(due) and len(out) < max_windows:
        seen: set[int] = set()
        lots: list[int] = []
        objective: list[int] = []
        while k < len(due):
            i = due[k][2]
            add = _closure(model, i, seen)
            if objective and len(lots) + len(add) > max_lots:
                break
            seen.update(add)
            lots.extend(add)
            objective.append(i)
            k += 1
        out.append((lots, objective))
    return out


def _closure(model: Model, i: int, seen: set[int]) -> list[int]:
    """Lot ``i`` and all its chain predecessors not in ``seen``."""
    out: list[int] = []
    mark = set(seen)
    stack = [i]
    while stack:
        j = stack.pop()
        if j in mark:
            continue
        mark.add(j)
        out.append(j)
        stack.extend(p for p, _a, _b in model.preds[j])
    return out


def _window_bound(
    model: Model,
    lots: list[int],
    objective: list[int],
    ef: list[int],
    time_limit: float,
    setups: bool,
    workers: int,
) -> float:
    """The window's relaxation without changeovers first (small, usually solved to optimality
    at once); when that is proven optimal and time is left, the stronger one with the entry
    changeovers gets the rest. Both bounds are valid: the larger is returned."""
    t_end = time.perf_counter() + time_limit
    limit = time_limit * (0.4 if setups else 1.0)
    b, optimal = _relaxation_bound(model, lots, objective, ef, limit, False, workers)
    left = t_end - time.perf_counter()
    if setups and optimal and left >= 0.05:
        b = max(b, _relaxation_bound(model, lots, objective, ef, left, True, workers)[0])
    return b


def _weight_scale(weights: list[float]) -> int:
    """Smallest listed factor making every weight an integer (else 1000, weights rounded down)."""
    for s in (1, 2, 4, 5, 10, 20, 100, 1000):
        if all(abs(w * s - round(w * s)) < 1e-9 for w in weights):
            return s
    return 1000


def _relaxation_bound(
    model: Model,
    lots: list[int],
    objective: list[int],
    ef: list[int],
    time_limit: float,
    setups: bool,
    workers: int,
) -> tuple[float, bool]:
    """Proven lower bound of the weighted tardiness of ``objective`` over a relaxed sub-problem
    on ``lots`` (which must contain the chain predecessors of its lots).

    Kept from the real problem: each lot runs once, on one eligible line, for that line's
    minutes, not before its release, ending by the horizon (plans schedule every order) and by
    its earliest possible end ``ef`` (a consequence of the other constraints); chain *minimum*
    lags; one lot at a time per line, never over the line's unavailable intervals nor over the
    locked/frozen lots (those are exactly where they are in every plan: fixed intervals; such a
    lot inside the window keeps its line and start).

    Dropped (each drop can only lower the optimum): every lot outside ``lots``; chain maximum
    lags; the exact sequence-dependent changeovers. With ``setups`` a weak but valid remainder
    of them is kept: every setup key ``k`` used on line ``L`` by the window is *entered* on
    ``L`` at least once, by the changeover into the first lot of key ``k`` on ``L`` (a window lot
    or an earlier one). That changeover lies on ``L`` between the previous lot (or minute 0) and
    that first lot, so before every window lot of key ``k`` on ``L``; it overlaps no lot, no
    other changeover and no unavailable time (the validator's rules). It lasts at least the
    cheapest changeover into ``k`` from any *other* key (the previous lot has another key,
    since this is the first lot of ``k`` on ``L``), except when that first lot is the line's
    first lot: then it lasts at least the changeover from the line's initial state, and that
    can happen for at most one key per line. So the relaxation has one optional "entry"
    interval per (key, line), of that length, ending before the window's lots of key ``k`` on
    ``L``, in the line's no-overlap. Changeover cleaning batches and costs do not take time
    and are ignored.

    Weights are scaled to integers (rounded down when no small factor makes them integral,
    which only lowers the objective) and the proven bound is divided back. Also returns
    whether CP-SAT proved the relaxation's optimum.
    """
    h = model.horizon
    lotset = set(lots)
    cm = cp_model.CpModel()
    s: dict[int, cp_model.IntVar] = {}
    e: dict[int, cp_model.IntVar] = {}
    pres: dict[tuple[int, int], cp_model.IntVar] = {}
    per_line: list[list[cp_model.IntervalVar]] = [[] for _ in range(model.m)]
    for i in lots:
        fx = model.fixed.get(i)
        lines = [ln for ln in model.eligible(i) if fx is None or fx[0] == ln]
        if not lines:
            return 0.0, False
        minp = min(model.dur[ln][i] for ln in lines)
        if fx is not None:
            lo = hi = fx[1]
        else:
            lo, hi = model.release[i], h - minp
        if hi < lo:
            return 0.0, False
        s[i] = cm.new_int_var(lo, hi, f"s{i}")
        e[i] = cm.new_int_var(max(lo + minp, ef[i]), h, f"e{i}")
        if len(lines) == 1:
            ln = lines[0]
            pres[i, ln] = cm.new_constant(1)
            per_line[ln].append(cm.new_interval_var(s[i], model.dur[ln][i], e[i], f"I{i}"))
            continue
        lits = []
        for ln in lines:
            x = cm.new_bool_var(f"x{i}_{ln}")
            pres[i, ln] = x
            per_line[ln].append(
                cm.new_optional_interval_var(s[i], model.dur[ln][i], e[i], x, f"I{i}_{ln}")
            )
            lits.append(x)
        cm.add_exactly_one(lits)
    for i in lots:
        for p, mn, _mx in model.preds[i]:
            if p in lotset:
                cm.add(s[i] >= e[p] + mn)
    for ln in range(model.m):
        for a, b in model.down[ln]:
            a, b = max(0, a), min(h, b)
            if b > a:
                per_line[ln].append(cm.new_fixed_size_interval_var(a, b - a, f"down{ln}_{a}"))
    for j, (ln, st) in model.fixed.items():
        d = model.dur[ln][j]
        if j not in lotset and d > 0:
            per_line[ln].append(cm.new_fixed_size_interval_var(st, d, f"fixed{j}"))
    if setups:
        _entry_setups(model, cm, lots, s, pres, per_line)
    for ln in range(model.m):
        if len(per_line[ln]) > 1:
            cm.add_no_overlap(per_line[ln])
    scale = _weight_scale([model.weight[i] for i in objective])
    terms = []
    for i in objective:
        w = math.floor(model.weight[i] * scale + 1e-9)
        d = model.due[i]
        if w <= 0 or d >= h:  # a lot ending by the horizon is never late when due after it
            continue
        t = cm.new_int_var(0, h - d, f"t{i}")
        cm.add(t >= e[i] - d)
        terms.append(w * t)
    if not terms:
        return 0.0, True
    cm.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.random_seed = 0
    # the core-based search raises the proven bound on sums of many tardiness terms much
    # faster than the LP workers (a 30-lot window of a tight instance, 1.5 s: +7 % over the
    # lots' own lateness with it, +0.4 % with the default portfolio)
    if workers >= 2:
        solver.parameters.num_workers = 2
        solver.parameters.subsolvers.extend(["core", "default_lp"])
    else:
        solver.parameters.num_workers = 1
        solver.parameters.optimize_with_core = True
    status = solver.solve(cm)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0.0, False  # infeasible relaxation (no complete plan exists) or no answer in time
    # the objective is integral, so rounding the proven bound down stays valid (the small
    # tolerance only absorbs floating noise, e.g. 359.9999999 for a proven 360)
    bound = max(0.0, math.floor(solver.best_objective_bound + 1e-6) / scale)
    return bound, status == cp_model.OPTIMAL


def _entry_setups(
    model: Model,
    cm: cp_model.CpModel,
    lots: list[int],
    s: dict[int, cp_model.IntVar],
    pres: dict[tuple[int, int], cp_model.IntVar],
    per_line: list[list[cp_model.IntervalVar]],
) -> None:
    """One optional entry changeover per (setup key, line) used by the window (see
    :func:`_relaxation_bound` for why it is valid)."""
    h = model.horizon
    nk = len(model.keys)
    for ln in range(model.m):
        by_key: dict[int, list[int]] = {}
        for i in lots:
            if (i, ln) in pres:
                by_key.setdefault(model.key[i], []).append(i)
        firsts = []  # keys whose entry is the line's first changeover (from its initial state)
        for k, members in sorted(by_key.items()):
            col = model.co_min[ln]
            other = [col[f][k] for f in range(nk) if f != k and col[f][k] >= 0]
            b = min(other) if other else None  # entry from another key
            a0 = col[model.init_key[ln]][k]
            a = a0 if a0 >= 0 else None  # entry from the initial state (first lot of the line)
            if b == 0:
                continue  # a zero-length entry constrains nothing
            if b is None and a is None:  # key k cannot be entered on this line at all
                for i in members:
                    cm.add(pres[i, ln] == 0)
                continue
            used = cm.new_bool_var(f"u{k}_{ln}")
            for i in members:
                cm.add_implication(pres[i, ln], used)
            if b is None:
                assert a is not None
                size: cp_model.LinearExprT = a
                firsts.append(used)  # only the line's first lot can have this key
            elif a is None or a >= b:
                size = b
            else:
                first = cm.new_bool_var(f"f{k}_{ln}")
                cm.add_implication(first, used)
                firsts.append(first)
                size = b - (b - a) * first
            st = cm.new_int_var(0, h, f"cs{k}_{ln}")
            en = cm.new_int_var(0, h, f"ce{k}_{ln}")
            per_line[ln].append(cm.new_optional_interval_var(st, size, en, used, f"C{k}_{ln}"))
            for i in members:
                cm.add(en <= s[i]).only_enforce_if(pres[i, ln])
        if len(firsts) > 1:
            cm.add_at_most_one(firsts)


# -- changeovers ----------------------------------------------------------------------------------


def setup_bound(model: Model, rounds: int = SETUP_ROUNDS) -> float:
    """Lower bound of the weighted changeover cost (minutes, cleaning batches, cost) of every
    plan that schedules all lots: the larger of the entry bound (:func:`entry_setup_bound`)
    and the key-path relaxation (:func:`key_path_setup_bound`, ``rounds`` subgradient rounds;
    0 skips it)."""
    best = entry_setup_bound(model)
    if rounds > 0 and model.n > 0:
        best = max(best, key_path_setup_bound(model, rounds))
    return best


def _setup_values(model: Model) -> list[np.ndarray]:
    """Per line the weighted cost of each changeover (rows: from-key rows of the model, with
    the clean/initial rows; columns: keys), ``inf`` where forbidden."""
    w = model.weights
    out = []
    for ln in range(model.m):
        mins = np.array(model.co_min[ln], dtype=np.float64)
        val = (
            w.changeover_minute * mins
            + w.cleaning_batch * np.array(model.co_clean[ln], dtype=np.float64)
            + w.changeover_cost * np.array(model.co_cost[ln], dtype=np.float64)
        )
        out.append(np.where(mins < 0, math.inf, val))
    return out


def entry_setup_bound(model: Model) -> float:
    """Every setup key used must be entered once: from another key, or (for at most one key
    per line, the line's first lot) from the line's initial state."""
    used = sorted({model.key[i] for i in range(model.n)})
    values = _setup_values(model)

    def val(ln: int, f: int, k: int) -> float:
        return float(values[ln][f][k])

    inner, first = [], []
    for k in used:
        lines = {ln for i in range(model.n) if model.key[i] == k for ln in model.eligible(i)}
        best_in, best_first = float("inf"), float("inf")
        for ln in lines:
            for f in used:
                if f != k and model.co_min[ln][f][k] >= 0:
                    best_in = min(best_in, val(ln, f, k))
            f0 = model.init_key[ln]
            if model.co_min[ln][f0][k] >= 0:
                best_first = min(best_first, 0.0 if f0 == k else val(ln, f0, k))
        best_first = min(best_first, best_in)
        if best_in == float("inf"):  # only reachable from the initial state
            best_in = best_first
        inner.append(0.0 if best_in == float("inf") else best_in)
        first.append(0.0 if best_first == float("inf") else best_first)
    # at most one key per line starts from the initial state: take the largest savings
    savings = sorted((a - b for a, b in zip(inner, first, strict=True)), reverse=True)
    return float(max(0.0, sum(inner) - sum(savings[: model.m])))


def _cheapest_chains(values: np.ndarray, nk: int) -> np.ndarray:
    """Cheapest weighted cost from each row to each key over any chain of changeovers through
    keys (Floyd-Warshall; staying on a key costs nothing here)."""
    d = values.copy()
    for k in range(nk):
        d[k, k] = 0.0
    for k in range(nk):
        d = np.minimum(d, d[:, k : k + 1] + d[k : k + 1, :])
    return d


def key_path_setup_bound(model: Model, rounds: int = SETUP_ROUNDS) -> float:
    """Key-path relaxation of the changeover cost, bounded by a Lagrangian arborescence.

    Take any plan that schedules every lot, and line ``L`` of it. Its lots form a walk over
    setup keys from ``L``'s initial state; list the keys of its lots in the order the walk
    first reaches them. Between the first visits of two consecutive keys of that list the walk
    is a chain of changeovers from the one to the other, so it costs at least their distance
    in the cheapest-chain closure ``d_L`` of ``L``'s changeover matrix
    (:func:`_cheapest_chains`): repeated lots of a key and returns to keys seen before only add
    cost (every changeover costs >= 0). Now drop from each line's list the keys an earlier line
    already lists: ``d_L`` obeys the triangle inequality, so skipping a key never makes the
    path dearer. What is left is at most ``m`` disjoint paths, one from each line's initial
    state, that together visit every setup key exactly once, each step costing at least
    ``c(a, b) = min_L d_L(a, b)`` over the lines that may run both keys (from the initial
    states: ``min_L d_L(init_L, b)`` over the lines that may run ``b``). A key whose lots are
    tied to two or more lines (a lot that only one line may run, for each of them) is on each
    of those lines: it is one node per such line, each kept on its line
    (:func:`_key_nodes`), and no line drops it.

    Such a set of paths is a spanning arborescence of the keys under a root (all initial
    states merged) in which the root has at most ``m`` children and every key at most one.
    Relaxing those out-degree limits with multipliers ``lambda >= 0`` gives, for every
    ``lambda``, the valid bound ``min-cost arborescence under c(a, b) + lambda_a`` minus
    ``sum lambda_a * limit_a`` (the Held-Karp bound of the asymmetric travelling salesman);
    ``rounds`` subgradient steps raise it from ``lambda = 0`` (the plain arborescence). The
    number of rounds is fixed, so the value never depends on the clock.
    """
    cost = key_path_costs(model)
    nk = cost.shape[0] - 1
    if nk == 0:
        return 0.0
    limit = np.ones(nk + 1)
    limit[nk] = model.m
    lam = np.zeros(nk + 1)
    # from the initial states every key may cost nothing (a clean line): start the root's
    # multiplier at a typical key's cheapest entry, so the first trees do not hang every key
    # on the root
    entries = cost[:nk, :nk].min(axis=0)
    entries = entries[np.isfinite(entries)]
    lam[nk] = float(np.median(entries)) if len(entries) else 0.0
    best, target = 0.0, _path_estimate(cost, nk, model.m)
    for r in range(max(1, rounds)):
        parent = _arborescence(cost + lam[:, None], nk)
        if parent is None:
            return 0.0  # some key cannot be reached: no complete plan exists
        kids = np.bincount(parent[parent >= 0], minlength=nk + 1).astype(np.float64)
        tree = float(sum(cost[parent[v], v] for v in range(nk)))
        value = tree + float(lam @ (kids - limit))
        best = max(best, value)
        g = kids - limit
        g[(lam <= 0) & (g < 0)] = 0.0
        norm = float(g @ g)
        if norm == 0:
            break  # the arborescence is a set of paths: the relaxation is solved
        step = (2.0 - 1.9 * r / max(1, rounds)) * max(target - value, 1e-3 * target) / norm
        lam = np.maximum(0.0, lam + step * g)
    return best


def key_path_costs(model: Model) -> np.ndarray:
    """The arc costs of :func:`key_path_setup_bound`: row/column ``i`` < nk is node ``i`` of
    :func:`_key_nodes`, the last row the root (the lines' initial states); ``inf`` where no
    line may run both ends (and on the diagonal)."""
    nodes = _key_nodes(model)
    nk = len(nodes)
    keys = np.array([k for k, _lines in nodes], dtype=np.int64)
    cost = np.full((nk + 1, nk + 1), math.inf)
    if nk == 0:
        return cost
    for ln, values in enumerate(_setup_values(model)):
        d = _cheapest_chains(values, len(model.keys))
        on = np.array([ln in lines for _k, lines in nodes])
        sub = np.where(on[:, None] & on[None, :], d[np.ix_(keys, keys)], math.inf)
        cost[:nk, :nk] = np.minimum(cost[:nk, :nk], sub)
        cost[nk, :nk] = np.minimum(
            cost[nk, :nk], np.where(on, d[model.init_key[ln], keys], math.inf)
        )
    np.fill_diagonal(cost, math.inf)
    return cost


def _key_nodes(model: Model) -> list[tuple[int, frozenset[int]]]:
    """The nodes of :func:`key_path_setup_bound`: per setup key, the lines that may run it;
    a key that lots tie to several lines (each such lot runs on one line only) is one node per
    such line, on that line alone."""
    out: list[tuple[int, frozenset[int]]] = []
    for k, sets in sorted(_lines_of_key(model).items()):
        tied = sorted({s[0] for s in sets if len(s) == 1})
        if len(tied) >= 2:
            out.extend((k, frozenset((ln,))) for ln in tied)
        else:
            out.append((k, frozenset(ln for s in sets for ln in s)))
    return out


def _lines_of_key(model: Model) -> dict[int, set[tuple[int, ...]]]:
    """Per setup key, the distinct sets of lines its lots may run on (a locked or frozen lot:
    its own line only)."""
    out: dict[int, set[tuple[int, ...]]] = {}
    for i in range(model.n):
        fx = model.fixed.get(i)
        lines = (fx[0],) if fx is not None else tuple(model.eligible(i))
        if lines:
            out.setdefault(model.key[i], set()).add(lines)
    return out


def _path_estimate(cost: np.ndarray, nk: int, m: int) -> float:
    """A set of paths from the root through every key, greedily (nearest next key, ``m`` paths
    in turn): its cost only steers the subgradient step size, never the bound itself."""
    left = set(range(nk))
    ends = [nk] * m
    total = 0.0
    while left:
        c, p, k = min((cost[e, k], p, k) for p, e in enumerate(ends) for k in left)
        if not math.isfinite(c):
            return total if total > 0 else 1.0
        total += c
        ends[p] = k
        left.discard(k)
    return max(total, 1.0)


def _arborescence(cost: np.ndarray, root: int) -> np.ndarray | None:
    """Parent of every node in a minimum-cost spanning arborescence rooted at ``root``
    (Chu-Liu/Edmonds, one cycle contracted per level; ``inf`` = no arc), or None when some
    node cannot be reached."""
    n = cost.shape[0]
    w = cost.copy()
    np.fill_diagonal(w, math.inf)
    w[:, root] = math.inf
    parent = w.argmin(axis=0)
    parent[root] = -1
    best_in = w[parent, np.arange(n)]
    best_in[root] = 0.0
    if not np.all(np.isfinite(best_in)):
        return None
    found = _find_cycle(parent, root)
    if found is None:
        tree: np.ndarray = parent
        return tree
    cycle = np.array(found, dtype=np.int64)
    in_cycle = np.zeros(n, dtype=bool)
    in_cycle[cycle] = True
    others = np.flatnonzero(~in_cycle)
    k = len(others)
    new = np.full((k + 1, k + 1), math.inf)
    new[:k, :k] = w[np.ix_(others, others)]
    into = w[np.ix_(others, cycle)] - best_in[cycle][None, :]  # entering the cycle at v
    enter_at = cycle[into.argmin(axis=1)]
    new[:k, k] = into.min(axis=1)
    out = w[np.ix_(cycle, others)]
    leave_from = cycle[out.argmin(axis=0)]
    new[k, :k] = out.min(axis=0)
    sub_root = int(np.flatnonzero(others == root)[0])
    sub = _arborescence(new, sub_root)
    if sub is None:
        return None
    full: np.ndarray = parent.copy()
    up = sub[:k]
    via = others[np.clip(up, 0, k - 1)]
    full[others] = np.where(up < 0, -1, np.where(up == k, leave_from, via))
    u = int(sub[k])
    full[enter_at[u]] = others[u]
    return full


def _find_cycle(parent: np.ndarray, root: int) -> list[int] | None:
    """A cycle of the parent graph (as a list of nodes), or None."""
    n = len(parent)
    state = np.zeros(n, dtype=np.int64)  # 0 unseen, otherwise the walk that saw it
    for s in range(n):
        if state[s]:
            continue
        v, path = s, []
        while v != root and v >= 0 and not state[v]:
            state[v] = s + 1
            path.append(v)
            v = int(parent[v])
        if v >= 0 and v != root and state[v] == s + 1:
            return path[path.index(v) :]
    return None


# -- energy ---------------------------------------------------------------------------------------


def naive_energy_bound(model: Model) -> float:
    """Each lot's smallest kWh at the cheapest price of the horizon (the former bound)."""
    if not model.problem.prices or model.n == 0:
        return 0.0
    cheapest = float(np.diff(model.price_cum).min())
    pick = min if cheapest >= 0 else max  # a negative price pays most for the most kWh
    return sum(
        pick(model.kwh[ln][i] for ln in model.eligible(i)) * cheapest for i in range(model.n)
    )


def energy_bound(model: Model) -> float:
    """Lower bound of the energy cost (yuan) of any plan that schedules every lot.

    Locked/frozen lots cost exactly what they cost where they are, and their minutes are taken
    out of their line. Every other lot ``i`` run on line ``L`` draws ``kwh[L][i] / dur[L][i]``
    kWh in each of its ``dur[L][i]`` minutes, all of them available minutes of ``L`` (not
    unavailable, not taken by a fixed lot), one lot per line-minute. Forgetting *which*
    minutes are consecutive, the releases and the order leaves a transportation LP: ``x[i, L,
    p]`` = minutes of lot ``i`` on line ``L`` at price ``p``, ``sum_{L,p} x[i,L,p] / dur[L][i]
    = 1`` (the lot runs, wholly on one line in a real plan), ``sum_i x[i,L,p] <=`` the
    available minutes of ``L`` at price ``p``, cost ``sum kwh[L][i] / dur[L][i] * p * x``.
    Every plan gives a feasible ``x`` of the same cost, so the LP optimum bounds the cost.
    The LP value is certified from its duals (any multipliers give a valid Lagrangian bound,
    so solver tolerances cannot push it above the true optimum).

    Also computed, and the larger value taken: the closed-form greedy of the same idea with
    each lot run at its highest power ``P = max_L kwh/dur`` for ``min_L kwh / P`` minutes
    (every real run of the lot fits that: it delivers at least that energy at no more than
    that power), all lines pooled; sorting lots by power (descending) against minutes by
    price (ascending) is optimal for such product costs (rearrangement inequality). And the
    former naive bound.
    """
    if not model.problem.prices or model.n == 0:
        return 0.0
    h = model.horizon
    # the minute prices themselves: differencing the prefix adds rounding noise, which splits
    # one tariff into many near-equal levels
    per_min = minute_prices(model.problem)
    fixed_cost, free = 0.0, []
    avail = [np.ones(h, dtype=bool) for _ in range(model.m)]
    for ln in range(model.m):
        for a, b in model.down[ln]:
            avail[ln][max(0, a) : min(h, b)] = False
    for i in range(model.n):
        fx = model.fixed.get(i)
        if fx is not None and model.dur[fx[0]][i] > 0 and 0 <= fx[1] <= h - model.dur[fx[0]][i]:
            ln, st = fx
            fixed_cost += model.energy(ln, i, st)
            avail[ln][st : st + model.dur[ln][i]] = False
        else:
            free.append(i)
    best = naive_energy_bound(model)
    if not free:
        return max(best, fixed_cost)
    levels = [_price_levels(per_min[avail[ln]]) for ln in range(model.m)]
    cands = [best]
    if float(per_min.min()) >= 0:
        cands.append(fixed_cost + _energy_greedy(model, free, levels))
    lp = _energy_lp(model, free, levels)
    if lp is not None:
        cands.append(fixed_cost + lp)
    return float(max(cands))


def _price_levels(prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct prices of a line's available minutes and how many minutes have each. Prices
    within 1e-9 of the level below join it, and more than :data:`PRICE_LEVELS` levels are
    merged into groups; a merged group is priced at its lowest price (only lowers the bound)."""
    vals, counts = np.unique(prices, return_counts=True)
    if len(vals) > 1:
        new = np.concatenate([[True], np.diff(vals) > 1e-9 * np.maximum(1.0, np.abs(vals[1:]))])
        group = np.cumsum(new) - 1
        vals = vals[new]
        counts = np.bincount(group, weights=counts)
    if len(vals) > PRICE_LEVELS:
        groups = np.array_split(np.arange(len(vals)), PRICE_LEVELS)  # sorted, none empty
        vals = np.array([vals[g[0]] for g in groups])
        counts = np.array([counts[g].sum() for g in groups])
    return vals.astype(np.float64), counts.astype(np.float64)


def _energy_greedy(
    model: Model, free: list[int], levels: list[tuple[np.ndarray, np.ndarray]]
) -> float:
    """Pooled greedy (prices must be >= 0): lots by highest power, minutes by lowest price."""
    vals = np.concatenate([v for v, _c in levels])
    counts = np.concatenate([c for _v, c in levels])
    order = np.argsort(vals, kind="stable")
    vals, counts = vals[order], counts[order]
    need = []
    for i in free:
        el = model.eligible(i)
        power = max(model.kwh[ln][i] / model.dur[ln][i] for ln in el)
        if power > 0:
            need.append((power, min(model.kwh[ln][i] for ln in el) / power))
    need.sort(reverse=True)
    total, g, left = 0.0, 0, float(counts[0]) if len(counts) else 0.0
    for power, minutes in need:
        while minutes > 1e-12 and g < len(vals):
            take = min(minutes, left)
            total += power * vals[g] * take
            minutes -= take
            left -= take
            if left <= 1e-12:
                g += 1
                left = float(counts[g]) if g < len(counts) else 0.0
        if g >= len(vals):
            break  # more work than minutes: no complete plan exists; what is counted stays valid
    return total


def _energy_lp(
    model: Model, free: list[int], levels: list[tuple[np.ndarray, np.ndarray]]
) -> float | None:
    """The transportation LP of :func:`energy_bound` (GLOP), certified by its duals; None when
    the LP is not solved to optimality (e.g. more work than minutes: no complete plan)."""
    cap_index: dict[tuple[int, int], int] = {}
    caps: list[float] = []
    for ln, (_vals, counts) in enumerate(levels):
        for g, c in enumerate(counts):
            if c > 0:
                cap_index[ln, g] = len(caps)
                caps.append(float(c))
    lot_of, cap_of, coef, cost, upper = [], [], [], [], []
    for r, i in enumerate(free):
        for ln in model.eligible(i):
            d = model.dur[ln][i]
            power = model.kwh[ln][i] / d
            for g, price in enumerate(levels[ln][0]):
                c = cap_index.get((ln, g))
                if c is None:
                    continue
                lot_of.append(r)
                cap_of.append(c)
                coef.append(1.0 / d)
                cost.append(power * float(price))
                upper.append(min(float(d), caps[c]))
    if not cost:
        return None
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None
    lot_rows = [solver.Constraint(1.0, 1.0) for _ in free]  # each lot runs once (= 1)
    cap_rows = [solver.Constraint(-solver.infinity(), c) for c in caps]  # minutes per level
    obj = solver.Objective()
    for j in range(len(cost)):
        x = solver.NumVar(0.0, upper[j], "")
        lot_rows[lot_of[j]].SetCoefficient(x, coef[j])
        cap_rows[cap_of[j]].SetCoefficient(x, 1.0)
        obj.SetCoefficient(x, cost[j])
    obj.SetMinimization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    dual = np.array([ct.dual_value() for ct in lot_rows + cap_rows], dtype=np.float64)
    n_lots = len(free)
    lot_arr, cap_arr = np.array(lot_of), np.array(cap_of)
    coef_arr, cost_arr = np.array(coef), np.array(cost)
    upper_arr, caps_arr = np.array(upper), np.array(caps)
    best = -math.inf
    for y in (dual, -dual):  # whatever the sign convention, both are valid multipliers
        u, v = y[:n_lots], np.minimum(0.0, y[n_lots:])
        # Lagrangian bound: for any u (free) and v <= 0, every feasible x (0 <= x <= upper) has
        # cost >= sum(u) + sum(v * caps) + sum(min(0, reduced cost) * upper)
        red = cost_arr - coef_arr * u[lot_arr] - v[cap_arr]
        val = float(u.sum() + (v * caps_arr).sum() + (np.minimum(0.0, red) * upper_arr).sum())
        best = max(best, val)
    return best


def _setup_rounds(time_limit: float) -> int:
    """Subgradient rounds of the key-path changeover bound for a bound given ``time_limit``
    seconds: all of :data:`SETUP_ROUNDS` from the full relaxation time (and when the time
    limit is 0, a reproducible run's bound), proportionally fewer for short runs, at least 20
    (demo week: 30 / 50 / 100 rounds bound 8,855 / 10,288 / 10,580; 100 rounds take about 3 s
    at load 17 on 2 cores)."""
    if time_limit <= 0 or time_limit >= RELAX_TIME:
        return SETUP_ROUNDS
    return max(20, round(SETUP_ROUNDS * time_limit / RELAX_TIME))


def lower_bound(
    model: Model, energy: bool = True, time_limit: float = RELAX_TIME
) -> tuple[float, dict[str, float]]:
    """Combined bound of the weighted objective and its parts (``lb_tardiness`` in weighted
    minutes, ``lb_setup`` in weighted changeover units, ``lb_energy`` in yuan).

    Valid for plans that schedule every order (an unplanned order costs far more than any
    bound) and under any tariff-aware or blind timing. ``time_limit`` seconds (about) go to
    the CP-SAT tardiness relaxation; 0 skips it.
    """
    w = model.weights
    parts = {
        "lb_tardiness": tardiness_bound(model, time_limit),
        "lb_setup": setup_bound(model, _setup_rounds(time_limit)),
        "lb_energy": energy_bound(model) if energy else 0.0,
    }
    total = w.tardiness * parts["lb_tardiness"] + parts["lb_setup"]
    total += w.energy_cost * parts["lb_energy"]
    parts["lb_total"] = total
    return total, parts
