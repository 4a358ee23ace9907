"""Lower bounds on the weighted objective (valid for every plan that schedules all orders).

* Tardiness: the larger of (a) each lot's own earliest completion (release, chain minimum lags,
  fastest line, calendar) and (b) a capacity relaxation: all lots due by ``D`` (and their chain
  predecessors) need their minimum processing time on the lines' available minutes, so the last
  of them ends no earlier than when that capacity is reached.
* Changeovers: every distinct setup key must be entered at least once on some line, from some
  other key at its cheapest incoming changeover; only the first lot of each line (at most one
  key per line) may instead come from the line's initial state.
* Energy: each lot's smallest kWh at the cheapest price of the horizon.
"""

from __future__ import annotations

import numpy as np

from mixshare.engine.model import NO_DUE, Model, _earliest_ends


def tardiness_bound(model: Model) -> float:
    ef = _earliest_ends(model)
    own = sum(
        model.weight[i] * max(0, ef[i] - model.due[i])
        for i in range(model.n)
        if model.due[i] < NO_DUE and ef[i] >= 0
    )
    return max(own, _capacity_bound(model))


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
    due_lots = sorted((model.due[i], i) for i in range(model.n) if model.due[i] < NO_DUE)
    work, best, counted = 0, 0.0, set()
    min_w = float("inf")
    for d, i in due_lots:
        stack = [i]
        while stack:  # the lot and all its chain predecessors must be done by its end
            j = stack.pop()
            if j in counted:
                continue
            counted.add(j)
            work += minp[j]
            stack.extend(p for p, _a, _b in model.preds[j])
        min_w = min(min_w, model.weight[i])
        t = int(np.searchsorted(cum, work))  # earliest time the lines can have done `work`
        if t > d:
            best = max(best, min_w * (t - d))
    return best


def setup_bound(model: Model) -> float:
    """Every setup key used must be entered once: from another key, or (for at most one key
    per line, the line's first lot) from the line's initial state."""
    w = model.problem.weights
    used = sorted({model.key[i] for i in range(model.n)})

    def val(ln: int, f: int, k: int) -> float:
        return (
            w.changeover_minute * model.co_min[ln][f][k]
            + w.cleaning_batch * model.co_clean[ln][f][k]
            + w.changeover_cost * model.co_cost[ln][f][k]
        )

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


def energy_bound(model: Model) -> float:
    if not model.problem.prices:
        return 0.0
    per_min = np.diff(model.price_cum)
    cheapest = float(per_min.min())
    return sum(
        min(model.kwh[ln][i] for ln in model.eligible(i)) * cheapest for i in range(model.n)
    )


def lower_bound(model: Model, energy: bool = True) -> tuple[float, dict[str, float]]:
    """Combined bound of the weighted objective and its parts (``lb_tardiness`` in weighted
    minutes, ``lb_setup`` in weighted changeover units, ``lb_energy`` in yuan).

    Valid for plans that schedule every order (an unplanned order costs far more than any
    bound) and under any tariff-aware or blind timing.
    """
    w = model.problem.weights
    parts = {
        "lb_tardiness": tardiness_bound(model),
        "lb_setup": setup_bound(model),
        "lb_energy": energy_bound(model) if energy else 0.0,
    }
    total = w.tardiness * parts["lb_tardiness"] + parts["lb_setup"]
    total += w.energy_cost * parts["lb_energy"]
    parts["lb_total"] = total
    return total, parts
