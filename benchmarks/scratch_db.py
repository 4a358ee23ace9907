"""Scratch databases for the benchmarks: an empty SQLite file in a temporary folder, or an
empty database made on a PostgreSQL server and dropped afterwards (also when the run fails).
Each yields its SQLAlchemy URL; the benchmark migrates and fills it.

SQLAlchemy and mixshare are imported when a database is made: ``load_pages.py`` imports this
module in its client processes too, which need neither."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_SERVER = os.environ.get(
    "MIXSHARE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def scratch_sqlite(filename: str) -> Iterator[str]:
    """A SQLite file ``filename`` in a temporary folder, removed afterwards."""
    from mixshare.db import get_engine

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / filename}"
        try:
            yield url
        finally:
            get_engine(url).dispose()  # the file's connections, before the folder goes


@contextmanager
def scratch_postgres(server: str, prefix: str) -> Iterator[str]:
    """A database named ``prefix`` and a random suffix on ``server``, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from mixshare.db import get_engine

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:  # FORCE: a failed run may leave sessions open
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_database(database: str, server: str, name: str) -> Iterator[str]:
    """``database`` "sqlite" (a file ``name``.db) or "postgresql" (on ``server``)."""
    if database == "sqlite":
        with scratch_sqlite(f"{name}.db") as url:
            yield url
    else:
        with scratch_postgres(server, f"mixshare_{name}") as url:
            yield url
