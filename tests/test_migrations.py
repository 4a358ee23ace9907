"""Migrations build the schema the models describe, from an empty database."""

from __future__ import annotations

from sqlalchemy import inspect

from mixshare.db import get_engine
from mixshare.models import Base


def test_migrated_schema_matches_models(db_url: str) -> None:
    # db_url is a fresh database upgraded from empty by Alembic (SQLite or PostgreSQL).
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_no_model_change_lacks_a_migration(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with get_engine(db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
