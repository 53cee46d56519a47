"""Backups: `complaint-radar backup` / `restore` round-trip every row on SQLite and PostgreSQL (rows and a
checksum per table), a SQLite backup taken while writers run is consistent, and mistakes get clear errors."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from cli_runner import CliRunner
from complaint_radar import Analyzer
from complaint_radar.demo import load_demo_messages
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.store import (
    Event,
    Message,
    NewEvent,
    NewMessage,
    ensure_customers,
    insert_events,
    insert_messages,
    make_engine,
    make_session_factory,
)
from complaint_radar.store.backup import backup, fingerprint, restore
from complaint_radar.store.testing import PostgresCluster

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def populate(engine: Engine, analyzer: Analyzer, rows: int = 60) -> None:
    """Messages, events, profiles, cases and their audit trail, as ingestion writes them."""
    ingestor = Ingestor(make_session_factory(engine), Assessor(analyzer), item_time=True)
    ingestor.ingest_messages(load_demo_messages()[:rows])


def test_backup_and_restore_bring_back_every_row(
    db_url: str, analyzer: Analyzer, tmp_path: Path, run_cli: CliRunner
) -> None:
    engine = make_engine(db_url)
    try:
        populate(engine, analyzer)
        before = fingerprint(engine)
        assert before["messages"].rows == 60 and before["audit_events"].rows > 0 and before["cases"].rows > 0
        target = tmp_path / "store.backup"
        code, output = run_cli("backup", str(target), "--database-url", db_url)
        assert code == 0 and "60 messages" in output, output
        populate(engine, analyzer, rows=80)  # 20 more after the backup, which the restore takes away
        assert fingerprint(engine)["messages"].rows == 80
        code, output = run_cli("restore", str(target), "--database-url", db_url)
        assert code == 2 and "--force" in output and "80 messages" in output, output
        code, output = run_cli("restore", str(target), "--force", "--database-url", db_url)
        assert code == 0, output
        engine.dispose()
        assert fingerprint(engine) == before
    finally:
        engine.dispose()


def test_a_postgresql_backup_restores_into_a_new_database(
    pg_cluster: PostgresCluster, pg_template: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    source = pg_cluster.create_database(template=pg_template)
    target = pg_cluster.create_database()
    engines = [make_engine(pg_cluster.url(source)), make_engine(pg_cluster.url(target))]
    try:
        populate(engines[0], analyzer, rows=30)
        archive = tmp_path / "pg.dump"
        backup(engines[0], archive)
        assert archive.read_bytes().startswith(b"PGDMP")
        restore(engines[1], archive)
        assert fingerprint(engines[1]) == fingerprint(engines[0])
    finally:
        for engine in engines:
            engine.dispose()
        pg_cluster.drop_database(source)
        pg_cluster.drop_database(target)


def test_a_sqlite_backup_taken_while_writers_run_is_consistent(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_session_factory(engine)
    stop = threading.Event()
    written = 0

    def writer() -> None:
        """Each transaction adds one message and one event: a consistent copy has as many of each."""
        nonlocal written
        while not stop.is_set():
            with sessions.begin() as session:
                ensure_customers(session, ["c1"])
                at = T0 + timedelta(seconds=written)
                message = NewMessage("load", f"m{written}", "chat", "还没发货", at, customer_id="c1")
                insert_messages(session, [message])
                insert_events(session, [NewEvent("load", f"e{written}", "c1", "page_visit", at)])
            written += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        for i in range(5):
            while written < 20 * (i + 1):
                stop.wait(0.01)
            copy = tmp_path / f"copy{i}.db"
            backup(engine, copy)
            copies.append(copy)
    finally:
        stop.set()
        thread.join()
    sizes = []
    for copy in copies:
        copied = make_engine(f"sqlite:///{copy}")
        try:
            with copied.connect() as connection:
                messages = connection.execute(select(func.count()).select_from(Message)).scalar_one()
                events = connection.execute(select(func.count()).select_from(Event)).scalar_one()
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        finally:
            copied.dispose()
        assert messages == events > 0
        sizes.append(messages)
    assert sizes == sorted(sizes) and sizes[-1] < written  # taken while the writer went on
    engine.dispose()


def test_backup_mistakes_get_one_clear_line(db_url: str, tmp_path: Path, run_cli: CliRunner) -> None:
    def cli(*args: str) -> tuple[int, str]:
        return run_cli(*args, "--database-url", db_url)

    existing = tmp_path / "taken.backup"
    existing.write_text("x")
    other_kind = tmp_path / ("x.db" if db_url.startswith("postgresql") else "x.dump")
    other_kind.write_bytes(b"SQLite format 3\x00" if db_url.startswith("postgresql") else b"PGDMP")
    mistakes = {
        ("backup", str(existing)): "never overwrites",
        ("backup", str(tmp_path / "no" / "such.backup")): "does not exist; create it first",
        ("restore", str(tmp_path / "nope.backup")): "not found; check the path",
        ("restore", str(existing)): "not a Complaint Radar backup",
        ("restore", str(tmp_path)): "is a directory",
        ("restore", str(other_kind)): "moving between backends is not supported",
    }
    for args, needle in mistakes.items():
        code, output = cli(*args)
        assert code == 2 and needle in output, output
        assert "Traceback" not in output and len(output.strip().splitlines()) == 1, output
