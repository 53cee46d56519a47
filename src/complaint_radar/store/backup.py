"""Back up and restore the store: SQLite through its online backup API, PostgreSQL through pg_dump/pg_restore.

Both are consistent while the server runs: SQLite's backup API copies one snapshot (WAL readers and
writers carry on), pg_dump reads inside one repeatable-read transaction. `fingerprint` (rows and a
checksum per table) is how a restore is checked against what was backed up.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, MetaData, Table, func, select
from sqlalchemy.engine import URL

from complaint_radar.errors import ConfigurationError, InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
BINDIR_ENV = "COMPLAINT_RADAR_PG_BINDIR"


@dataclass(frozen=True, slots=True)
class TableFingerprint:
    rows: int
    checksum: str


def fingerprint(engine: Engine) -> dict[str, TableFingerprint]:
    """Rows and a SHA-256 over every row (in primary-key order) of each table, alembic_version included."""
    metadata = MetaData()
    metadata.reflect(engine)
    found: dict[str, TableFingerprint] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            digest = hashlib.sha256()
            rows = 0
            for row in connection.execute(select(table).order_by(*_order(table))):
                digest.update(repr(tuple(row)).encode("utf-8"))
                rows += 1
            found[table.name] = TableFingerprint(rows, digest.hexdigest())
    return found


def _order(table: Table) -> list[Column[Any]]:
    return list(table.primary_key.columns) or list(table.columns)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table (cheap: no checksums)."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            t.name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
        }


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the database behind `engine` to the new file `target`."""
    if target.exists():
        raise InputError(f"{target} exists; give a new file name (a backup never overwrites)")
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: directory {target.parent} does not exist; create it first")
    staged = target.with_name(f".{target.name}.partial")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(_sqlite_path(engine.url), staged)
        else:
            _run_pg_tool("pg_dump", ["--format=custom", "--no-owner", "--file", str(staged)], engine.url)
        staged.replace(target)
    finally:
        staged.unlink(missing_ok=True)


def restore(engine: Engine, source: Path) -> None:
    """Replace the contents of the database behind `engine` with the backup `source` (from `backup`)."""
    kind = backup_kind(source)
    backend = engine.dialect.name
    if kind != backend:
        raise InputError(
            f"{source} is a {kind} backup but the database is {backend}; restore it into a {kind} database "
            "(moving between backends is not supported)"
        )
    if backend == "sqlite":
        _check_sqlite(source)
        engine.dispose()  # no pooled connection may hold the old pages
        _sqlite_backup(source, _sqlite_path(engine.url))
    else:
        arguments = ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)]
        _run_pg_tool("pg_restore", arguments, engine.url, database_flag="--dbname")


def backup_kind(path: Path) -> str:
    """`sqlite` or `postgresql`, from the file's first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise InputError(f"backup {path} not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory; give the backup file") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise InputError(f"{path} is not a Complaint Radar backup (neither a SQLite file nor a pg_dump archive)")


def _sqlite_path(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise InputError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database).expanduser()


def _sqlite_backup(source: Path, target: Path) -> None:
    """Copy with SQLite's online backup API (one consistent snapshot), then check the copy."""
    if not source.exists():
        raise InputError(f"the database file {source} does not exist; check COMPLAINT_RADAR_DATA_DIR")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _sqlite(source, read_only=True) as origin, _sqlite(target) as copy:
        origin.backup(copy)
    _check_sqlite(target)


def _check_sqlite(path: Path) -> None:
    with _sqlite(path, read_only=True) as connection:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()
        tables = {
            name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    if verdict is None or verdict[0] != "ok":
        raise InputError(f"{path} fails SQLite's integrity check ({verdict}); use another backup")
    if "alembic_version" not in tables:
        raise InputError(f"{path} is a SQLite file but not a Complaint Radar database (no alembic_version)")


@contextlib.contextmanager
def _sqlite(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise InputError(f"cannot open {path}: {exc}") from None
    try:
        yield connection
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: {exc}") from None
    finally:
        connection.close()


def _run_pg_tool(tool: str, arguments: list[str], url: URL, *, database_flag: str = "--dbname") -> None:
    """Run pg_dump/pg_restore against `url`; the password travels in the environment, never argv."""
    command = [
        str(find_pg_tool(tool)),
        *(["--host", url.host] if url.host else []),
        *(["--port", str(url.port)] if url.port else []),
        *(["--username", url.username] if url.username else []),
        "--no-password",
        database_flag,
        str(url.database or "postgres"),
        *arguments,
    ]
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=environment, check=False, timeout=None
        )
    except OSError as exc:
        raise ConfigurationError(f"cannot run {tool}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[:600]
        raise ConfigurationError(f"{tool} failed (exit {done.returncode}): {detail}")


def find_pg_tool(name: str) -> Path:
    """A PostgreSQL program from $COMPLAINT_RADAR_PG_BINDIR, Debian's newest version, or PATH."""
    for bindir in pg_bindirs():
        if (bindir / name).is_file():
            return bindir / name
    raise ConfigurationError(
        f"{name} not found in ${BINDIR_ENV}, /usr/lib/postgresql/*/bin or PATH; install the PostgreSQL "
        "client of your server's version (Debian: `apt-get install postgresql-client`)"
    )


def pg_bindirs() -> list[Path]:
    """Where PostgreSQL programs may be, in order of preference."""
    candidates: list[Path] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(Path(os.environ[BINDIR_ENV]))
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates += [Path(p) for p in debian]
    for program in ("pg_dump", "initdb"):
        if found := shutil.which(program):
            candidates.append(Path(found).resolve().parent)
    return candidates


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())
