"""SQLite: SQLite's online backup API both ways.

A backup copies every page in one step, so it reads one consistent snapshot; in WAL mode the
app keeps writing meanwhile. A restore stages the backup in a scratch file beside the database
(checked, migrated there), then copies it into the database with the same API: one SQLite
transaction, so the database holds either its old content or the whole backup, a stale -wal
file cannot be paired with the new content, and a running process sees the restored data.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from mixshare import migrate
from mixshare.backup.checks import (
    VERSION_TABLE,
    BackupError,
    check_known,
    refuse_if_holds_data,
    written_atomically,
)

BUSY_TIMEOUT_S = 30


def database_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url} is not a SQLite database file: nothing to back up or restore")
    return Path(database)


def backup(path: Path, file: Path) -> str:
    """Copy the database at ``path`` to ``file``; the schema revision it holds."""
    if not path.is_file():
        raise BackupError(f"no SQLite database at {path}")
    if file.resolve() == path.resolve():
        raise BackupError(f"{file} is the database itself; write the backup to another file")
    try:
        with (
            written_atomically(file) as partial,
            closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)  # all pages in one step: one read snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
            revision = _revision(copy, f"the database at {path}")
    except sqlite3.Error as exc:
        raise BackupError(f"backing up {path} failed: {exc}") from exc
    return revision


def restore(path: Path, file: Path, *, force: bool) -> str:
    """Replace the database at ``path`` with the backup ``file``; the backup's revision."""
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    with tempfile.TemporaryDirectory(prefix=".mixshare-restore-", dir=path.parent) as scratch:
        staged = Path(scratch) / "staged.db"
        shutil.copyfile(file, staged)  # the backup file itself is never opened for writing
        revision = _checked_revision(staged, file)
        check_known(revision, file)
        if not force and path.exists():
            _refuse_if_holds_data(path)
        if revision != migrate.known_revisions()[0]:
            _upgrade(staged)
        _copy_into(staged, path)
    return revision


def _checked_revision(staged: Path, file: Path) -> str:
    try:
        with closing(sqlite3.connect(staged)) as copy:
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{file} is a damaged SQLite database: {check}")
            return _revision(copy, str(file))
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file} is not a readable SQLite backup: {exc}") from exc


def _revision(connection: sqlite3.Connection, what: str) -> str:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
    ).fetchone()
    if not found:
        raise BackupError(f"{what} is not a mixshare database (it has no schema revision)")
    row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    if row is None:
        raise BackupError(f"{what} is not a mixshare database (it has no schema revision)")
    return str(row[0])


def _refuse_if_holds_data(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            refuse_if_holds_data(connection, f"the database at {path}")
    finally:
        engine.dispose()


def _upgrade(staged: Path) -> None:
    engine = create_engine(f"sqlite:///{staged}", poolclass=NullPool)
    try:
        with engine.begin() as connection:
            migrate.upgrade_within(connection)
    finally:
        engine.dispose()


def _copy_into(staged: Path, path: Path) -> None:
    try:
        with (
            closing(sqlite3.connect(staged)) as source,
            closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as target,
        ):
            _match_page_size(source, target)
            source.backup(target)  # one transaction on the target: all of it or none
    except sqlite3.Error as exc:
        raise BackupError(f"restoring into {path} failed, it is unchanged: {exc}") from exc


def _match_page_size(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """A database in WAL mode cannot change its page size, so the copy adopts the target's."""
    wanted = int(target.execute("PRAGMA page_size").fetchone()[0])
    if int(source.execute("PRAGMA page_size").fetchone()[0]) != wanted:
        source.execute("PRAGMA journal_mode=DELETE")
        source.execute(f"PRAGMA page_size={wanted}")
        source.execute("VACUUM")
