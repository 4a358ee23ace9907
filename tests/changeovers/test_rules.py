"""Changeover rules as the center keeps them: the matrix and its reasons, the import (the file
is the whole rule set; all or nothing, every bad cell named), families and colour classes a
center extends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mixshare.changeovers import service as rules
from mixshare.changeovers.imports import COLUMNS, SHEET, import_rules, template_rules
from mixshare.compounds import reference
from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule
from mixshare.errors import ValidationFailed
from mixshare.lines.models import Line
from mixshare.spreadsheets import EXAMPLE_SHEET, HELP_SHEET
from tests import spreadsheet_files
from tests.orders.conftest import build_center, recipe
from tests.spreadsheet_files import read_template


@pytest.fixture
def two_compounds(session: Session) -> Line:
    """M01's BELT (NR, black) and M02's SEAL (SBR, light); one permissive rule."""
    line = build_center(session)
    compounds.create_compound(session, recipe(code="BELT"))
    seal = recipe(member="M02", code="SEAL", polymer_family="SBR", colour_class="light")
    compounds.create_compound(session, seal)
    session.commit()
    return line


def rows_of(**cells: object) -> list[object]:
    return [cells.get(c) for c in COLUMNS]


def write_rules(path: Path, rows: list[list[object]]) -> Path:
    return spreadsheet_files.write_xlsx(path, SHEET, COLUMNS, rows)


def snapshot(session: Session) -> list[tuple[int, str]]:
    return [(r.priority, r.name) for r in rules.get_all(session)]


def test_matrix_says_which_rule_forbids_and_where_no_rule_matches(
    session: Session, two_compounds: Line
) -> None:
    session.query(ChangeoverRule).delete()
    session.add_all(
        [
            ChangeoverRule(priority=1, name="campaign", same_compound=True),
            ChangeoverRule(priority=2, name="black never before light", from_colour="black",
                           to_colour="light", forbidden=True),
            ChangeoverRule(priority=3, name="SEAL to BELT", from_compound="M02.SEAL",
                           to_compound="M01.BELT", minutes=25),
        ]
    )  # fmt: skip
    session.flush()
    matrix = rules.matrix(session, two_compounds)
    keys = {k.key: k for k in matrix.keys}
    belt_mb, seal_mb = keys["M01.BELT.v1/MB"], keys["M02.SEAL.v1/MB"]
    assert matrix.at(belt_mb, belt_mb).changeover is not None
    assert matrix.at(belt_mb, seal_mb).reason == "rule 2 'black never before light' forbids"
    assert matrix.at(seal_mb, belt_mb).changeover.minutes == 25  # type: ignore[union-attr]
    assert matrix.at(keys["M01.BELT.v1/FB"], belt_mb).reason == "no rule matches"
    assert matrix.unrunnable == []


def test_template_documents_every_column(tmp_path: Path) -> None:
    path = tmp_path / "rules.xlsx"
    template_rules(path)
    template = read_template(path)
    assert template.sheetnames == [SHEET, EXAMPLE_SHEET, HELP_SHEET]
    assert set(COLUMNS) <= template.documented
    for row in template.example:
        assert len(row) == len(COLUMNS) and row[0] is not None


def test_import_replaces_the_rule_set(
    session: Session, two_compounds: Line, tmp_path: Path
) -> None:
    path = write_rules(
        tmp_path / "rules.xlsx",
        [
            rows_of(priority=1, name="campaign", same_compound="yes"),
            rows_of(priority=5, name="no SEAL after BELT on L1", line="L1",
                    from_compound="M01.BELT", to_compound="M02.SEAL", forbidden="yes"),
            rows_of(priority=9, name="default", minutes=12, cleaning_batches=0, cost=30),
        ],
    )  # fmt: skip
    result = import_rules(session, path)
    session.commit()
    assert result.created == ["1 campaign", "5 no SEAL after BELT on L1", "9 default"]
    assert snapshot(session) == [(1, "campaign"), (5, "no SEAL after BELT on L1"), (9, "default")]
    matrix = rules.matrix(session, two_compounds)
    keys = {k.key: k for k in matrix.keys}
    forbidding = matrix.at(keys["M01.BELT.v1/FB"], keys["M02.SEAL.v1/MB"])
    assert forbidding.reason == "rule 5 'no SEAL after BELT on L1' forbids"


def test_bad_cells_are_named_and_nothing_changes(
    session: Session, two_compounds: Line, tmp_path: Path
) -> None:
    before = snapshot(session)
    path = write_rules(
        tmp_path / "bad.xlsx",
        [
            rows_of(priority=1, name="campaign", same_compound="yes"),
            rows_of(priority="first", name="x"),  # row 3
            rows_of(priority=3, name="y", line="L9", from_family="NR,PVC", to_colour="white",
                    to_stage="XB", to_compound="M01.NOPE", minutes=-5),  # row 4
            rows_of(priority=4, name="z", forbidden="perhaps"),  # row 5
            rows_of(priority=5, name="only the line is wrong", line="L7"),  # row 6
        ],
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        import_rules(session, path)
    problems = [(p.location, p.value) for p in caught.value.problems]
    where = f"bad.xlsx, sheet {SHEET}"
    assert (f"{where}, row 3, column priority", "first") in problems
    for column, value in [("line", "L9"), ("from_family", "PVC"), ("to_colour", "white"),
                          ("to_stage", "XB"), ("to_compound", "M01.NOPE")]:  # fmt: skip
        assert (f"{where}, row 4, column {column}", value) in problems, problems
    assert (f"{where}, row 5, column forbidden", "perhaps") in problems
    assert (f"{where}, row 6, column line", "L7") in problems
    session.rollback()
    assert snapshot(session) == before


def test_rules_that_strand_a_compound_are_refused(
    session: Session, two_compounds: Line, tmp_path: Path
) -> None:
    before = snapshot(session)
    path = write_rules(
        tmp_path / "strand.xlsx",
        [
            rows_of(priority=1, name="no SBR at all", to_family="SBR", forbidden="yes"),
            rows_of(priority=2, name="the rest", minutes=10),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_rules(session, path)
    text = str(caught.value)
    assert "no line could run M02.SEAL.v1/MB after itself" in text
    assert "M01.BELT" not in text
    session.rollback()
    assert snapshot(session) == before


def test_a_center_adds_colour_class_white_and_uses_it(session: Session) -> None:
    build_center(session)
    with pytest.raises(ValidationFailed) as caught:
        compounds.create_compound(session, recipe(colour_class="white"))
    assert "unknown colour class" in str(caught.value) and "/reference" in str(caught.value)
    reference.add_colour(session, {"code": "White", "name": "白色"})
    compound = compounds.create_compound(session, recipe(colour_class="white"))
    assert compounds.latest_version(compound).colour_class == "white"
    rule = rules.create_rule(session, {"priority": 1, "name": "x", "to_colour": "white"})
    assert rule.to_colour == "white"
    with pytest.raises(ValidationFailed, match="exists"):
        reference.add_colour(session, {"code": "white"})
    reference.add_family(session, {"code": "fkm", "name": "氟橡胶"})
    assert "FKM" in reference.family_codes(session)
