"""Schema migrations (Alembic), run from code so that no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from mixshare.settings import database_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url or database_url())
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def upgrade_within(connection: Connection) -> None:
    """Bring the schema on ``connection`` to head inside the caller's open transaction, which
    the caller commits or rolls back (a restore stays all-or-nothing)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def known_revisions() -> list[str]:
    """Every schema revision of this code, newest (head) first."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [script_revision.revision for script_revision in script.walk_revisions()]


def downgrade_to_base(url: str | None = None) -> None:
    """Drop every table the migrations created (used by ``mixshare demo --reset``)."""
    command.downgrade(alembic_config(url), "base")


def revision(message: str, url: str | None = None) -> None:
    """Autogenerate a new migration from the models (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
