"""SPC on hand-made series: every violation expected below is argued in a comment.

The rule tests use fixed limits (centre 0, sigma 1) so that each value *is* its distance from
the centre in sigmas; the limit and Cpk tests compute their figures by hand.
"""

from __future__ import annotations

import math

import pytest

from mixshare.quality.spc import Limits, Violation, capability, chart, limits_of, western_electric

UNIT = Limits(centre=0.0, sigma=1.0, mr_bar=1.128)


def found(values: list[float]) -> list[tuple[int, int]]:
    return [(v.index, v.rule) for v in western_electric(values, UNIT)]


def test_rule_1_one_point_beyond_three_sigma() -> None:
    # 3.5 (index 2) lies above +3σ and -3.1 (index 4) below -3σ: rule 1 twice. No other rule:
    # each is the only point beyond 2σ (rule 2 needs two) or 1σ (rule 3 needs four) on its side.
    assert found([0.0, 0.5, 3.5, -0.2, -3.1]) == [(2, 1), (4, 1)]


def test_rule_1_needs_more_than_three_sigma() -> None:
    # exactly 3σ is on the limit, not beyond it
    assert found([0.0, 3.0, 0.0]) == []


def test_rule_2_two_of_three_beyond_two_sigma_same_side() -> None:
    # index 3: the window 2.5, 0.3, 2.2 holds two points above +2σ and ends on one of them.
    # index 6: -2.5, 0.1, -2.1 the same below. Index 4 (-2.5) is not: its window 0.3, 2.2, -2.5
    # has one point beyond 2σ on each side, and sides never add up.
    assert found([0.0, 2.5, 0.3, 2.2, -2.5, 0.1, -2.1]) == [(3, 2), (6, 2)]


def test_rule_3_four_of_five_beyond_one_sigma_same_side() -> None:
    # index 4 ends 1.5, 1.2, 0.5, 1.1, 1.3: four above +1σ. Index 3 had only three so far; no
    # point exceeds 2σ, so rules 1 and 2 stay silent. Index 5 (-0.5) is on the other side.
    assert found([1.5, 1.2, 0.5, 1.1, 1.3, -0.5]) == [(4, 3)]


def test_rule_4_eight_in_a_row_on_one_side() -> None:
    # points 0..7 all lie above the centre (none beyond 1σ): the 8th (index 7) completes the
    # run and index 8 extends it (its window 1..8 is all above); index 9 is below: run over.
    values = [0.2, 0.4, 0.1, 0.3, 0.5, 0.2, 0.1, 0.6, 0.3, -0.1]
    assert found(values) == [(7, 4), (8, 4)]


def test_a_point_on_the_centre_line_breaks_a_run() -> None:
    # seven above, one exactly on the centre, seven above: no run of eight
    assert found([0.5] * 7 + [0.0] + [0.5] * 7) == []


def test_an_in_control_series_breaks_no_rule() -> None:
    # alternating ±0.5σ: never beyond 1σ, never two in a row on one side
    assert found([0.5, -0.5] * 10) == []


def test_a_shift_of_the_mean_is_caught_by_several_rules() -> None:
    # ten points at 0, then the process moves up by 1.5σ: from the 4th shifted point (index 13)
    # four of five are beyond 1σ (rule 3), and the 8th shifted point (index 17) completes a run
    # of eight above the centre (rule 4); nothing is beyond 2σ.
    values = [0.0] * 10 + [1.5] * 8
    rules = western_electric(values, UNIT)
    assert Violation(13, 3) in rules and Violation(12, 3) not in rules
    assert Violation(17, 4) in rules and Violation(16, 4) not in rules
    assert {v.rule for v in rules} == {3, 4}


def test_limits_come_from_the_average_moving_range() -> None:
    # moving ranges 2, 1, 2, 1 → MR̄ 1.5; sigma = 1.5 / 1.128; centre = 58 / 5
    limits = limits_of([10, 12, 11, 13, 12])
    assert limits.centre == pytest.approx(11.6)
    assert limits.sigma == pytest.approx(1.5 / 1.128)
    assert limits.ucl == pytest.approx(11.6 + 3 * 1.5 / 1.128)
    assert limits.mr_ucl == pytest.approx(3.267 * 1.5)


def test_chart_flags_a_jump_on_the_moving_range_chart() -> None:
    # baseline 10, 11 repeated: MR̄ = 1, MR UCL 3.267; the jump to 20 is a range of 9 (index
    # 10) and the way back another (index 11)
    values = [10.0, 11.0] * 5 + [20.0, 10.0]
    drawn = chart(values, baseline=10)
    assert drawn.mr_out == [10, 11]
    assert drawn.rules_at(10) == [1]  # 20 lies far beyond centre 10.5 + 3 · 0.887
    assert drawn.moving_ranges[0] is None


def test_limits_need_two_values() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        limits_of([1.0])


def test_cpk_and_ppk_by_hand() -> None:
    # 9, 11, 9, 11: mean 10, MR̄ 2 → sigma within 2 / 1.128 = 1.773; overall sd sqrt(4 / 3)
    result = capability([9, 11, 9, 11], lsl=4, usl=16)
    assert result.cpk == pytest.approx(6 / (3 * 2 / 1.128))
    assert result.ppk == pytest.approx(6 / (3 * math.sqrt(4 / 3)))


def test_cpk_of_a_one_sided_spec_and_without_spec() -> None:
    # only an upper limit 13: (13 - 10) / (3 · 1.773)
    assert capability([9, 11, 9, 11], lsl=None, usl=13).cpk == pytest.approx(3 / (3 * 2 / 1.128))
    assert capability([9, 11, 9, 11], lsl=None, usl=None).cpk is None
    # a mean off-centre takes the nearer limit: mean 14 → (16 - 14) / (3 · 1.773)
    assert capability([13, 15, 13, 15], lsl=4, usl=16).cpk == pytest.approx(2 / (3 * 2 / 1.128))
