from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule, Compound, CompoundVersion
from mixshare.errors import NotFound, ValidationFailed
from tests.orders.conftest import build_center, recipe


def locations(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [p.location for p in exc.value.problems]


def test_create_compound(session: Session) -> None:
    build_center(session)
    compound = compounds.create_compound(session, recipe())
    version = compounds.latest_version(compound)
    assert version.key == "M01.BELT-NR-01.v1"
    assert version.phr_total("MB") == 155 and len(version.ingredients) == 6
    assert compounds.runnable_lines(session, version) == {"MB": ["L1"], "FB": ["L1"]}


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"code": "BAD CODE"}, "code"),
        ({"code": "A/B"}, "code"),
        ({"polymer_family": "PVC"}, "polymer_family"),
        ({"colour_class": "pink"}, "colour_class"),
        ({"density": 3.0}, "density"),
        ({"min_rest_minutes": -1}, "min_rest_minutes"),
        ({"min_rest_minutes": 600, "max_age_minutes": 600}, "input"),
        ({"member": "M99"}, "member"),
        (
            {"ingredients": [{"stage": "MB", "material": "NR-SMR20", "phr": 90}]},
            "input",
        ),
    ],
)
def test_bad_compound(session: Session, overrides: dict[str, object], location: str) -> None:
    build_center(session)
    with pytest.raises(ValidationFailed) as exc:
        compounds.create_compound(session, recipe(**overrides))
    assert location in locations(exc)


def test_polymers_must_sum_to_100(session: Session) -> None:
    build_center(session)
    data = recipe()
    data["ingredients"][0]["phr"] = 60  # type: ignore[index]
    with pytest.raises(ValidationFailed) as exc:
        compounds.create_compound(session, data)
    assert "sum to 90" in str(exc.value)


def test_unknown_material_and_duplicate_code(session: Session) -> None:
    build_center(session)
    compounds.create_compound(session, recipe())
    data = recipe()
    data["ingredients"][2]["material"] = "N999"  # type: ignore[index]
    with pytest.raises(ValidationFailed) as exc:
        compounds.create_compound(session, data)
    assert set(locations(exc)) == {"code", "ingredients.2.material"}
    assert session.scalar(select(func.count(Compound.id))) == 1


def test_compound_no_line_may_run(session: Session) -> None:
    build_center(session, stages=("MB",))
    with pytest.raises(ValidationFailed) as exc:
        compounds.create_compound(session, recipe())
    assert "no line may run stage FB" in str(exc.value)


def test_changeover_rules_forbid_every_line(session: Session) -> None:
    build_center(session)
    session.add(ChangeoverRule(priority=1, name="no EPDM here", to_family="EPDM", forbidden=True))
    with pytest.raises(ValidationFailed) as exc:
        compounds.create_compound(session, recipe(polymer_family="EPDM"))
    assert "no line may run stage MB" in str(exc.value)
    assert session.scalar(select(func.count(Compound.id))) == 0


def test_new_version_copies_and_keeps_old(session: Session) -> None:
    build_center(session)
    compound = compounds.create_compound(session, recipe())
    v2 = compounds.new_version(session, compound, {"density": 1.2, "name": "Cover v2"})
    v1 = compounds.get_version(session, compound.versions[0].id)
    assert (v1.version, v1.density, v2.version, v2.density) == (1, 1.15, 2, 1.2)
    assert [i.phr for i in v2.ingredients] == [i.phr for i in v1.ingredients]
    assert compound.name == "Cover v2"
    assert compounds.latest_version(compound) is v2


def test_rejected_new_version_writes_nothing(session: Session) -> None:
    build_center(session)
    compound = compounds.create_compound(session, recipe())
    session.commit()
    with pytest.raises(ValidationFailed):
        compounds.new_version(
            session, compound, {"ingredients": [{"stage": "MB", "material": "X", "phr": 100}]}
        )
    with pytest.raises(ValidationFailed):
        compounds.new_version(session, compound, {"density": 9})
    session.commit()
    assert session.scalar(select(func.count(CompoundVersion.id))) == 1


def test_member_scope(session: Session) -> None:
    build_center(session)
    compound = compounds.create_compound(session, recipe())
    with pytest.raises(NotFound):
        compounds.get(session, compound.id, member_id=2)
    with pytest.raises(NotFound):
        compounds.get_version(session, compound.versions[0].id, member_id=2)
    with pytest.raises(ValidationFailed):
        compounds.create_compound(session, recipe(code="X1"), member_id=2)
    assert compounds.get_all(session, member_id=2) == []
