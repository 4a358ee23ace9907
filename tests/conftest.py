"""Fresh, migrated databases for tests: SQLite by default, PostgreSQL when
``MIXSHARE_DATABASE_URL`` points at a server (each test gets its own database)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mixshare import migrate
from mixshare.db import get_engine, session_factory

SERVER_URL = os.environ.get("MIXSHARE_DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith("postgresql")
# In-process tests run each job where it is submitted (Huey's immediate mode); the tests of
# real workers (tests/jobs) start `mixshare worker` processes on a queue of their own.
os.environ["MIXSHARE_QUEUE_URL"] = "immediate"


def server_database(name: str) -> str:
    """The URL of database ``name`` on the test server (``MIXSHARE_DATABASE_URL``)."""
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def on_server(sql: str) -> None:
    """Run ``sql`` outside a transaction on the server's maintenance database (CREATE and DROP
    DATABASE cannot run inside one)."""
    admin = create_engine(server_database("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per run, copied for each test (on the server, dropped
    when the run ends so runs do not leave templates behind)."""
    if ON_POSTGRES:
        name = f"mixshare_tmpl_{uuid.uuid4().hex[:8]}"
        on_server(f'CREATE DATABASE "{name}"')
        url = server_database(name)
        migrate.upgrade(url)
        get_engine(url).dispose()
        yield name
        on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    get_engine(url).dispose()
    yield str(path)


@contextmanager
def copied_database(template: str, folder: Path, name: str) -> Iterator[str]:
    """A fresh database copied from ``template`` (a database on the server, or a SQLite file):
    on the server ``mixshare_{name}_…``, dropped afterwards, else the file ``folder/{name}.db``.
    """
    database = f"mixshare_{name}_{uuid.uuid4().hex[:10]}"
    if ON_POSTGRES:
        on_server(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        url = server_database(database)
    else:
        path = folder / f"{name}.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    try:
        yield url
    finally:
        get_engine(url).dispose()
        if ON_POSTGRES:
            on_server(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def db_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh migrated database for this test."""
    with copied_database(migrated_template, tmp_path, "test") as url:
        yield url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on a fresh database; the test commits what it wants to keep."""
    s = session_factory(db_url)()
    try:
        yield s
    finally:
        s.close()
