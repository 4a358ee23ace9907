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
        _migrate(connection)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `mixshare db upgrade`")
run_migrations_online()
