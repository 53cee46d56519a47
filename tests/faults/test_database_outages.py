"""The database goes away: PostgreSQL stopped and started again during API traffic and during ingestion,
SQLite's disk full, a read-only SQLite database. Each time: a clear error (503 on the API), nothing
half-written, recovery by itself, and a rerun that completes the work."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from consistency import assert_consistent
from sqlalchemy import Engine, event, func, select

from complaint_radar import Analyzer
from complaint_radar.api import create_app
from complaint_radar.api.testing import LiveServer
from complaint_radar.demo import demo_messages_path, load_demo_messages
from complaint_radar.services.access import issue_key
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.services.intake.ingest_file import ingest_file
from complaint_radar.services.intake.ingest_rows import ItemKind
from complaint_radar.services.runtime import database_unavailable
from complaint_radar.settings import Settings
from complaint_radar.store import Message, make_engine, make_session_factory, session_scope
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.testing import PostgresCluster, running_cluster
from complaint_radar.types import Role

pytestmark = pytest.mark.slow
T0 = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


@pytest.fixture()
def own_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of this test's own: stopping it disturbs no other test."""
    with running_cluster() as cluster:
        yield cluster


def _rows(start: int, n: int) -> list[dict[str, Any]]:
    at = T0.isoformat()
    return [
        {
            "message_id": f"m{i}",
            "customer_id": f"c{i % 7}",
            "occurred_at": at,
            "text": "十天了还没发货,我要投诉!",
        }
        for i in range(start, start + n)
    ]


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Message)).scalar_one())


def test_api_answers_503_while_postgresql_is_down_and_recovers_by_itself(
    own_cluster: PostgresCluster, analyzer: Analyzer
) -> None:
    url = own_cluster.url(own_cluster.create_database())
    upgrade(url)
    engine = make_engine(url)  # the server's own pool: pre-ping finds the dead connections
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        key = issue_key(session, username="ops", role=Role.ADMIN, now=T0).raw_key
    app = create_app(Settings(sla_check_interval_s=0, api_key_cache_s=0), sessions, analyzer=analyzer)
    headers = {"X-API-Key": key}
    try:
        with (
            LiveServer(app) as server,
            httpx.Client(base_url=server.url, headers=headers, timeout=60) as client,
        ):

            def send(start: int) -> httpx.Response:
                return client.post("/v1/messages", json={"items": _rows(start, 10)})

            assert send(0).status_code == 200
            own_cluster.pause()
            for down in (send(10), client.get("/v1/cases"), client.get("/v1/messages")):
                assert down.status_code == 503, down.text
                error = down.json()["error"]
                assert error["type"] == "unavailable" and "database" in error["message"]
                assert "SELECT" not in error["message"] and int(down.headers["Retry-After"]) > 0
            assert client.get("/readyz").status_code == 503
            assert client.post("/v1/assess", json={"text": "还没发货"}).status_code == 503  # the key lookup
            own_cluster.resume()
            deadline = time.monotonic() + 60
            while (answer := send(10)).status_code != 200:
                assert time.monotonic() < deadline, f"no recovery: {answer.text}"
                time.sleep(0.5)
            assert answer.json()["new"] == 10, "the batch refused while down was not half-written"
            assert send(20).json()["new"] == 10 and send(10).json()["duplicates"] == 10
        assert _count(engine) == 30
    finally:
        engine.dispose()


def test_ingestion_survives_a_postgresql_restart_with_a_rerun(
    own_cluster: PostgresCluster, analyzer: Analyzer
) -> None:
    url = own_cluster.url(own_cluster.create_database())
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    ingestor = Ingestor(sessions, Assessor(analyzer), item_time=True)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            ingest_file(ingestor, demo_messages_path(), ItemKind.MESSAGE, chunk_rows=10)
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    while _count(engine) < 30:
        assert worker.is_alive(), f"ingestion ended before the restart: {failure}"
        time.sleep(0.05)
    own_cluster.pause()
    worker.join(timeout=300)
    assert failure, "ingestion did not notice the database going away"
    problem = database_unavailable(failure[0])
    assert problem is not None and "unreachable or restarting" in problem, failure[0]
    own_cluster.resume()
    try:
        ingest_file(ingestor, demo_messages_path(), ItemKind.MESSAGE, chunk_rows=10)  # pre-ping reconnects
        assert_consistent(url, len(load_demo_messages()))
    finally:
        engine.dispose()


def _sqlite_copy(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    shutil.copyfile(sqlite_template, path)
    return path


def _with_pragma(path: Path, pragma: str) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda connection, _record: connection.execute(pragma))
    return engine


def _integrity(path: Path) -> str:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("PRAGMA integrity_check").scalar_one())
    finally:
        engine.dispose()


def test_sqlite_disk_full_is_a_clear_error_without_corruption(
    sqlite_template: Path, tmp_path: Path, analyzer: Analyzer
) -> None:
    """The disk is SQLite's own limit (PRAGMA max_page_count): a few pages past the empty schema."""
    path = _sqlite_copy(sqlite_template, tmp_path)
    with make_engine(f"sqlite:///{path}").connect() as connection:
        pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())
    full = _with_pragma(path, f"PRAGMA max_page_count = {pages + 40}")
    assessor = Assessor(analyzer)
    with pytest.raises(Exception) as raised:
        ingest_file(Ingestor(make_session_factory(full), assessor, item_time=True), demo_messages_path(),
                    ItemKind.MESSAGE, chunk_rows=10)  # fmt: skip
    problem = database_unavailable(raised.value)
    assert problem is not None and "disk is full" in problem, raised.value
    stored = _count(full)
    full.dispose()
    assert stored % 10 == 0, "a chunk is all or nothing"
    assert _integrity(path) == "ok"
    roomy = make_engine(f"sqlite:///{path}")
    try:
        ingest_file(Ingestor(make_session_factory(roomy), assessor, item_time=True), demo_messages_path(),
                    ItemKind.MESSAGE, chunk_rows=10)  # fmt: skip
    finally:
        roomy.dispose()
    assert_consistent(f"sqlite:///{path}", len(load_demo_messages()))


def test_a_read_only_sqlite_database_is_a_clear_error_and_stays_intact(
    sqlite_template: Path, tmp_path: Path, analyzer: Analyzer
) -> None:
    """Read-only is SQLite's own switch (PRAGMA query_only): tests may run as root, whom modes don't stop."""
    path = _sqlite_copy(sqlite_template, tmp_path)
    read_only = _with_pragma(path, "PRAGMA query_only = ON")
    try:
        with pytest.raises(Exception) as raised:
            Ingestor(make_session_factory(read_only), Assessor(analyzer)).ingest_messages(_rows(0, 5))
        problem = database_unavailable(raised.value)
        assert problem is not None and "read-only" in problem, raised.value
        assert _count(read_only) == 0
    finally:
        read_only.dispose()
    assert _integrity(path) == "ok"


def test_when_the_database_fails_the_cli_says_so_in_one_line(run_cli: Any, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")  # the data directory would have to be inside a file
    code, output = run_cli("db", "upgrade", "--database-url", f"sqlite:///{blocked}/sub/store.db")
    assert code in (1, 2) and "Traceback" not in output and len(output.strip().splitlines()) == 1, output
    assert str(blocked) in output, output
