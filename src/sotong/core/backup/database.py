"""Dumping and loading the database, with the row counts and audit chain head of the very state
that was dumped.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the counts and the head are read
in it and `pg_dump --snapshot` dumps exactly that state, however busy the install is. Loading is
`pg_restore --no-owner --no-privileges --exit-on-error` into an empty database.
SQLite: the online backup API copies the file consistently (safe while sotong runs); the counts
and head are read from the copy. Loading puts the copy in place of an absent or empty file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class DatabaseToolError(Exception):
    """pg_dump or pg_restore failed; the message holds their own words."""


@dataclass
class Snapshot:
    vendor: str
    counts: dict[str, int]
    audit_head: tuple[int, str] | None


def _audit_table() -> str:
    from sotong.core.audit.models import AuditChainHead

    return AuditChainHead._meta.db_table


def _read_state(cursor, tables: list[str], quote) -> tuple[dict[str, int], tuple[int, str] | None]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - introspected names
        counts[table] = cursor.fetchone()[0]
    head = None
    if _audit_table() in tables:
        cursor.execute(f"SELECT seq, hash FROM {quote(_audit_table())} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
        head = (int(row[0]), row[1]) if row else None
    return counts, head


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment for the default database; the password goes in the
    environment, never on a command line other users can read."""
    conf = connection.settings_dict
    args = []
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    env = {**os.environ}
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    sslmode = (conf.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise DatabaseToolError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def dump(target: Path) -> Snapshot:
    """Dump the default database into `target` (a file name from DUMP_NAMES)."""
    if connection.vendor == "postgresql":
        return _dump_postgresql(target)
    if connection.vendor == "sqlite":
        return _dump_sqlite(target)
    raise DatabaseToolError(f"backups of {connection.vendor} databases are not supported")


def _dump_postgresql(target: Path) -> Snapshot:
    args, env = _pg_environment()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        tables = connection.introspection.table_names(cursor)
        counts, head = _read_state(cursor, tables, quote)
        # The exporting transaction stays open until pg_dump has taken the snapshot (and
        # longer: it ends when this block does).
        _run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot_id}",
                f"--file={target}",
                str(connection.settings_dict["NAME"]),
            ],
            env,
        )
    return Snapshot("postgresql", counts, head)


def _sqlite_path() -> Path:
    return Path(connection.settings_dict["NAME"])


def _dump_sqlite(target: Path) -> Snapshot:
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [name for (name,) in cursor.fetchall() if not name.startswith("sqlite_")]
        counts, head = _read_state(cursor, tables, connection.ops.quote_name)
        # One self-contained file: no -wal or -shm beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    return Snapshot("sqlite", counts, head)


def is_empty() -> bool:
    """Whether the default database holds no table at all (what a restore goes into)."""
    return not connection.introspection.table_names()


def load(source: Path, vendor: str) -> None:
    """Load a dump of `vendor` into the default database, which must be empty."""
    if vendor != connection.vendor:
        raise DatabaseToolError(
            f"this backup is of a {vendor} database; DATABASE_URL names a {connection.vendor} one"
        )
    if vendor == "postgresql":
        args, env = _pg_environment()
        name = str(connection.settings_dict["NAME"])
        connection.close()
        _run(
            [
                "pg_restore",
                *args,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={name}",
                str(source),
            ],
            env,
        )
        return
    path = _sqlite_path()
    connection.close()
    partial = path.with_name(path.name + ".restoring")
    shutil.copyfile(source, partial)
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(partial, path)


def current_state() -> tuple[dict[str, int], tuple[int, str] | None]:
    """The row counts and audit head of the default database as it is now."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return _read_state(cursor, tables, connection.ops.quote_name)
