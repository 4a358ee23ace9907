"""Fresh, migrated databases for tests: SQLite by default, PostgreSQL when
``MIXSHARE_DATABASE_URL`` points at a server (each test gets its own database)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mixshare import migrate
from mixshare.db import get_engine, session_factory

SERVER_URL = os.environ.get("MIXSHARE_DATABASE_URL", "")
# In-process tests run each job where it is submitted (Huey's immediate mode); the tests of
# real workers (tests/jobs) start `mixshare worker` processes on a queue of their own.
os.environ["MIXSHARE_QUEUE_URL"] = "immediate"


def _admin_url() -> str:
    return make_url(SERVER_URL).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per run, copied for each test."""
    if SERVER_URL.startswith("postgresql"):
        name = f"mixshare_tmpl_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        get_engine(url).dispose()
        return name
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    get_engine(url).dispose()
    return str(path)


@pytest.fixture
def db_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh migrated database for this test."""
    if SERVER_URL.startswith("postgresql"):
        name = f"mixshare_t_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"'))
        url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
        yield url
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path / "test.db"
    shutil.copyfile(migrated_template, path)
    url = f"sqlite:///{path}"
    yield url
    get_engine(url).dispose()


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on a fresh database; the test commits what it wants to keep."""
    s = session_factory(db_url)()
    try:
        yield s
    finally:
        s.close()
