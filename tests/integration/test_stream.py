"""The stream worker against a real redis-server, a real store (SQLite and PostgreSQL) and a real receiver."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from alert_helpers import CALM, FAST_DELIVERY, SECRET, THREAT, write_rules
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from complaint_radar import Analyzer
from complaint_radar.alerts.receiver import WebhookReceiver
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.stream_worker import StreamConfig, WorkerOptions, WorkerStats, run_worker
from complaint_radar.settings import Settings
from complaint_radar.store import (
    Alert,
    AlertDelivery,
    Message,
    make_engine,
    make_session_factory,
    session_scope,
)
from complaint_radar.stream.testing import RedisServer

log = logging.getLogger(__name__)
STREAM = "messages"
GROUP = "radar"


def entry(message_id: str, text: str = THREAT, customer: str = "c1", **extra: str) -> dict[str, str]:
    return {
        "message_id": message_id,
        "customer_id": customer,
        "occurred_at": datetime.now(UTC).isoformat(),  # the worker runs on the real clock
        "channel": "chat",
        "text": text,
        **extra,
    }


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


class Store:
    """Counts in the worker's database, read from outside the worker."""

    def __init__(self, db_url: str) -> None:
        self.engine = make_engine(db_url, poolclass=NullPool)
        self.sessions = make_session_factory(engine=self.engine)

    def count(self, model: type[Any]) -> int:
        with session_scope(self.sessions) as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def message_ids(self) -> list[str]:
        with session_scope(self.sessions) as session:
            return list(session.scalars(select(Message.external_id)))

    def alert_keys(self) -> list[tuple[int, str | None]]:
        with session_scope(self.sessions) as session:
            return [(a.rule_id, a.dedup_key) for a in session.scalars(select(Alert))]

    def undelivered(self) -> int:
        with session_scope(self.sessions) as session:
            statement = (
                select(func.count()).select_from(AlertDelivery).where(AlertDelivery.status != "delivered")
            )
            return int(session.scalar(statement) or 0)


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    yield store
    store.engine.dispose()


@contextmanager
def worker_thread(
    redis_url: str, db_url: str, analyzer: Analyzer, rules: Path | None, consumer: str = "w1", **options: Any
) -> Iterator[WorkerStats]:
    """`run_worker` in a thread (as `complaint-radar worker` runs it), stopped at the end of the block."""
    stop = threading.Event()
    stats: list[WorkerStats] = []
    failure: list[BaseException] = []
    config = StreamConfig(redis_url, STREAM, GROUP, consumer)
    settings = Settings(database_url=db_url, **FAST_DELIVERY)
    worker_options = WorkerOptions(**{"batch_size": 20, "block_ms": 100, **options})

    def run() -> None:
        try:
            stats.append(run_worker(config, worker_options, stop, settings=settings, rules_file=rules,
                                    assessor=Assessor(analyzer)))  # fmt: skip
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"worker-{consumer}", daemon=True)
    thread.start()
    live = WorkerStats()
    try:
        yield live
    finally:
        stop.set()
        thread.join(timeout=60)
        if failure:
            raise failure[0]
        if stats:
            live.__dict__.update(stats[0].__dict__)


def pending(client: redis.Redis) -> int:
    return int(client.xpending(STREAM, GROUP)["pending"])


def test_a_message_added_to_the_stream_reaches_the_webhook_signed(
    redis_server: RedisServer, db_url: str, store: Store, analyzer: Analyzer, tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:  # fmt: skip
    client = redis.Redis.from_url(redis_server.url)
    with (
        WebhookReceiver(SECRET) as receiver,
        worker_thread(redis_server.url, db_url, analyzer, write_rules(tmp_path, receiver.url)),
    ):
        client.xadd(STREAM, entry("warm-up", CALM, customer="c0"))  # the first batch loads the models
        wait_until(lambda: store.count(Message) == 1, 120, "the warm-up message")
        added = time.time()
        client.xadd(STREAM, entry("m1", product="X1"))
        got = receiver.wait_for(3, timeout_s=30)
        latency_ms = (min(r.at for r in got) - added) * 1000
        log.info("XADD -> first webhook received: %.0f ms", latency_ms)
        record_property("xadd_to_webhook_ms", round(latency_ms))
        assert len(got) == 3 and all(r.valid for r in got)
        assert {r.body["message_id"] for r in got} == {"m1"}
        assert {r.body["product"] for r in got} == {"X1"} and got[0].body["source"] == STREAM
        assert latency_ms < 15_000  # a shared 2-core machine; docs/benchmarks_stream.md has the figures
        wait_until(lambda: pending(client) == 0, 10, "every entry acknowledged")


def test_a_poison_entry_goes_to_the_dead_letters_with_its_reason_and_the_stream_goes_on(
    redis_server: RedisServer, db_url: str, store: Store, analyzer: Analyzer
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.xadd(STREAM, entry("good-1", CALM))
    client.xadd(STREAM, {**entry("undecodable"), "text": b"\xff\xfe broken"})
    client.xadd(STREAM, entry("bad-time", occurred_at="yesterday"))
    client.xadd(STREAM, {"customer_id": "c9", "text": "no id", "occurred_at": "2026-11-16T09:30:00Z"})
    client.xadd(STREAM, entry("good-2", THREAT))
    with worker_thread(redis_server.url, db_url, analyzer, None):
        wait_until(
            lambda: client.xlen(f"{STREAM}.dead") == 3 and pending(client) == 0, 120, "the dead letters"
        )
    assert sorted(store.message_ids()) == ["good-1", "good-2"]
    dead = {
        fields[b"dead_letter_entry_id"]: fields[b"dead_letter_reason"].decode()
        for _, fields in client.xrange(f"{STREAM}.dead")
    }
    reasons = sorted(dead.values())
    assert any("field 'text' is not UTF-8 text" in r for r in reasons)
    assert any("occurred_at: 'yesterday' is not an ISO 8601 time" in r for r in reasons)
    assert any("message_id is missing" in r for r in reasons)
    (broken,) = [f for _, f in client.xrange(f"{STREAM}.dead") if f.get(b"message_id") == b"undecodable"]
    assert broken[b"text"] == b"\xff\xfe broken"  # kept as it came, for whoever repairs it


def test_a_worker_claims_the_entries_a_dead_consumer_left_pending(
    redis_server: RedisServer, db_url: str, store: Store, analyzer: Analyzer
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    for n in range(5):
        client.xadd(STREAM, entry(f"m{n}", CALM, customer=f"c{n}"))
    client.xreadgroup(GROUP, "died", {STREAM: ">"}, count=5)  # read and never acknowledged
    assert pending(client) == 5
    with worker_thread(redis_server.url, db_url, analyzer, None, consumer="w2", claim_idle_ms=300):
        wait_until(lambda: store.count(Message) == 5 and pending(client) == 0, 120, "the claimed entries")
    assert sorted(store.message_ids()) == [f"m{n}" for n in range(5)]


@pytest.mark.slow
def test_the_worker_reconnects_with_backoff_when_redis_restarts_and_loses_nothing(
    redis_server: RedisServer, db_url: str, store: Store, analyzer: Analyzer, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    with (
        WebhookReceiver(SECRET) as receiver,
        worker_thread(redis_server.url, db_url, analyzer, write_rules(tmp_path, receiver.url)) as stats,
    ):
        for n in range(10):
            client.xadd(STREAM, entry(f"before-{n}", THREAT, customer=f"b{n}"))
        wait_until(lambda: store.count(Message) >= 1, 120, "the first batch")
        redis_server.restart(down_for_s=2.0)  # the worker is cut off mid-run for two seconds
        client = redis.Redis.from_url(redis_server.url)
        for n in range(10):
            client.xadd(STREAM, entry(f"after-{n}", THREAT, customer=f"a{n}"))
        wait_until(lambda: store.count(Message) == 20 and pending(client) == 0, 120, "all twenty messages")
        wait_until(lambda: store.undelivered() == 0, 60, "every alert delivered")
    assert stats.outages >= 1
    ids = store.message_ids()
    assert len(ids) == len(set(ids)) == 20
    keys = store.alert_keys()
    assert len(keys) == len(set(keys)) == 60  # three rules, twenty threatening first messages
    assert len({r.body["alert_id"] for r in receiver.received}) == 60


def _spawn_worker(
    redis_url: str, db_url: str, rules: Path, consumer: str, log_file: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COMPLAINT_RADAR_ALERT_RETRY_BASE_S": "0.05",
        "COMPLAINT_RADAR_ALERT_DELIVERY_POLL_S": "0.1",
        "COMPLAINT_RADAR_ALERT_DELIVERY_LEASE_S": "2",
    }
    argv = [
        sys.executable, "-m", "complaint_radar.cli.main", "worker",
        "--source", redis_url, "--stream", STREAM, "--group", GROUP, "--consumer", consumer,
        "--batch", "25", "--block-ms", "100", "--claim-idle-s", "1", "--rules", str(rules),
        "--database-url", db_url,
    ]  # fmt: skip
    with log_file.open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=out, env=env)


def _wait_ready(process: subprocess.Popen[bytes], log_file: Path, consumer: str) -> None:
    wait_until(
        lambda: (
            f"worker {consumer}: consuming" in log_file.read_text(errors="replace")
            or process.poll() is not None
        ),
        300,
        f"worker {consumer} to start",
    )
    assert process.poll() is None, log_file.read_text(errors="replace")


@pytest.mark.slow
def test_a_worker_killed_mid_batch_and_restarted_stores_every_message_once_and_fires_every_alert_once(
    redis_server: RedisServer, db_url: str, store: Store, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    total = 150
    log_file = tmp_path / "workers.log"
    with WebhookReceiver(SECRET) as receiver:
        rules = write_rules(tmp_path, receiver.url)
        first = _spawn_worker(redis_server.url, db_url, rules, "first", log_file)
        try:
            _wait_ready(first, log_file, "first")
            pipe = client.pipeline(transaction=False)  # all at once: every read takes a full batch
            for n in range(total):
                pipe.xadd(STREAM, entry(f"m{n}", THREAT if n % 3 == 0 else CALM, customer=f"c{n}"))
            pipe.execute()
            wait_until(lambda: store.count(Message) > 0 and pending(client) > 0, 120, "a batch in hand")
            first.send_signal(signal.SIGKILL)  # no goodbye: a batch is in hand, entries pending
            first.wait()
        finally:
            first.kill()
        stored_at_kill = store.count(Message)
        # Killed with work left: usually a batch in hand (pending, reclaimed below), and in a rare race the
        # batch had just been acknowledged (then only unread entries are left). Either way nothing may be
        # lost or doubled; reclaiming alone is also tested by test_a_worker_claims_the_entries_….
        assert 0 < stored_at_kill < total
        second = _spawn_worker(redis_server.url, db_url, rules, "second", log_file)
        try:
            _wait_ready(second, log_file, "second")
            wait_until(lambda: store.count(Message) == total and pending(client) == 0, 300, "every message")
            wait_until(lambda: store.undelivered() == 0, 120, "every alert delivered")
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0
        finally:
            second.kill()
        assert "worker second stopped" in log_file.read_text(errors="replace")
        ids = store.message_ids()
        assert len(ids) == len(set(ids)) == total
        keys = store.alert_keys()
        threats = len(range(0, total, 3))
        assert len(keys) == len(set(keys)) == 3 * threats
        delivered = {r.body["alert_id"] for r in receiver.received}
        assert len(delivered) == 3 * threats and all(r.valid for r in receiver.received)
