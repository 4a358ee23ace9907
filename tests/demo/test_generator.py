"""The demo center: deterministic, realistic, and loadable only into an empty database."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.compounds.models import ChangeoverRule, Compound, CompoundVersion
from mixshare.compounds.service import runnable_lines
from mixshare.demo.generator import (
    NAMEPLATE_MIXING_KG_PER_WEEK,
    DemoSummary,
    load_demo_center,
    next_monday,
)
from mixshare.errors import MixshareError, ValidationFailed
from mixshare.lines.models import Calendar, Downtime, Holiday, Line
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.tariffs.models import Tariff

START = date(2026, 11, 30)  # a Monday; the horizon plus one week crosses New Year 2027
WEEKS = 4


@pytest.fixture
def demo(session: Session) -> DemoSummary:
    return load_demo_center(session, seed=7, weeks=WEEKS, start=START)


def _snapshot(session: Session) -> tuple[list[Any], list[Any]]:
    """Everything that identifies the loaded center, by natural keys (ids may differ)."""
    material_codes = {m.id: m.code for m in session.scalars(select(Material))}
    compounds = sorted(
        (
            v.key,
            v.polymer_family,
            v.colour_class,
            v.staining,
            v.density,
            tuple((i.stage, material_codes[i.material_id], i.phr) for i in v.ingredients),
        )
        for v in session.scalars(select(CompoundVersion))
    )
    orders = [
        (
            o.number,
            o.member.code,
            o.compound_version.key,
            o.stage,
            o.quantity_kg,
            o.due_at,
            o.release_at,
            o.created_at,
        )
        for o in session.scalars(select(Order).order_by(Order.number))
    ]
    return compounds, orders


def test_same_seed_gives_the_same_center_and_another_seed_another(session: Session) -> None:
    load_demo_center(session, seed=7, weeks=2, start=START)
    first = _snapshot(session)
    session.rollback()  # the loader does not commit: rolling back empties the database
    load_demo_center(session, seed=7, weeks=2, start=START)
    assert _snapshot(session) == first
    session.rollback()
    load_demo_center(session, seed=8, weeks=2, start=START)
    other = _snapshot(session)
    assert other[0] != first[0]
    assert other[1] != first[1]


def test_members_compounds_and_recipes_look_like_the_park(
    session: Session, demo: DemoSummary
) -> None:
    members = session.scalars(select(Member)).all()
    assert [m.code for m in sorted(members, key=lambda m: m.code)] == [
        f"M{n:02d}" for n in range(1, 11)
    ]
    assert sorted(m.priority_weight for m in members) == [1.0] * 8 + [1.5] * 2
    assert all(m.name and m.name_en and m.products for m in members)

    compounds = session.scalars(select(Compound)).all()
    assert 35 <= len(compounds) <= 45
    assert all(3 <= n <= 5 for n in Counter(c.member_id for c in compounds).values())
    latest = [c.versions[-1] for c in compounds]
    assert sum(1 for v in latest if v.version == 2) >= 3
    assert {"NR", "SBR", "BR", "EPDM", "NBR", "CR"} <= {v.polymer_family for v in latest}
    colours = Counter(v.colour_class for v in latest)
    assert set(colours) == {"black", "light", "coloured"}
    assert colours["black"] > colours["light"] + colours["coloured"]
    assert 1 <= sum(1 for v in latest if not v.has_final) <= 2
    assert any(v.has_remill for v in latest) and any(v.staining for v in latest)
    assert demo.compounds == len(compounds)
    assert demo.versions == session.scalar(select(func.count()).select_from(CompoundVersion))


def test_recipes_are_physically_plausible(session: Session, demo: DemoSummary) -> None:
    categories = {m.id: m.category for m in session.scalars(select(Material))}
    assert len(categories) >= 30
    for version in session.scalars(select(CompoundVersion)):
        assert 1.05 <= version.density <= 1.35, version.key
        polymer = sum(i.phr for i in version.ingredients if categories[i.material_id] == "polymer")
        assert polymer == pytest.approx(100.0), version.key
        assert all(
            i.stage == "FB" for i in version.ingredients if categories[i.material_id] == "curative"
        ), f"{version.key}: curatives belong in the final batch"
        assert version.has_final == any(i.stage == "FB" for i in version.ingredients)
        assert version.max_age_minutes == 7200
        assert 3 * 1440 <= version.shelf_life_minutes <= 10 * 1440


def test_weekly_mixing_is_near_nameplate_times_the_load_factor(
    session: Session, demo: DemoSummary
) -> None:
    mixing_kg = [0.0] * WEEKS
    for order in session.scalars(select(Order)):
        version = order.compound_version
        # Independent of the generator: MB, plus RM if any, plus FB for final orders.
        passes = 1 + version.has_remill + (order.stage == "final")
        mixing_kg[(order.due_at.date() - START).days // 7] += order.quantity_kg * passes
    for week, (kg, factor) in enumerate(zip(mixing_kg, demo.load_factors, strict=True)):
        target = NAMEPLATE_MIXING_KG_PER_WEEK * factor
        assert abs(kg - target) <= 0.2 * target, f"week {week}: {kg / 1000:.0f} t"
        assert demo.mixing_tonnes_per_week[week] == pytest.approx(kg / 1000, abs=0.1)
    assert max(demo.load_factors) > 1.0 > min(demo.load_factors)  # some weeks overloaded


def test_orders_are_realistic_and_use_the_members_own_latest_compounds(
    session: Session, demo: DemoSummary
) -> None:
    orders = session.scalars(select(Order)).all()
    assert len(orders) == demo.orders
    assert 200 * WEEKS <= len(orders) <= 320 * WEEKS
    assert len({o.number for o in orders}) == len(orders)
    horizon_end = datetime.combine(START + timedelta(weeks=WEEKS), datetime.min.time())
    for order in orders:
        version = order.compound_version
        assert version.compound.member_id == order.member_id, order.number
        assert version.version == version.compound.versions[-1].version, order.number
        assert order.stage == "final" or order.stage == "masterbatch"
        assert order.stage == "masterbatch" or version.has_final, order.number
        assert re.fullmatch(rf"{order.member.code}-\d{{4}}-\d{{4}}", order.number)
        assert 1000 <= order.quantity_kg <= 15000
        assert order.release_at is not None
        assert order.created_at < order.release_at < order.due_at <= horizon_end
        assert order.due_at >= datetime.combine(START, datetime.min.time())
        assert order.status == "open"
    mean_tonnes = sum(o.quantity_kg for o in orders) / len(orders) / 1000
    assert 3.0 <= mean_tonnes <= 4.0
    masterbatch_share = sum(o.stage == "masterbatch" for o in orders) / len(orders)
    assert 0.05 <= masterbatch_share <= 0.15


def test_every_compound_stage_can_run_on_some_line(session: Session, demo: DemoSummary) -> None:
    for version in session.scalars(select(CompoundVersion)):
        for stage, lines in runnable_lines(session, version).items():
            assert lines, f"{version.key}/{stage} cannot run on any line"
    rules = session.scalars(select(ChangeoverRule)).all()
    assert any(r.forbidden for r in rules)
    assert any(r.cleaning_batches > 0 for r in rules)
    catch_all = max(rules, key=lambda r: r.priority)
    assert (catch_all.from_family, catch_all.to_family, catch_all.forbidden) == (None, None, False)


def test_lines_calendar_maintenance_holidays_and_tariffs(
    session: Session, demo: DemoSummary
) -> None:
    lines = session.scalars(select(Line).order_by(Line.code)).all()
    assert [(ln.code, ln.net_volume_l) for ln in lines] == [("L1", 420.0), ("L2", 370.0)]
    assert all({s.stage for s in ln.stage_settings} == {"MB", "RM", "FB"} for ln in lines)
    calendar = session.scalars(select(Calendar)).one()
    assert [s.start_minute for s in calendar.shifts] == [360, 840, 1320]
    assert all(ln.calendar_id == calendar.id for ln in lines)
    downtimes = session.scalars(select(Downtime)).all()
    assert len(downtimes) == len(lines) * (WEEKS + 1)
    assert all(d.end - d.start == timedelta(hours=8) for d in downtimes)
    assert [h.day for h in session.scalars(select(Holiday))] == [date(2027, 1, 1)]
    assert session.scalar(select(func.count()).select_from(Tariff))


def test_loading_twice_or_on_a_wrong_start_refuses(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="Monday"):
        load_demo_center(session, start=START + timedelta(days=1))
    load_demo_center(session, weeks=1, start=START)
    with pytest.raises(MixshareError, match="already holds 10 member"):
        load_demo_center(session, weeks=1, start=START)


def test_next_monday() -> None:
    assert next_monday(date(2026, 11, 29)) == date(2026, 11, 30)  # Sunday
    assert next_monday(date(2026, 11, 30)) == date(2026, 12, 7)  # Monday: the next one
    assert next_monday(date(2026, 12, 2)) == date(2026, 12, 7)
