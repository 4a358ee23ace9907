"""Databases for the backup tests: a realistic center (the demo center, a plan, a row in every
table), copied per test, and empty targets to restore into. SQLite by default, PostgreSQL when
``MIXSHARE_DATABASE_URL`` points at a server (as in tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from mixshare.audit import service as audit
from mixshare.db import get_engine, session_scope
from mixshare.demo.generator import load_demo_center
from mixshare.lines.models import Holiday
from mixshare.orders.models import Order
from mixshare.planning import service as planning
from mixshare.planning.models import PlanUnplanned
from mixshare.users import service as users
from tests.conftest import ON_POSTGRES, copied_database, on_server, server_database

DEMO_MONDAY = date(2031, 3, 3)


def fill_center(url: str) -> None:
    """The demo center's week, a stored plan and at least one row in every table."""
    with session_scope(url) as session:
        load_demo_center(session, seed=7, weeks=1, start=DEMO_MONDAY)
        account = {"username": "admin", "password": "backup-pass-1", "role": "center_admin"}
        admin = users.create_user(session, {**account, "member_id": None})
        users.create_token(session, admin, name="backup test")
        users.create_session(session, admin)
        users.record_failure(session, "admin", "10.0.0.9")
        audit.record(session, action="create", object_type="holiday", user=admin)
        session.add(Holiday(day=date(2031, 10, 1), name="国庆节 National Day"))
    with session_scope(url) as session:
        start = datetime.combine(DEMO_MONDAY, time())
        plan = planning.run_plan(session, start=start, days=7, method="dispatch")
        order = session.scalars(select(Order).order_by(Order.id)).first()
        assert order is not None
        session.add(PlanUnplanned(plan_id=plan.id, order_id=order.id, reason="test row"))
    get_engine(url).dispose()


@pytest.fixture(scope="session")
def center_template(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Built once per run (loading and planning take seconds), copied for each test."""
    folder = tmp_path_factory.mktemp("center")
    with copied_database(migrated_template, folder, "center") as url:
        fill_center(url)
        yield str(make_url(url).database)  # the template: a server database's name or a file


@pytest.fixture
def center_url(center_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the center for this test."""
    with copied_database(center_template, tmp_path, "center") as url:
        yield url


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes databases with nothing in them, not even a schema (a new server after a disaster);
    dropped when the test ends."""
    made: list[str] = []

    def make() -> str:
        if ON_POSTGRES:
            name = f"mixshare_e_{uuid.uuid4().hex[:10]}"
            on_server(f'CREATE DATABASE "{name}"')
            made.append(name)
            return server_database(name)
        return f"sqlite:///{tmp_path / f'empty-{uuid.uuid4().hex[:8]}.db'}"

    yield make
    for name in made:
        get_engine(server_database(name)).dispose()
        on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_url(new_database: Callable[[], str]) -> str:
    return new_database()
