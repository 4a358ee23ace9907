"""Backup and restore of the configured database, SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from mixshare import migrate
from mixshare.backup import postgres, sqlite
from mixshare.backup.checks import BackupError, file_kind

__all__ = ["Backup", "BackupError", "Restored", "backup", "restore"]

KIND_NAMES = {"sqlite": "a SQLite backup", "postgresql": "a PostgreSQL (pg_dump) backup"}


@dataclass(frozen=True)
class Backup:
    file: Path
    size_bytes: int
    revision: str  # the schema revision the backup holds


@dataclass(frozen=True)
class Restored:
    file: Path
    revision: str  # the backup's schema revision
    head: str  # the schema the database has now

    @property
    def migrated(self) -> bool:
        return self.revision != self.head


def backup(url: str, file: Path) -> Backup:
    """Write a backup of the database at ``url`` to ``file`` (replaced only when complete)."""
    if file.is_dir():
        raise BackupError(f"{file} is a directory; name the backup file")
    if _dialect(url) == "sqlite":
        revision = sqlite.backup(sqlite.database_path(url), file)
    else:
        revision = postgres.backup(url, file)
    return Backup(file, file.stat().st_size, revision)


def restore(url: str, file: Path, *, force: bool = False) -> Restored:
    """Replace the database at ``url`` with the backup ``file``, migrated to this code's schema.

    A database holding data is replaced only with ``force``; any failure changes nothing.
    """
    dialect = _dialect(url)
    _check_file(file, dialect)
    if dialect == "sqlite":
        revision = sqlite.restore(sqlite.database_path(url), file, force=force)
    else:
        revision = postgres.restore(url, file, force=force)
    return Restored(file, revision, migrate.known_revisions()[0])


def _dialect(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in KIND_NAMES:
        raise BackupError(f"backups support SQLite and PostgreSQL databases, not {name}")
    return name


def _check_file(file: Path, dialect: str) -> None:
    if not file.is_file():
        raise BackupError(f"{file}: no such backup file")
    kind = file_kind(file)
    if kind is None:
        raise BackupError(
            f"{file} is not a mixshare backup (neither a SQLite database nor a pg_dump archive)"
        )
    if kind != dialect:
        raise BackupError(
            f"{file} is {KIND_NAMES[kind]} but the database is {dialect}: restore it into a "
            f"{kind} database"
        )
