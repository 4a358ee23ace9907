"""PostgreSQL: ``pg_dump -Fc`` for a backup (one consistent snapshot by design); a restore
streams ``pg_restore``'s SQL into one transaction on the target that also drops what was there
and migrates an older backup to head, so it completes or changes nothing.

The client tools are ``MIXSHARE_PG_BIN``/<tool>, else Debian's tools of the server's major
version (/usr/lib/postgresql/<major>/bin), else the PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
import psycopg.errors
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from mixshare import migrate
from mixshare.backup.checks import (
    VERSION_TABLE,
    BackupError,
    check_known,
    refuse_if_holds_data,
    written_atomically,
)
from mixshare.settings import pg_bin_dir

COPY_END = b"\\.\n"
LOCK_WAIT_S = 30


@dataclass(frozen=True)
class Tool:
    path: str
    major: int

    def mismatch(self, server_major: int) -> str:
        """A sentence for error messages when the tool and the server differ."""
        if self.major == server_major:
            return ""
        return (
            f" Note: the server is PostgreSQL {server_major} but {self.path} is version "
            f"{self.major}; use the client tools of version {server_major} (Debian: apt-get "
            f"install postgresql-client-{server_major}, or set MIXSHARE_PG_BIN to their bin)."
        )


def backup(url: str, file: Path) -> str:
    """``pg_dump -Fc`` of the database at ``url`` into ``file``; the schema revision it holds."""
    engine = _engine(url)
    try:
        server = _server_major(engine)
        revision = _database_revision(engine)
    finally:
        engine.dispose()
    tool = _tool("pg_dump", server)
    if tool.major < server:
        raise BackupError(f"pg_dump cannot dump a newer server.{tool.mismatch(server)}")
    uri, env = _libpq(url)
    with written_atomically(file) as partial:
        done = subprocess.run(
            [tool.path, "--format=custom", f"--file={partial}", f"--dbname={uri}"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}{tool.mismatch(server)}")
    return revision


def restore(url: str, file: Path, *, force: bool) -> str:
    """Replace everything in the database at ``url`` with the archive ``file``."""
    engine = _engine(url)
    try:
        server = _server_major(engine)
        tool = _tool("pg_restore", server)
        revision = _archive_revision(tool, file, server)
        check_known(revision, file)
        with engine.connect() as connection, connection.begin():
            if not force:
                refuse_if_holds_data(connection, f"the database {make_url(url).database}")
            _drop_everything(connection)
            _load(connection, tool, file, server)
            connection.execute(text("RESET search_path"))  # pg_restore's script empties it
            _upgrade(connection, file, revision)
    finally:
        engine.dispose()
    return revision


def _upgrade(connection: Connection, file: Path, revision: str) -> None:
    if revision == migrate.known_revisions()[0]:
        return
    try:
        migrate.upgrade_within(connection)
    except DBAPIError as exc:
        raise BackupError(
            f"migrating {file} from schema revision {revision!r} failed, the database is "
            f"unchanged: {exc.orig}"
        ) from exc


def _engine(url: str) -> Engine:
    """A private engine: the restore changes session settings that must not reach a pool."""
    return create_engine(url, poolclass=NullPool)


def _server_major(engine: Engine) -> int:
    try:
        with engine.connect() as connection:
            number = connection.execute(text("SHOW server_version_num")).scalar_one()
    except DBAPIError as exc:
        raise BackupError(f"cannot connect to the database: {exc.orig}") from exc
    return int(number) // 10000


def _database_revision(engine: Engine) -> str:
    with engine.connect() as connection:
        exists = connection.execute(text("SELECT to_regclass(:t)"), {"t": VERSION_TABLE}).scalar()
        revision = (
            connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
            if exists
            else None
        )
    if revision is None:
        raise BackupError("the database is not a mixshare database (it has no schema revision)")
    return str(revision)


def _tool(name: str, server_major: int) -> Tool:
    configured = pg_bin_dir()
    candidates = (
        [configured / name]
        if configured
        else [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"), shutil.which(name)]
    )
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Tool(str(candidate), _tool_major(str(candidate)))
    raise BackupError(
        f"{name} not found: install the PostgreSQL {server_major} client tools (Debian: "
        f"apt-get install postgresql-client-{server_major}) or set MIXSHARE_PG_BIN to their bin"
    )


def _tool_major(path: str) -> int:
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"\(PostgreSQL\) (\d+)", version.stdout)
    if found is None:
        raise BackupError(f"{path} --version did not say its PostgreSQL version: {version.stdout}")
    return int(found.group(1))


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL for libpq, with the password in the environment rather than the command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _archive_revision(tool: Tool, file: Path, server: int) -> str:
    listed = _pg_restore(tool, "--list", str(file))
    if listed.returncode != 0:
        raise BackupError(
            f"{file} is not a pg_dump archive that {tool.path} (PostgreSQL {tool.major}) can "
            f"read: {listed.stderr.strip()}{tool.mismatch(server)}"
        )
    data = _pg_restore(tool, "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(file))
    lines = iter(data.stdout.splitlines())
    for line in lines:
        if line.startswith("COPY ") and f"{VERSION_TABLE} " in line:
            revision = next(lines, "\\.")
            if revision != "\\.":
                return revision
    raise BackupError(f"{file} is not a mixshare backup (it has no schema revision)")


def _pg_restore(tool: Tool, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool.path, *arguments], capture_output=True, text=True, check=False)


def _drop_everything(connection: Connection) -> None:
    """Empty the current schema (in the restore's transaction), keeping the schema itself and
    its privileges: views, tables (with their owned sequences), sequences, enum types."""
    objects = connection.execute(
        text(
            "SELECT kind, name FROM ("
            " SELECT CASE c.relkind WHEN 'v' THEN 1 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END,"
            "  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'"
            "   WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname"
            " FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
            "  AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            " UNION ALL SELECT 4, 'TYPE', t.typname FROM pg_type t"
            " WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype = 'e'"
            ") AS o(rank, kind, name) ORDER BY rank, name"
        )
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    # a process still using the database holds locks that DROP would wait for without end
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_S}s'"))
    try:
        for kind, name in objects:
            connection.execute(text(f"DROP {kind} IF EXISTS {quote(name)} CASCADE"))
    except DBAPIError as exc:
        if isinstance(exc.orig, psycopg.errors.LockNotAvailable):
            raise BackupError(
                f"the database is in use (waited {LOCK_WAIT_S} s for its tables): stop the web "
                "processes and workers, then restore again; nothing was changed"
            ) from exc
        raise


def _load(connection: Connection, tool: Tool, file: Path, server: int) -> None:
    """Run pg_restore's SQL script on ``connection``; its COPY blocks go through psycopg's COPY."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [tool.path, "--no-owner", "--no-acl", "--file=-", str(file)],
            stdout=subprocess.PIPE, stderr=errors,
        )  # fmt: skip
        try:
            _run_script(cursor, _lines(process.stdout))
        except (psycopg.Error, BackupError) as exc:
            raise _failed(file, str(exc), tool, server) from exc
        finally:
            process.stdout.close()  # type: ignore[union-attr]
            returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            raise _failed(file, errors.read().decode(errors="replace").strip(), tool, server)


def _lines(stream: IO[bytes] | None) -> Iterator[bytes]:
    assert stream is not None
    yield from stream


def _run_script(cursor: Any, lines: Iterator[bytes]) -> None:
    """Statements are sent in chunks up to each COPY; each COPY's data rows are streamed.

    pg_restore writes a COPY statement on a line of its own and its data until a line ``\\.``
    (a data row can never be ``\\.``: COPY's text format escapes backslashes).
    """
    statements: list[str] = []
    for line in lines:
        decoded = line.decode()
        if decoded.startswith("\\"):
            _check_meta_command(decoded)
        elif decoded.startswith("COPY ") and decoded.rstrip().endswith("FROM stdin;"):
            _execute(cursor, statements)
            statements = []
            with cursor.copy(decoded.rstrip().removesuffix(";")) as copy:
                for row in lines:
                    if row == COPY_END:
                        break
                    copy.write(row)
        else:
            statements.append(decoded)
    _execute(cursor, statements)


def _check_meta_command(line: str) -> None:
    """pg_restore fences its script with psql's ``\\restrict KEY`` / ``\\unrestrict KEY`` (so
    that psql runs no other meta-command from it); nothing here runs meta-commands at all, and
    any other one means a script that was tampered with."""
    if line.split(maxsplit=1)[0] not in ("\\restrict", "\\unrestrict"):
        raise BackupError(f"the archive's script holds a psql command: {line.strip()[:80]!r}")


def _execute(cursor: Any, statements: list[str]) -> None:
    script = "".join(statements)
    if script.strip():
        cursor.execute(script)  # no parameters: psycopg sends several statements at once


def _failed(file: Path, reason: str, tool: Tool, server: int) -> BackupError:
    return BackupError(
        f"restoring {file} failed, the database is unchanged: {reason}{tool.mismatch(server)}"
    )
