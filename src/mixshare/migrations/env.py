"""Alembic environment: the URL comes from mixshare's settings unless the caller set one."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from mixshare.db import get_engine
from mixshare.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    given: Connection | None = config.attributes.get("connection")
    if given is not None:  # the caller's transaction (mixshare restore): commit is theirs
        _migrate(given)
        return
    url = config.get_main_option("sqlalchemy.url") or None
    engine = get_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            _migrate_sqlite(connection)
        else:
            _migrate(connection)


def _migrate_sqlite(connection: Connection) -> None:
    """SQLite alters a table by copying it and dropping the old one; with foreign keys on, the
    drop fails as soon as another table's rows point at it (a populated center's ``orders``).
    SQLite's own procedure for this: keys off outside the transaction, check them after."""
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()  # ends the autobegun transaction, so Alembic's own commits the migration
    try:
        _migrate(connection)
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        _wide_version_table(connection)
        context.run_migrations()


def _wide_version_table(connection: Connection) -> None:
    """Revision ids are file stems (``0008_planux_unplanned_reason_code``: 33 characters);
    Alembic's ``alembic_version.version_num`` is VARCHAR(32), which PostgreSQL enforces (SQLite
    does not), so the column is made wide enough before any migration runs."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(64) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    )
    connection.exec_driver_sql(
        "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64)"
    )


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `mixshare db upgrade`")
run_migrations_online()
