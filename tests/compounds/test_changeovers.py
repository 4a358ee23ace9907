"""Changeover rules: first match wins, no match forbids, the matrix covers every pair."""

from __future__ import annotations

from mixshare.compounds.changeovers import (
    StageAttributes,
    changeover_for,
    changeover_matrix,
    rules_for_line,
    runnable_on_line,
)
from mixshare.compounds.models import ChangeoverRule
from mixshare.engine.problem import Changeover

NR_BLACK_MB = StageAttributes("M01.A.v1", "MB", "NR", "black", True)
NR_BLACK_FB = StageAttributes("M01.A.v1", "FB", "NR", "black", True)
EPDM_LIGHT_MB = StageAttributes("M02.B.v1", "MB", "EPDM", "light", False)
SBR_BLACK_MB = StageAttributes("M03.C.v1", "MB", "SBR", "black", False)


def _rules() -> list[ChangeoverRule]:
    return [
        ChangeoverRule(id=1, priority=10, name="same", same_compound=True, minutes=0),
        ChangeoverRule(
            id=2,
            priority=20,
            name="curatives",
            from_stage="FB",
            to_stage="MB",
            minutes=8,
            cleaning_batches=1,
            cost=3000,
        ),
        ChangeoverRule(
            id=3,
            priority=30,
            name="family",
            from_family="NR,SBR,BR",
            to_family="EPDM,NBR,CR",
            minutes=8,
            cleaning_batches=1,
            cost=3000,
        ),
        ChangeoverRule(
            id=4,
            priority=40,
            name="black to light",
            from_colour="black",
            to_colour="light,coloured",
            minutes=45,
        ),
        ChangeoverRule(
            id=5,
            priority=50,
            name="forbid light->black on L2",
            line_id=2,
            from_colour="light",
            to_colour="black",
            forbidden=True,
        ),
        ChangeoverRule(
            id=6,
            priority=60,
            name="NR/SBR default",
            from_family="NR,SBR",
            to_family="NR,SBR",
            minutes=10,
        ),
    ]


def test_identical_compound_stage_needs_nothing() -> None:
    change = changeover_for(rules_for_line(_rules(), 1), NR_BLACK_MB, NR_BLACK_MB)
    assert change is not None and change.minutes == 0 and change.cleaning_batches == 0


def test_first_matching_rule_wins() -> None:
    # NR final → EPDM masterbatch matches both "curatives" (20) and "family" (30): 20 wins.
    before = NR_BLACK_FB
    change = changeover_for(rules_for_line(_rules(), 1), before, EPDM_LIGHT_MB)
    assert change is not None
    assert (change.minutes, change.cleaning_batches, change.cost) == (8, 1, 3000)


def test_no_matching_rule_forbids() -> None:
    # EPDM → SBR matches no rule at all on line 1 (no catch-all): forbidden.
    assert changeover_for(rules_for_line(_rules(), 1), EPDM_LIGHT_MB, SBR_BLACK_MB) is None


def test_line_specific_forbidden_rule() -> None:
    light_nr = StageAttributes("M04.D.v1", "MB", "NR", "light", False)
    assert changeover_for(rules_for_line(_rules(), 2), light_nr, NR_BLACK_MB) is None
    on_line_1 = changeover_for(rules_for_line(_rules(), 1), light_nr, NR_BLACK_MB)
    assert on_line_1 is not None and on_line_1.minutes == 10


def test_matrix_is_dense_over_every_pair() -> None:
    stages = [NR_BLACK_MB, NR_BLACK_FB, EPDM_LIGHT_MB, SBR_BLACK_MB]
    matrix = changeover_matrix(_rules(), 1, stages)
    assert set(matrix) == {s.key for s in stages}
    assert all(set(row) == {s.key for s in stages} for row in matrix.values())
    assert matrix[EPDM_LIGHT_MB.key][SBR_BLACK_MB.key] is None
    black_to_light = matrix[SBR_BLACK_MB.key][EPDM_LIGHT_MB.key]
    assert black_to_light is not None and black_to_light.cleaning_batches == 1  # family first


def test_runnable_needs_a_campaign_rule() -> None:
    rules = [r for r in _rules() if r.name != "same"]
    assert runnable_on_line(_rules(), 1, EPDM_LIGHT_MB)
    assert not runnable_on_line(rules, 1, EPDM_LIGHT_MB)


def test_a_rule_may_name_a_specific_compound_any_version_or_one_version() -> None:
    # M01.A must never follow M03.C (say, a customer's audit); other switches cost 10 min.
    rules = rules_for_line(
        [
            ChangeoverRule(
                id=1, priority=1, name="A not after C", from_compound="M03.C",
                to_compound="M01.A", forbidden=True,
            ),
            ChangeoverRule(id=2, priority=2, name="B.v1 only", to_compound="M02.B.v1", minutes=60),
            ChangeoverRule(id=3, priority=9, name="default", minutes=10),
        ],
        1,
    )  # fmt: skip
    assert changeover_for(rules, SBR_BLACK_MB, NR_BLACK_MB) is None
    assert changeover_for(rules, NR_BLACK_MB, SBR_BLACK_MB) == Changeover(10, 0, 0.0)
    c_v2 = StageAttributes("M03.C.v2", "MB", "SBR", "black", False)
    assert changeover_for(rules, c_v2, NR_BLACK_MB) is None  # any version of M03.C
    assert changeover_for(rules, NR_BLACK_MB, EPDM_LIGHT_MB) == Changeover(60, 0, 0.0)
    b_v2 = StageAttributes("M02.B.v2", "MB", "EPDM", "light", False)
    assert changeover_for(rules, NR_BLACK_MB, b_v2) == Changeover(10, 0, 0.0)  # only v1
    # A compound code that looks like a version suffix is still read right.
    tricky = StageAttributes("M01.A.vx.v1", "MB", "NR", "black", True)
    assert changeover_for(rules, SBR_BLACK_MB, tricky) == Changeover(10, 0, 0.0)
