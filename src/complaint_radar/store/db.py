"""The one engine and session factory: SQLite (WAL) under data_dir by default, PostgreSQL via psycopg 3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from complaint_radar.errors import ConfigurationError
from complaint_radar.settings import Settings, get_settings

SQLITE_FILE_NAME = "complaint_radar.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_BEGIN_OPTION = "complaint_radar_sqlite_begin"

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
)


def default_database_url(settings: Settings | None = None) -> str:
    """`Settings.database_url`, or a SQLite file `<data_dir>/complaint_radar.db`."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(settings.data_dir) / SQLITE_FILE_NAME}"


def normalize_url(url: str | URL) -> URL:
    """Parse `url`; a bare `postgresql://` or `postgres://` URL gets the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"database URL {url!r} is not a SQLAlchemy URL; use sqlite:///path/file.db "
            "or postgresql+psycopg://user:password@host:5432/dbname (COMPLAINT_RADAR_DATABASE_URL)"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"database backend {parsed.get_backend_name()!r} is not supported; use sqlite or postgresql"
        )
    return parsed


def make_engine(url: str | URL | None = None, *, settings: Settings | None = None, **kwargs: Any) -> Engine:
    """An Engine for `url` (default: `default_database_url()`). Dispose it when done.

    SQLite files get their directory created and WAL, foreign keys, synchronous=NORMAL and a busy
    timeout on every connection; SQLAlchemy, not the sqlite3 module, emits BEGIN, so DDL (migrations)
    and savepoints are transactional as on PostgreSQL. JSON is written as UTF-8 text (no \\u escapes).
    """
    parsed = normalize_url(url if url is not None else default_database_url(settings))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"json_serializer": dump_json}
    if parsed.get_backend_name() == "postgresql":
        options["pool_pre_ping"] = True
    options.update(kwargs)
    engine = create_engine(parsed, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin_sqlite)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit (expire_on_commit=False)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """A unit of work: commit when the block succeeds, roll back when it raises, always close.

    `write=True` for a unit that reads and then writes while other connections may write too: on
    SQLite its transaction takes the write lock at BEGIN (`BEGIN IMMEDIATE`, waiting up to the busy
    timeout), so a write committed elsewhere after this unit's first read cannot fail it with
    "database is locked" (a stale WAL snapshot cannot be upgraded). PostgreSQL needs nothing.
    """
    session = factory()
    try:
        if write and session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for the session's backend, so `.on_conflict_do_nothing()` works on both."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


STATISTICS_MIN_NEW_ROWS = 10_000
"""A run that stores at least this many new items refreshes the planner's statistics afterwards."""


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE: the query planner's statistics of every table and index. SQLite never gathers them by
    itself, and without them it cannot tell a selective index (a branch) from a coarse one (a region):
    at a million messages a view filtered by both read the coarse one, 5× slower. About 13 s per
    million messages on SQLite; PostgreSQL's autovacuum also runs it, this only makes it current now."""
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def dump_json(value: Any) -> str:
    """How JSON columns are written: compact UTF-8 text (Chinese stays readable)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own implicit BEGIN skips DDL; `_begin_sqlite` takes over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _begin_sqlite(connection: Any) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())
