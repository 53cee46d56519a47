"""What a long-running interface needs from the store: open the database, units of work, readiness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from complaint_radar.settings import Settings, get_settings
from complaint_radar.store import make_engine, make_session_factory, session_scope
from complaint_radar.store.migrate import current_revision, head_revision, upgrade

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware; tests pass a frozen one."""

SessionFactory = sessionmaker[Session]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Database:
    """An engine and its session factory; `close()` releases the connections."""

    engine: Engine
    sessions: SessionFactory

    def close(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    """The configured database (COMPLAINT_RADAR_DATABASE_URL, else SQLite under data_dir), migrated
    to the newest schema unless `migrate` is False."""
    engine = make_engine(settings=settings or get_settings())
    try:
        if migrate:
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine=engine, sessions=make_session_factory(engine))


@contextmanager
def unit_of_work(sessions: SessionFactory, *, write: bool = False) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises; `write=True` when
    it will write (see `store.session_scope`)."""
    with session_scope(sessions, write=write) as session:
        yield session


def database_problem(sessions: SessionFactory) -> str | None:
    """None when the database answers and its schema is the newest; else what is wrong and how to fix it."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        return "the session factory is not bound to an engine"
    try:
        with bind.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(bind)
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(exc).__name__}"
    if revision != head_revision():
        return (
            f"database schema is at revision {revision or 'none'}, not {head_revision()}; "
            "run `python -m complaint_radar.store.migrate upgrade`"
        )
    return None


# What the database said, lower-cased, and what it means for the user; first match wins.
_DATABASE_TROUBLE = (
    ("database or disk is full", "the database's disk is full; free space (or raise its quota) and retry"),
    ("no space left", "the database's disk is full; free space (or raise its quota) and retry"),
    ("could not extend file", "the database's disk is full; free space (or raise its quota) and retry"),
    ("readonly database", "the database is read-only; make the data directory and its files writable"),
    ("read-only", "the database is read-only; make the data directory and its files writable"),
    ("unable to open database file", "cannot open the SQLite file; check that the data directory exists "
     "and is writable (COMPLAINT_RADAR_DATA_DIR)"),
    ("database is locked", "the SQLite database stayed locked by another process; retry, or use "
     "PostgreSQL for many concurrent writers"),
    ("disk i/o error", "the disk failed reading or writing the database; check the disk and retry"),
)  # fmt: skip


def database_unavailable(exc: BaseException) -> str | None:
    """What is wrong, and what to do, when `exc` says the database cannot be used right now (down or
    unreachable, restarting, full, read-only, locked, pool exhausted); None for any other error.

    The failed transaction was rolled back, so nothing of it was written: the caller may simply retry.
    The message names no SQL and no parameters (they may hold customer text).
    """
    if isinstance(exc, PoolTimeoutError):
        return "every database connection is busy; retry shortly (or raise the pool size)"
    if not isinstance(exc, DBAPIError):
        return None
    if not (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)):
        return None
    detail = " ".join(str(exc.orig).split())[:300]
    lowered = detail.lower()
    meaning = next((m for needle, m in _DATABASE_TROUBLE if needle in lowered), None)
    if meaning is None:
        meaning = (
            "the database is unreachable or restarting; check that it runs and that "
            "COMPLAINT_RADAR_DATABASE_URL points at it, then retry"
        )
    return f"{meaning} (database said: {detail})"
