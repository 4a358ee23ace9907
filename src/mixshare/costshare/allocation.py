"""Allocations of a cost game and the core check.

A cost game is ``costs[mask]`` for every coalition (:mod:`.coalitions`), ``costs[0] = 0``.
An allocation ``x`` gives each member a share; it is *efficient* if ``Σ x = c(N)``. Coalition
``S`` *blocks* ``x`` when ``x(S) > c(S)``: together its members pay more than a center of
their own would cost, so they have a reason to leave. ``x`` is in the *core* when no
coalition blocks it.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from mixshare.costshare.coalitions import FloatArray, check_size, grand, sizes, subset_sums

TOLERANCE = 1e-6
"""Relative to the grand coalition's cost: excess below it is rounding, not blocking."""


def _game_size(costs: FloatArray) -> int:
    n = int(costs.shape[0]).bit_length() - 1
    if costs.ndim != 1 or costs.shape[0] != 1 << n:
        raise ValueError(f"a game over n members has 2**n costs, got {costs.shape[0]}")
    check_size(n)
    return n


# --- Shapley value ---------------------------------------------------------------------------


def shapley(costs: FloatArray) -> FloatArray:
    """Exact Shapley value: ``φ_i = Σ_{S ∌ i} |S|!(n−|S|−1)!/n! · (c(S ∪ i) − c(S))``.

    Vectorised over bitmasks: viewing ``costs`` as ``(2**(n−i−1), 2, 2**i)`` puts every
    coalition without ``i`` (middle index 0) beside the same coalition with ``i`` (index 1), so
    each member's marginals are one array subtraction; no permutation is enumerated.
    """
    n = _game_size(costs)
    size = sizes(n)
    # weight of a coalition of k others: k!(n-k-1)!/n! = 1 / (n · C(n-1, k))
    by_size = np.array([1.0 / (n * math.comb(n - 1, k)) for k in range(n)])
    weight = by_size[np.minimum(size, n - 1)]
    values = np.empty(n)
    for i in range(n):
        pairs = costs.reshape(-1, 2, 1 << i)
        marginal = pairs[:, 1, :] - pairs[:, 0, :]
        values[i] = float(np.sum(weight.reshape(-1, 2, 1 << i)[:, 0, :] * marginal))
    return values


@dataclass(frozen=True)
class SampledShapley:
    """A Shapley value estimated from random orders of the members."""

    values: FloatArray
    half_width: FloatArray  # 95 % confidence interval: values ± half_width
    samples: int


def shapley_sampled(
    cost_of_demand: Callable[[FloatArray], FloatArray],
    demand: Sequence[float] | FloatArray,
    *,
    samples: int = 2000,
    seed: int = 0,
) -> SampledShapley:
    """Shapley value of an aggregate-demand game ``c(S) = f(Σ_{i∈S} d_i)`` by sampling
    ``samples`` random orders (Castro, Gómez & Tejada 2009), for games too large to enumerate.

    Each order adds the members one by one; a member's marginal cost in it is an unbiased
    sample of its Shapley value. The interval is the normal 95 % one (1.96 standard errors).
    Every order's marginals add up to ``c(N)``, so the estimate is efficient exactly.
    """
    demand = np.asarray(demand, dtype=np.float64)
    n = demand.shape[0]
    if samples < 2:
        raise ValueError("sampling needs at least 2 orders")
    rng = np.random.default_rng(seed)
    orders = np.argsort(rng.random((samples, n)), axis=1)
    cumulative = np.cumsum(demand[orders], axis=1)
    cost = cost_of_demand(cumulative.ravel()).reshape(samples, n)
    step = np.diff(cost, axis=1, prepend=0.0)
    marginal = np.empty_like(step)
    np.put_along_axis(marginal, orders, step, axis=1)  # column i: member i's marginal
    values = marginal.mean(axis=0)
    half_width = 1.96 * marginal.std(axis=0, ddof=1) / math.sqrt(samples)
    return SampledShapley(values, half_width, samples)


# --- nucleolus -------------------------------------------------------------------------------

_banner_lock = threading.Lock()
_banner_shown = False


def _solver() -> highspy.Highs:
    """A quiet HiGHS. Its first construction in a process prints a banner on the C stdout,
    which would corrupt ``share-costs --format json``: that one time, fd 1 points at stderr."""
    global _banner_shown
    with _banner_lock:
        if not _banner_shown:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                os.dup2(2, 1)
                solver = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_shown = True
        else:
            solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    return solver


def _incidence(masks: np.ndarray, n: int) -> np.ndarray:
    return ((masks[:, None] >> np.arange(n)) & 1).astype(np.float64)


def _solve_phase(
    n: int,
    free: np.ndarray,
    fixed: np.ndarray,
    fixed_excess: np.ndarray,
    c: FloatArray,
    upper: FloatArray,
) -> tuple[float, FloatArray, FloatArray]:
    """min t s.t. x(S) − t ≤ c(S) (free S), x(S) = c(S) + e_S (fixed S), x(N) = c(N),
    x_i ≤ upper_i. Returns t, x and the duals of the free rows."""
    full = grand(n)
    rows = np.concatenate((free, fixed, [full]))
    a = _incidence(rows, n)
    a = np.hstack((a, np.zeros((rows.shape[0], 1))))
    a[: free.shape[0], n] = -1.0
    lower = np.concatenate((np.full(free.shape[0], -highspy.kHighsInf), c[fixed] + fixed_excess))
    upper_rows = np.concatenate((c[free], c[fixed] + fixed_excess))
    lower = np.append(lower, c[full])
    upper_rows = np.append(upper_rows, c[full])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + 1, rows.shape[0]
    lp.col_cost_ = np.append(np.zeros(n), 1.0)
    lp.col_lower_ = np.full(n + 1, -highspy.kHighsInf)
    lp.col_upper_ = np.append(upper, highspy.kHighsInf)
    lp.row_lower_, lp.row_upper_ = lower, upper_rows
    # column-wise sparse matrix: np.nonzero of the transpose runs column by column
    by_column = a.T
    column_of, row_of = np.nonzero(by_column)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(column_of, np.arange(n + 2)).astype(np.int32)
    lp.a_matrix_.index_ = row_of.astype(np.int32)
    lp.a_matrix_.value_ = by_column[column_of, row_of]
    solver = _solver()
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise ArithmeticError(f"nucleolus LP: HiGHS ended {solver.modelStatusToString(status)}")
    solution = solver.getSolution()
    x = np.asarray(solution.col_value)
    duals = np.asarray(solution.row_dual)[: free.shape[0]]
    return float(x[n]), x[:n], duals


def _in_span(candidates: np.ndarray, basis_rows: np.ndarray, n: int) -> np.ndarray:
    """Which candidate coalitions' incidence vectors lie in the span of ``basis_rows``: their
    excess is then fixed too, and they leave the LPs."""
    basis = _incidence(basis_rows, n)
    u, s, _ = np.linalg.svd(basis.T, full_matrices=False)
    span = u[:, s > 1e-9 * max(1.0, float(s.max()))]
    vectors = _incidence(candidates, n)
    residual = vectors - (vectors @ span) @ span.T
    return np.asarray(np.linalg.norm(residual, axis=1) < 1e-9)


def nucleolus(costs: FloatArray) -> FloatArray:
    """The nucleolus: the efficient allocation that lexicographically minimises the largest
    excesses ``x(S) − c(S)`` (what a coalition pays above its stand-alone cost).

    Sequential LPs (Maschler, Peleg & Shapley 1979) on HiGHS. Each LP minimises the largest
    excess ``t`` of the coalitions not yet fixed; the coalitions whose rows have a non-zero dual
    in the optimum keep excess ``t`` in every optimal solution, so they are fixed at it (fixing
    every row that merely happens to be tight would be wrong: Guajardo & Jörnsten 2015). A
    coalition whose incidence vector is a combination of fixed ones is fixed as well. It ends
    when no coalition is free: ``x`` is then unique. Shares stay at most each member's
    stand-alone cost (imputations) when the game allows it (``Σ c(i) ≥ c(N)``).
    """
    n = _game_size(costs)
    if n == 1:
        return np.array([float(costs[1])])
    scale = max(1.0, float(np.max(np.abs(costs))))
    c = costs / scale  # HiGHS's tolerances are absolute: keep the numbers near 1
    singles = c[1 << np.arange(n)]
    upper = singles if singles.sum() >= c[grand(n)] else np.full(n, highspy.kHighsInf)
    free = np.arange(1, grand(n), dtype=np.int64)
    fixed = np.zeros(0, dtype=np.int64)
    fixed_excess = np.zeros(0)
    x = np.zeros(n)
    while free.size:
        t, x, duals = _solve_phase(n, free, fixed, fixed_excess, c, upper)
        binding = np.abs(duals) > 1e-9
        fixed = np.concatenate((fixed, free[binding]))
        fixed_excess = np.concatenate((fixed_excess, np.full(int(binding.sum()), t)))
        free = free[~binding]
        if free.size:
            free = free[~_in_span(free, np.append(fixed, grand(n)), n)]
    return x * scale


# --- proportional, core, rounding ------------------------------------------------------------


def proportional(total: float, weights: Sequence[float] | FloatArray) -> FloatArray:
    """``total`` in proportion to ``weights`` (tonnes); equal shares if all weights are 0."""
    weights = np.asarray(weights, dtype=np.float64)
    if np.any(weights < 0):
        raise ValueError("weights must not be negative")
    whole = float(weights.sum())
    if whole == 0:
        return np.full(weights.shape, total / weights.shape[0])
    return np.asarray(total * weights / whole)


def blocking(costs: FloatArray, allocation: Sequence[float] | FloatArray) -> list[int]:
    """Masks of every coalition ``S ≠ N`` that pays more than its stand-alone cost,
    ``x(S) > c(S)`` (beyond :data:`TOLERANCE`), in mask order."""
    n = _game_size(costs)
    excess = subset_sums(allocation) - costs
    tolerance = TOLERANCE * max(1.0, abs(float(costs[grand(n)])))
    excess[grand(n)] = 0.0
    return [int(mask) for mask in np.flatnonzero(excess > tolerance)]


def largest_remainder(values: Sequence[float] | FloatArray, total: float) -> list[float]:
    """``values`` rounded to cents so that they add up to ``total`` rounded to cents: each
    gets its value rounded down, and the cents left over go one each to the largest
    remainders (ties: the earlier member)."""
    cents = np.asarray(values, dtype=np.float64) * 100
    # 1e-6 cent: a value computed as 12.34999999 is 12.35, not 12.34
    floors = np.floor(cents + 1e-6)
    left = round(total * 100) - int(floors.sum())
    # remainders to 1e-6 cent, so float noise does not break a tie the member order should
    remainders = np.round(cents - floors, 6)
    order = sorted(range(len(cents)), key=lambda i: (-remainders[i], i))
    step = 1 if left >= 0 else -1
    for k in range(abs(left)):
        floors[order[k % len(order)] if step > 0 else order[-1 - k % len(order)]] += step
    return [int(f) / 100 for f in floors]
