"""Minimal center for order and compound tests: two members, one line, materials, a rule."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule, Compound
from mixshare.lines.models import Line, LineStage
from mixshare.materials.models import Material
from mixshare.members.models import Member

NOW = datetime(2026, 3, 2, 8, 0)  # a Monday; tests pass it as the injectable "now"

MATERIALS = [
    ("NR-SMR20", "polymer"),
    ("SBR1502", "polymer"),
    ("N330", "filler"),
    ("OIL-AROM", "oil"),
    ("ZNO", "chemical"),
    ("SULFUR", "curative"),
    ("TBBS", "curative"),
]


def recipe(**overrides: object) -> dict[str, object]:
    """A valid compound: 70 NR + 30 SBR, black filler, final batch with curatives."""
    data: dict[str, object] = {
        "member": "M01",
        "code": "BELT-NR-01",
        "name": "Conveyor belt cover",
        "polymer_family": "NR",
        "colour_class": "black",
        "staining": True,
        "density": 1.15,
        "ingredients": [
            {"stage": "MB", "material": "NR-SMR20", "phr": 70},
            {"stage": "MB", "material": "SBR1502", "phr": 30},
            {"stage": "MB", "material": "N330", "phr": 50},
            {"stage": "MB", "material": "OIL-AROM", "phr": 5},
            {"stage": "FB", "material": "SULFUR", "phr": 2},
            {"stage": "FB", "material": "TBBS", "phr": 1},
        ],
    }
    data.update(overrides)
    return data


def build_center(session: Session, stages: tuple[str, ...] = ("MB", "RM", "FB")) -> Line:
    """Members M01 and M02, line L1 running ``stages``, materials, one permissive rule."""
    session.add_all(
        [Member(code="M01", name="成员一", name_en="Member One"), Member(code="M02", name="成员二")]
    )
    session.add_all(Material(code=code, name=code, category=cat) for code, cat in MATERIALS)
    line = Line(code="L1", name="Line 1", net_volume_l=420, rated_power_kw=1500)
    line.stage_settings = [
        LineStage(stage=s, fill_factor=0.72, cycle_minutes=3.0, kwh_per_kg=0.2) for s in stages
    ]
    session.add(line)
    session.add(ChangeoverRule(priority=100, name="anything goes", minutes=10))
    session.flush()
    return line


@pytest.fixture
def center(session: Session) -> Session:
    """The session with the minimal center and compound BELT-NR-01 of M01, committed."""
    build_center(session)
    compounds.create_compound(session, recipe())
    session.commit()
    return session


@pytest.fixture
def belt(center: Session) -> Compound:
    return compounds.get_all(center, member_id=1)[0]
