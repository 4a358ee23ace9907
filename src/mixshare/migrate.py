"""Schema migrations (Alembic), run from code so that no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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


def downgrade_to_base(url: str | None = None) -> None:
    """Drop every table the migrations created (used by ``mixshare demo --reset``)."""
    command.downgrade(alembic_config(url), "base")


def revision(message: str, url: str | None = None) -> None:
    """Autogenerate a new migration from the models (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
