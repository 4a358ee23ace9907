"""A compound that no line may run is refused with the compound, the stage, why, and where to
fix it: no line has the stage, no changeover rule matches, or a rule forbids it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule
from mixshare.errors import ValidationFailed
from mixshare.lines.models import Line
from tests.orders.conftest import build_center, recipe


def refusal(session: Session) -> str:
    with pytest.raises(ValidationFailed) as exc:
        compounds.create_compound(session, recipe())
    return str(exc.value)


def test_no_rule_matches_names_line_compound_and_the_rule_page(session: Session) -> None:
    build_center(session)
    session.execute(delete(ChangeoverRule))
    text = refusal(session)
    assert "no line may run stage MB: on L1 no changeover rule matches M01.BELT-NR-01.v1/MB" in text
    assert "/changeover-rules" in text and "mixshare import rules" in text


def test_a_forbidding_rule_is_named(session: Session) -> None:
    build_center(session)
    session.add(ChangeoverRule(priority=1, name="no NR on L1", to_family="NR", forbidden=True))
    text = refusal(session)
    assert "on L1 rule 1 'no NR on L1' forbids M01.BELT-NR-01.v1/MB after itself" in text


def test_no_line_has_the_stage_points_at_the_lines_page(session: Session) -> None:
    build_center(session, stages=("MB",))
    text = refusal(session)
    assert "no line may run stage FB: no line has settings for stage FB" in text
    assert "/lines" in text and "stage MB" not in text


def test_a_center_without_lines_says_so(session: Session) -> None:
    build_center(session)
    session.execute(delete(ChangeoverRule))
    for line in session.query(Line):
        session.delete(line)
    session.flush()
    assert "the center has no lines yet" in refusal(session)
