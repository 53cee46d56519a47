"""Shared fixtures: one Analyzer for the session (loading models once); SQLite/PostgreSQL databases."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cli_runner import CliRunner
from complaint_radar import Analyzer
from complaint_radar.store import make_engine, make_session_factory
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.testing import PostgresCluster, PostgresUnavailableError, start_cluster
from complaint_radar.stream.testing import RedisServer, RedisUnavailableError, start_redis

# No per-example time limit: speed is measured in bench/, and on a shared 2-core machine a first example
# that loads the lexicons can pass Hypothesis' default 200 ms deadline (a failure that says nothing).
settings.register_profile("complaint_radar", deadline=None)
settings.load_profile("complaint_radar")


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="session")
def chat_rank(analyzer: Analyzer) -> Callable[[str], int]:
    """The stage rank (0 none … 4 formal complaint) a chat message is read at."""
    return lambda text: analyzer.assess(text, channel="chat").stage.rank


# Databases for the storage tests: every test that asks for `db_url` runs once on SQLite and once on
# a throwaway PostgreSQL server (one per xdist worker), each time on a fresh, migrated database.


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server for this test process; missing binaries fail the tests (never skip)."""
    try:
        cluster = start_cluster()
    except PostgresUnavailableError as exc:
        pytest.fail(f"PostgreSQL tests cannot run: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PostgresCluster) -> str:
    """A migrated database that each PostgreSQL test database is copied from."""
    name = pg_cluster.create_database("complaint_radar_template")
    upgrade(pg_cluster.url(name))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite_template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a fresh, empty (never migrated) database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database()
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a fresh database migrated to head."""
    if request.param == "sqlite":
        path = tmp_path / "complaint_radar.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database(template=request.getfixturevalue("pg_template"))
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture()
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def db_session(db_engine: Engine) -> Iterator[Session]:
    with make_session_factory(db_engine)() as session:
        yield session


@pytest.fixture()
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of the test's own on a free loopback port; a missing binary fails (never skips)."""
    try:
        server = start_redis()
    except RedisUnavailableError as exc:
        pytest.fail(f"Redis tests cannot run: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture()
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run `complaint-radar ARGS…` in this process (no interpreter start-up): (exit status, stderr + stdout).

    The process-wide logger stays as it is (`main` would configure it for the rest of the session)."""
    from complaint_radar.cli import main as cli_main

    monkeypatch.setattr(cli_main, "configure_logging", lambda: None)

    def run(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exited:
            cli_main.main(list(args))
        captured = capsys.readouterr()
        code = exited.value.code
        return (code if isinstance(code, int) else 1), captured.err + captured.out

    return run
