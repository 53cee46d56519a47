"""What a long-running interface needs from the store: open the database, units of work, readiness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
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
