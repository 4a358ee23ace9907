"""The month's cost game from stored data: demand from orders and from batch records, the cost
model's versions, and ``mixshare share-costs --format json`` in exactly issue 9's shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import CompoundVersion
from mixshare.db import session_factory
from mixshare.demo.generator import DEMO_COST_MODEL, load_demo_center
from mixshare.errors import NotFound, ValidationFailed
from mixshare.execution.models import Batch
from mixshare.lines.models import Line
from mixshare.members.models import Member
from mixshare.sharing import service as sharing

START = date(2031, 1, 6)  # a Monday: one week of orders due in January 2031
MONTH = date(2031, 1, 1)


@pytest.fixture
def demo_db(db_url: str) -> str:
    with session_factory(db_url)() as session:
        load_demo_center(session, seed=7, weeks=1, start=START)
        session.commit()
    return db_url


def test_json_has_exactly_the_issue_shape(demo_db: str) -> None:
    with session_factory(demo_db)() as session:
        document = sharing.as_json(sharing.share(session, MONTH, "orders"))
    assert list(document) == ["members", "total", "coalitions", "allocations", "core"]
    members = document["members"]
    assert members == [f"M{i:02d}" for i in range(1, 11)]
    coalitions = document["coalitions"]
    assert len(coalitions) == 1023
    assert list(coalitions)[:2] == ["M01", "M02"]
    assert list(coalitions)[10] == "M01+M02"  # by size, then in the order of the members
    assert list(coalitions)[-1] == "+".join(members)
    assert document["total"] == coalitions["+".join(members)] > 0
    assert list(document["allocations"]) == ["shapley", "nucleolus", "proportional"]
    for rule, shares in document["allocations"].items():
        assert list(shares) == members
        assert round(sum(shares.values()) * 100) == round(document["total"] * 100), rule
        core = document["core"][rule]
        assert list(core) == ["stable", "blocking"]
        assert core["stable"] is (core["blocking"] == [])
        assert all(name in coalitions for name in core["blocking"])


def test_blocking_coalitions_really_pay_more_than_alone(demo_db: str) -> None:
    with session_factory(demo_db)() as session:
        document = sharing.as_json(sharing.share(session, MONTH, "orders"))
    for rule, core in document["core"].items():
        shares = document["allocations"][rule]
        for name in core["blocking"]:
            paid = sum(shares[m] for m in name.split("+"))
            assert paid > document["coalitions"][name] - 0.01 * len(name.split("+")), rule


def test_cli_prints_only_the_document(demo_db: str) -> None:
    # a process of its own: HiGHS's banner (printed once per process on the C stdout) must
    # not end up in the JSON
    env = {**os.environ, "MIXSHARE_DATABASE_URL": demo_db}
    done = subprocess.run(
        [sys.executable, "-m", "mixshare.cli", "share-costs", "--month", "2031-01",
         "--format", "json", "--source", "orders"],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert len(document["coalitions"]) == 1023


def _add_batch(
    session: Session, member: Member, start: datetime, minutes: float, kg: float
) -> None:
    line = session.scalars(select(Line).order_by(Line.code)).first()
    version = session.scalars(select(CompoundVersion)).first()
    assert line is not None and version is not None
    code = f"T-{member.code}-{start:%d%H%M}"
    session.add(
        Batch(
            line_id=line.id, code=code, compound_version_id=version.id, member_id=member.id,
            stage="MB", started_at=start, ended_at=start + timedelta(minutes=minutes),
            dump_temperature_c=160, energy_kwh=50, target_kg=kg, actual_kg=kg,
            content_hash=code, source="cli", received_at=start,
        )
    )  # fmt: skip


def test_demand_from_batches_is_the_month_s_batch_records(demo_db: str) -> None:
    with session_factory(demo_db)() as session:
        members = {m.code: m for m in session.scalars(select(Member))}
        _add_batch(session, members["M01"], datetime(2031, 1, 5, 8), 3, 300)
        _add_batch(session, members["M01"], datetime(2031, 1, 31, 23, 58), 3, 345)
        _add_batch(session, members["M02"], datetime(2031, 1, 9, 8), 6, 400)
        _add_batch(session, members["M02"], datetime(2031, 2, 1, 0, 0), 3, 999)  # February
        session.flush()
        found = {d.member: d for d in sharing.demand(session, MONTH, "batches")}
        assert (found["M01"].tonnes, found["M01"].hours) == (0.645, 0.1)
        assert (found["M02"].tonnes, found["M02"].hours) == (0.4, 0.1)
        assert found["M03"].tonnes == found["M03"].hours == 0
        result = sharing.share(session, MONTH, "batches")
    # only M01 and M02 mixed: the others are dummies and pay nothing under any rule
    for rule, shares in sharing.as_json(result)["allocations"].items():
        assert all(shares[f"M{i:02d}"] == 0 for i in range(3, 11)), rule


def test_auto_takes_batches_once_the_month_is_over() -> None:
    now = datetime(2031, 2, 1, 0, 0)
    assert sharing.resolve_source(MONTH, "auto", now) == "batches"
    assert sharing.resolve_source(MONTH, "auto", now - timedelta(minutes=1)) == "orders"
    assert sharing.resolve_source(MONTH, "orders", now) == "orders"


def test_versions_of_the_cost_model(session: Session) -> None:
    with pytest.raises(NotFound, match="no cost model is valid in 2031-01"):
        sharing.valid_for(session, MONTH)
    first = sharing.create(session, {**DEMO_COST_MODEL, "valid_from": "2031-01"})
    later = sharing.create(
        session, {**DEMO_COST_MODEL, "valid_from": date(2031, 4, 17), "overhead_cost": 1.0}
    )
    assert later.valid_from == date(2031, 4, 1)
    assert sharing.valid_for(session, date(2031, 3, 1)) is first
    assert sharing.valid_for(session, date(2031, 4, 1)) is later
    with pytest.raises(ValidationFailed) as taken:
        sharing.create(session, {**DEMO_COST_MODEL, "valid_from": "2031-04"})
    assert [p.location for p in taken.value.problems] == ["valid_from"]
    with pytest.raises(ValidationFailed) as bad:
        sharing.create(
            session,
            {**DEMO_COST_MODEL, "valid_from": "2031-05", "target_utilisation": 0,
             "shift_hours": 12},
        )  # fmt: skip
    assert {p.location for p in bad.value.problems} >= {"target_utilisation"}
