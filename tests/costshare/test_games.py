"""Hand-made cost games whose Shapley value, nucleolus and core are argued in comments, and
the properties every allocation must have on random games."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mixshare.costshare import allocation, coalitions
from mixshare.costshare.model import CenterCostModel

MEMBERS3 = ["M01", "M02", "M03"]


def game(n: int, cost: dict[tuple[int, ...], float]) -> np.ndarray:
    """Costs by mask from costs by tuple of members (0-based)."""
    costs = np.zeros(1 << n)
    for members, value in cost.items():
        costs[sum(1 << i for i in members)] = value
    return costs


def names(costs: np.ndarray, x: list[float] | np.ndarray, members: list[str]) -> list[str]:
    return [coalitions.name(mask, members) for mask in allocation.blocking(costs, x)]


# --- the three-player airport game -----------------------------------------------------------

# A runway for planes needing 1, 2 and 3 units: a coalition pays for the longest runway any of
# its members needs, c(S) = max_{i∈S} r_i. Littlechild & Owen (1973): the Shapley value splits
# each runway segment equally among the players who use it: segment [0,1] among all three
# (1/3 each), [1,2] among players 2 and 3 (1/2 each), [2,3] to player 3 alone:
# φ = (1/3, 1/3 + 1/2, 1/3 + 1/2 + 1) = (1/3, 5/6, 11/6).
# Nucleolus (Littlechild 1974), maximising the smallest saving c(S) − x(S) lexicographically:
# saving of {1} is 1 − x1 and of {2,3} is 3 − (3 − x1) = x1, so the smallest is at most 1/2,
# reached only at x1 = 1/2. Then x2 + x3 = 5/2; the savings left are {1,2}: 2 − 1/2 − x2 and
# {1,3}: 3 − 1/2 − x3 = x2, equal at x2 = 3/4: nucleolus (1/2, 3/4, 7/4).
# The game is concave (a max of costs), so its core is non-empty and holds both.
AIRPORT = game(3, {(0,): 1, (1,): 2, (2,): 3, (0, 1): 2, (0, 2): 3, (1, 2): 3, (0, 1, 2): 3})


def test_airport_game_shapley_value_in_closed_form() -> None:
    np.testing.assert_allclose(allocation.shapley(AIRPORT), [1 / 3, 5 / 6, 11 / 6])


def test_airport_game_nucleolus_in_closed_form() -> None:
    np.testing.assert_allclose(allocation.nucleolus(AIRPORT), [0.5, 0.75, 1.75], atol=1e-7)


def test_airport_game_both_rules_in_the_core() -> None:
    assert allocation.blocking(AIRPORT, allocation.shapley(AIRPORT)) == []
    assert allocation.blocking(AIRPORT, allocation.nucleolus(AIRPORT)) == []


# --- a game with an empty core ---------------------------------------------------------------

# Any one or two members can be served by one unit costing 1; all three need two: c(N) = 2.
# The core would need x_i + x_j ≤ 1 for every pair; adding the three gives 2·x(N) ≤ 3, so
# x(N) ≤ 1.5 < 2: empty. The game is symmetric, so Shapley and nucleolus both give 2/3 each,
# and every pair then pays 4/3 > 1: each of the three pairs blocks, no singleton does.
EMPTY_CORE = game(3, {(0,): 1, (1,): 1, (2,): 1, (0, 1): 1, (0, 2): 1, (1, 2): 1, (0, 1, 2): 2})


def test_empty_core_game_names_every_blocking_pair() -> None:
    shapley = allocation.shapley(EMPTY_CORE)
    nucleolus = allocation.nucleolus(EMPTY_CORE)
    np.testing.assert_allclose(shapley, [2 / 3] * 3)
    np.testing.assert_allclose(nucleolus, [2 / 3] * 3, atol=1e-7)
    pairs = ["M01+M02", "M01+M03", "M02+M03"]
    assert sorted(names(EMPTY_CORE, shapley, MEMBERS3)) == pairs
    assert sorted(names(EMPTY_CORE, nucleolus, MEMBERS3)) == pairs


# --- the core check names the coalition ------------------------------------------------------

# M01 and M02 together need a small center (12) but are heavy in tonnes: proportional shares
# with tonnes 4, 4, 1 charge them 22 · 8/9 = 19.6 > 12, so M01+M02 blocks. No singleton
# blocks (9.8 ≤ 10, 2.4 ≤ 10) and no pair with M03 (12.2 ≤ 20).
SMALL_PAIR = game(
    3, {(0,): 10, (1,): 10, (2,): 10, (0, 1): 12, (0, 2): 20, (1, 2): 20, (0, 1, 2): 22}
)


def test_core_check_names_the_blocking_coalition() -> None:
    shares = allocation.proportional(22, [4, 4, 1])
    assert names(SMALL_PAIR, shares, MEMBERS3) == ["M01+M02"]
    # the nucleolus relieves them: it is in the core (e.g. 6, 6, 10 is: the core is not empty)
    assert allocation.blocking(SMALL_PAIR, [6, 6, 10]) == []
    assert allocation.blocking(SMALL_PAIR, allocation.nucleolus(SMALL_PAIR)) == []


# --- a symmetric game, a dummy player --------------------------------------------------------


def test_symmetric_game_gives_equal_shares_under_every_rule() -> None:
    # c(S) = √|S|: nothing tells the members apart, so every rule splits c(N) = 2 equally
    n = 4
    costs = np.sqrt(coalitions.sizes(n).astype(float))
    for x in (allocation.shapley(costs), allocation.nucleolus(costs)):
        np.testing.assert_allclose(x, [0.5] * n, atol=1e-7)
    np.testing.assert_allclose(allocation.proportional(2.0, [3] * n), [0.5] * n)


def test_dummy_player_pays_nothing() -> None:
    # member 2 mixed nothing: c(S ∪ {2}) = c(S) for every S, so every rule charges it 0
    costs = np.sqrt(coalitions.subset_sums([3.0, 5.0, 0.0, 2.0]))
    assert allocation.shapley(costs)[2] == pytest.approx(0, abs=1e-12)
    assert allocation.nucleolus(costs)[2] == pytest.approx(0, abs=1e-7)
    assert allocation.proportional(float(costs[-1]), [3, 5, 0, 2])[2] == 0


# --- properties on random games --------------------------------------------------------------


def random_game(rng: np.random.Generator, n: int) -> np.ndarray:
    costs = rng.uniform(1, 100, 1 << n)
    costs[0] = 0.0
    return costs


def shapley_by_permutations(costs: np.ndarray, n: int) -> np.ndarray:
    """The definition: average marginal cost over all n! orders (small n only)."""
    values = np.zeros(n)
    for order in itertools.permutations(range(n)):
        mask = 0
        for i in order:
            values[i] += costs[mask | 1 << i] - costs[mask]
            mask |= 1 << i
    return values / math.factorial(n)


@pytest.mark.parametrize("seed", range(5))
def test_shapley_matches_the_permutation_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5
    costs = random_game(rng, n)
    np.testing.assert_allclose(allocation.shapley(costs), shapley_by_permutations(costs, n))


@pytest.mark.parametrize("seed", range(5))
def test_efficiency_on_random_games(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    costs = random_game(rng, n)
    assert allocation.shapley(costs).sum() == pytest.approx(costs[-1])
    assert allocation.nucleolus(costs).sum() == pytest.approx(costs[-1], rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_symmetry_on_random_aggregate_games(seed: int) -> None:
    # members 0 and 3 have the same demand, so swapping them changes no coalition's cost
    rng = np.random.default_rng(seed)
    demand = rng.uniform(1, 10, 6)
    demand[3] = demand[0]
    costs = np.ceil(coalitions.subset_sums(demand) / 7.0) * 10 + 3
    costs[0] = 0
    for x in (allocation.shapley(costs), allocation.nucleolus(costs)):
        assert x[0] == pytest.approx(x[3], abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_concave_games_have_both_rules_in_the_core(seed: int) -> None:
    # c(S) = √(Σ d_i) is concave (submodular), so its core is non-empty and holds the Shapley
    # value (Shapley 1971) and the nucleolus (always in a non-empty core)
    demand = np.random.default_rng(seed).uniform(1, 10, 7)
    costs = np.sqrt(coalitions.subset_sums(demand))
    assert allocation.blocking(costs, allocation.shapley(costs)) == []
    assert allocation.blocking(costs, allocation.nucleolus(costs)) == []


def test_sampled_shapley_covers_the_exact_value() -> None:
    model = CenterCostModel(100, 10, 50, 2, 5, 0.5)
    demand = np.random.default_rng(3).uniform(10, 90, 8)
    exact = allocation.shapley(model.cost(coalitions.subset_sums(demand), 10))
    sampled = allocation.shapley_sampled(lambda h: model.cost(h, 10), demand, samples=4000)
    assert sampled.values.sum() == pytest.approx(exact.sum())
    inside = np.abs(sampled.values - exact) <= sampled.half_width
    assert inside.sum() >= 6  # a 95 % interval misses now and then, rarely twice in eight


# --- rounding to cents -----------------------------------------------------------------------


def test_largest_remainder_adds_up_to_the_cent() -> None:
    assert allocation.largest_remainder([1 / 3] * 3, 1.0) == [0.34, 0.33, 0.33]
    shares = allocation.largest_remainder([100.004, 200.004, 300.004], 600.01)
    assert shares == [100.01, 200.0, 300.0]
    assert round(sum(shares) * 100) == 60001


@pytest.mark.parametrize("seed", range(5))
def test_largest_remainder_on_random_shares(seed: int) -> None:
    x = np.random.default_rng(seed).uniform(0, 1e6, 10)
    total = float(x.sum())
    shares = allocation.largest_remainder(x, total)
    assert round(sum(shares) * 100) == round(total * 100)
    assert max(abs(a - b) for a, b in zip(shares, x, strict=True)) < 0.01


# --- the cost model --------------------------------------------------------------------------

# line 100, staff 10 per line-shift, treatment 50 per 2 lines, overhead 5, utilisation 0.5,
# 8 h shifts, 10 days: one line takes 40 h on one shift, 80 h on two, 120 h on three.
MODEL = CenterCostModel(100, 10, 50, 2, 5, 0.5)


@pytest.mark.parametrize(
    ("hours", "cost", "lines", "shifts"),
    [
        (0, 0, 0, 0),  # no demand, no center
        (40, 165, 1, 1),  # 1 line on day shift: 100 + 10 + 50 + 5 (two shifts: 175)
        (100, 185, 1, 3),  # 1 line × 3 shifts 185 beats 2 × 2 (295) and 3 × 1 (435)
        (300, 495, 3, 3),  # 3 lines × 3: 300 + 90 + 2·50 + 5; 4 × 2 would be 585
    ],
)
def test_cost_model_picks_the_cheapest_center(
    hours: float, cost: float, lines: int, shifts: int
) -> None:
    assert MODEL.cost(np.array([hours]), 10)[0] == pytest.approx(cost)
    design = MODEL.design(hours, 10)
    assert (design.lines, design.shifts, design.cost) == (lines, shifts, cost)


def test_cost_model_refuses_impossible_parameters() -> None:
    with pytest.raises(ValueError, match="target_utilisation"):
        CenterCostModel(100, 10, 50, 2, 5, 1.5)
    with pytest.raises(ValueError, match="max_shifts"):
        CenterCostModel(100, 10, 50, 2, 5, 0.5, shift_hours=12, max_shifts=3)


def test_game_size_is_checked() -> None:
    with pytest.raises(ValueError, match="2\\*\\*n"):
        allocation.shapley(np.zeros(6))
