"""What every backup and restore checks, whatever the database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, inspect, literal, select, table

from mixshare import migrate
from mixshare.errors import MixshareError

VERSION_TABLE = "alembic_version"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # pg_dump's custom format (-Fc)


class BackupError(MixshareError):
    """The backup or restore did not happen; the message says why and what to do."""


def file_kind(file: Path) -> str | None:
    """``sqlite`` or ``postgresql`` by the file's first bytes; None for anything else."""
    with file.open("rb") as stream:
        start = stream.read(len(SQLITE_MAGIC))
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def check_known(revision: str, file: Path) -> None:
    """Refuse a backup whose schema this code does not know (newer code, or not mixshare's)."""
    known = migrate.known_revisions()
    if revision not in known:
        raise BackupError(
            f"{file} has schema revision {revision!r}, which this mixshare does not know "
            f"(its newest is {known[0]!r}): restore it with the mixshare version that wrote it "
            "or a newer one"
        )


def refuse_if_holds_data(connection: Connection, where: str) -> None:
    """A restore replaces everything: without --force, only an empty database may be replaced."""
    filled = [
        name
        for name in sorted(inspect(connection).get_table_names())
        if name != VERSION_TABLE
        and connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first()
    ]
    if filled:
        shown = ", ".join(filled[:5]) + (", …" if len(filled) > 5 else "")
        raise BackupError(
            f"{where} holds data ({len(filled)} table(s) with rows: {shown}); restoring would "
            "replace all of it. Add --force to replace it, or restore into an empty database."
        )


@contextmanager
def written_atomically(file: Path) -> Iterator[Path]:
    """A scratch path beside ``file`` that becomes ``file`` only when the block succeeds, so
    a failed backup never leaves a partial file under the backup's name."""
    if not file.parent.is_dir():
        raise BackupError(f"{file.parent} is not a directory")
    handle, name = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)
