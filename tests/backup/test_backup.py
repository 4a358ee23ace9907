"""``mixshare backup`` / ``restore`` on the configured database (SQLite, or PostgreSQL when
MIXSHARE_DATABASE_URL points at a server): a round trip keeps every row of every table, a backup
taken while another thread writes is consistent, and a bad file or a refused restore changes
nothing."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.pool import NullPool

from mixshare import migrate
from mixshare.audit import service as audit
from mixshare.audit.models import AuditEntry
from mixshare.backup import BackupError, backup, restore
from mixshare.db import get_engine, session_scope
from mixshare.lines.models import Holiday
from mixshare.models import Base
from tests.conftest import ON_POSTGRES

# The tables the center fixture fills (a table added later is still compared row by row).
FILLED_TABLES = {
    "alembic_version", "api_token", "app_user", "audit_entry", "calendar", "changeover_rule",
    "compound", "compound_version", "downtime", "holiday", "ingredient", "line",
    "line_compound_stage", "line_stage", "login_failure", "material", "member", "orders", "plan",
    "plan_changeover", "plan_lot", "plan_unplanned", "shift", "tariff", "tariff_band",
    "web_session",
}  # fmt: skip
Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(url: str) -> Snapshot:
    """Every row of every table in the database, in primary-key order."""
    engine = create_engine(url, poolclass=NullPool)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        rows = {
            name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*(list(table.primary_key.columns) or table.columns))
                )
            ]
            for name, table in metadata.tables.items()
        }
    engine.dispose()
    return rows


def test_round_trip_keeps_every_row_of_every_table(
    center_url: str, empty_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "center.backup"
    written = backup(center_url, file)
    assert written.revision == migrate.known_revisions()[0]
    assert written.size_bytes == file.stat().st_size > 0

    restored = restore(empty_url, file)

    assert not restored.migrated
    before, after = snapshot(center_url), snapshot(empty_url)
    assert {name for name, rows in before.items() if rows} >= FILLED_TABLES
    assert set(after) == set(before)
    for name, rows in before.items():
        assert after[name] == rows, f"table {name} differs after the round trip"
    with session_scope(empty_url) as session:  # ids (PostgreSQL sequences) continue after the rows
        session.add(Holiday(day=date(2032, 1, 1), name="after restore"))
    get_engine(empty_url).dispose()


def test_restore_migrates_an_older_backup_to_head(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    older, target = new_database(), new_database()
    previous = migrate.known_revisions()[1]
    migrate.upgrade(older, revision=previous)
    with get_engine(older).begin() as connection:
        connection.execute(text("INSERT INTO holiday (day, name) VALUES ('2031-05-01', '劳动节')"))
    get_engine(older).dispose()
    file = tmp_path / "older.backup"
    assert backup(older, file).revision == previous

    restored = restore(target, file)

    assert restored.migrated and restored.revision == previous
    assert restored.head == migrate.known_revisions()[0]
    after = snapshot(target)
    assert after["alembic_version"] == [(restored.head,)]
    assert set(Base.metadata.tables) <= set(after)
    assert [row[1:3] for row in after["holiday"]] == [(date(2031, 5, 1), "劳动节")]  # day, name


def test_restore_refuses_a_database_holding_data_unless_forced(
    center_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "center.backup"
    backup(center_url, file)
    original = snapshot(center_url)
    with session_scope(center_url) as session:
        session.add(Holiday(day=date(2031, 12, 31), name="written after the backup"))
    get_engine(center_url).dispose()
    changed = snapshot(center_url)

    with pytest.raises(BackupError, match=r"holds data .*--force"):
        restore(center_url, file)
    assert snapshot(center_url) == changed

    restore(center_url, file, force=True)
    assert snapshot(center_url) == original


def _write_batches(url: str, stop: threading.Event, committed: list[int]) -> None:
    """Commit batches of three audit rows until told to stop: a consistent copy holds whole
    batches only."""
    batch = 0
    while not stop.is_set():
        batch += 1
        with session_scope(url) as session:
            for _ in range(3):
                audit.record(session, action="write", object_type="batch", object_id=batch)
        committed.append(batch)


def _batches(url: str) -> Counter[str | None]:
    with session_scope(url) as session:
        rows = session.execute(
            select(AuditEntry.object_id, func.count())
            .where(AuditEntry.object_type == "batch")
            .group_by(AuditEntry.object_id)
        ).all()
    get_engine(url).dispose()
    return Counter({object_id: count for object_id, count in rows})


def test_backup_while_another_thread_writes_is_consistent(
    center_url: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    stop, committed = threading.Event(), list[int]()
    writer = threading.Thread(target=_write_batches, args=(center_url, stop, committed))
    writer.start()
    try:
        while len(committed) < 3:
            threading.Event().wait(0.01)
        before, files = len(committed), list[Path]()
        while len(files) < 3 or (len(committed) - before < 5 and len(files) < 20):
            files.append(tmp_path / f"live-{len(files)}.backup")
            backup(center_url, files[-1])
        after = len(committed)
    finally:
        stop.set()
        writer.join()
    assert after - before >= 5, "the writer must have committed while the backups ran"
    for file in files:
        target = new_database()
        restore(target, file)
        batches = _batches(target)
        assert set(batches.values()) == {3}, f"{file.name} holds a partial batch"
        assert before <= len(batches) <= after + 1
        assert set(batches) == {str(n) for n in range(1, len(batches) + 1)}


def _corrupt(valid: bytes, kind: str) -> bytes:
    rng = random.Random(11)
    if kind == "truncated":
        return valid[: len(valid) // 2]
    if kind == "overwritten":  # a 4 KiB block in the middle replaced by noise
        middle = (len(valid) // 2) // 4096 * 4096
        return valid[:middle] + rng.randbytes(4096) + valid[middle + 4096 :]
    if kind == "noise":
        return rng.randbytes(50_000)
    if kind == "text":
        return b"id,name\n1,not a backup\n"
    if kind == "pg_magic_only":
        return b"PGDMP" + rng.randbytes(2_000)
    assert kind == "empty"
    return b""


def _foreign_sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("INSERT INTO notes (body) VALUES ('someone else''s database')")
        connection.commit()


def _from_the_future(valid: Path, url: str, tmp_path: Path) -> Path:
    """A backup of the center whose schema revision this code does not know."""
    with get_engine(url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    get_engine(url).dispose()
    future = tmp_path / "future.backup"
    backup(url, future)
    return future


BAD_FILES = {
    "empty": r"not a mixshare backup",
    "text": r"not a mixshare backup",
    "noise": r"not a mixshare backup",
    "truncated": r"damaged|not a readable|not a pg_dump archive|the database is unchanged",
    "overwritten": r"damaged|not a readable|not a pg_dump archive|the database is unchanged",
    "pg_magic_only": r"PostgreSQL \(pg_dump\) backup but the database is sqlite|not a pg_dump",
    "foreign_sqlite": r"not a mixshare database|SQLite backup but the database is postgresql",
    "future_revision": r"'9999_future', which this mixshare does not know",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_backup_file_is_refused_and_changes_nothing(
    kind: str, center_url: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    valid = tmp_path / "valid.backup"
    backup(center_url, valid)
    if kind == "future_revision":
        source = new_database()
        restore(source, valid)
        bad = _from_the_future(valid, source, tmp_path)
    elif kind == "foreign_sqlite":
        bad = tmp_path / "foreign.db"
        _foreign_sqlite(bad)
    else:
        bad = tmp_path / f"{kind}.backup"
        bad.write_bytes(_corrupt(valid.read_bytes(), kind))
    before = snapshot(center_url)

    with pytest.raises(BackupError, match=BAD_FILES[kind]) as refused:
        restore(center_url, bad, force=True)  # forced: only the checks stand in the way

    assert str(bad) in str(refused.value)
    assert snapshot(center_url) == before


def test_restore_into_a_wal_database_with_another_page_size(
    center_url: str, tmp_path: Path
) -> None:
    if ON_POSTGRES:
        pytest.skip("SQLite's page size")
    target = tmp_path / "wal.db"
    with closing(sqlite3.connect(target)) as connection:
        connection.execute("PRAGMA page_size=8192")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY)")
    file = tmp_path / "center.backup"
    backup(center_url, file)

    restore(f"sqlite:///{target}", file)

    assert snapshot(f"sqlite:///{target}") == snapshot(center_url)


def test_a_backup_over_the_database_itself_is_refused(center_url: str) -> None:
    if ON_POSTGRES:
        pytest.skip("a SQLite database file")
    path = Path(center_url.removeprefix("sqlite:///"))
    before = snapshot(center_url)
    with pytest.raises(BackupError, match="is the database itself"):
        backup(center_url, path)
    assert snapshot(center_url) == before


def test_a_failed_backup_leaves_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    file = tmp_path / "out.backup"
    with pytest.raises(BackupError, match="no SQLite database"):
        backup(f"sqlite:///{missing}", file)
    assert not file.exists() and not missing.exists()
    assert list(tmp_path.iterdir()) == []


needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL client tools")


def _fake_tool(directory: Path, name: str, version: str) -> None:
    """A stand-in for a client tool of another PostgreSQL version: it only tells its version."""
    tool = directory / name
    tool.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\nexit 1\n")
    tool.chmod(0o755)


@needs_postgres
def test_pg_dump_older_than_the_server_is_named_in_the_error(
    center_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_tool(tmp_path, "pg_dump", "9.6.24")
    monkeypatch.setenv("MIXSHARE_PG_BIN", str(tmp_path))
    file = tmp_path / "center.backup"
    with pytest.raises(BackupError, match=r"server is PostgreSQL 1\d but .*pg_dump is version 9"):
        backup(center_url, file)
    assert not file.exists()


@needs_postgres
def test_a_newer_archive_than_pg_restore_reads_is_named_in_the_error(
    center_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid = tmp_path / "center.backup"
    backup(center_url, valid)
    before = snapshot(center_url)
    _fake_tool(tmp_path, "pg_restore", "9.6.24")
    monkeypatch.setenv("MIXSHARE_PG_BIN", str(tmp_path))
    with pytest.raises(BackupError, match=r"not a pg_dump archive .*server is PostgreSQL 1\d"):
        restore(center_url, valid, force=True)
    assert snapshot(center_url) == before


@needs_postgres
def test_missing_client_tools_say_what_to_install(
    center_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_PG_BIN", str(tmp_path))  # an empty directory
    with pytest.raises(BackupError, match=r"pg_dump not found: install .*postgresql-client-1\d"):
        backup(center_url, tmp_path / "center.backup")


@needs_postgres
def test_restore_while_the_database_is_in_use_says_so_and_changes_nothing(
    center_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixshare.backup import postgres

    file = tmp_path / "center.backup"
    backup(center_url, file)
    before = snapshot(center_url)
    monkeypatch.setattr(postgres, "LOCK_WAIT_S", 1)
    app = create_engine(center_url, poolclass=NullPool)
    with app.connect() as busy:  # an app process in the middle of a transaction
        busy.execute(text("SELECT count(*) FROM orders"))
        with pytest.raises(BackupError, match=r"in use .* nothing was changed"):
            restore(center_url, file, force=True)
        busy.rollback()
    app.dispose()
    assert snapshot(center_url) == before
