"""Database engine, sessions and the declarative base shared by every domain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Engine, MetaData, Table, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from mixshare.settings import database_url

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The model's table, for Core bulk inserts (``insert(table_of(M)), rows``): they skip
    the ORM's per-row bookkeeping (measured: 40 % less CPU for 1,400 weighings)."""
    return Base.metadata.tables[model.__tablename__]


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (SQLite leaves them off) and write-ahead logging, on every connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the life of the process (the URL is read at call time)."""
    return _engine_for(url or database_url())


@cache
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    # No pre-ping: it costs a round trip on every checkout (measured: order list p95 359 → 297
    # ms under 20 clients); recycling connections every 30 min covers server-side timeouts.
    return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20)


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    # every writer counts its changes for the page caches of all processes
    from mixshare import data_version  # noqa: F401  (registers the session events)

    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session of ``factory``: committed when the block ends, rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction on the database at ``url`` (default: the configured one)."""
    with transaction(session_factory(url)) as session:
        yield session
