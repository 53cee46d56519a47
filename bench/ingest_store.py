"""Benchmark: bulk message ingestion into SQLite and PostgreSQL through `complaint_radar.store`.

Three passes per backend, each one `insert_messages` call and one commit on a fresh, migrated database:
new messages without an Assessment, new messages with a stored Assessment (~3 KB of JSON), and the
first set sent again (every row a duplicate: the idempotent re-delivery path). PostgreSQL is a
throwaway cluster started like the test fixture's, but with durable settings (fsync on).

Run: .venv/bin/python bench/ingest_store.py [--rows 200000] [--out docs/benchmarks_store.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy

from complaint_radar import Analyzer
from complaint_radar.store import (
    IngestResult,
    NewMessage,
    ingest,
    insert_messages,
    make_engine,
    make_session_factory,
)
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.testing import running_cluster
from complaint_radar.types import Assessment
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
SAMPLE_TEXTS = [
    "快递十天了还没到,到底怎么回事",
    "客服态度太差了,我要投诉",
    "请问我的退款到哪一步了",
    "谢谢,问题已经解决了",
    "再不处理我就打12315",
    "The app keeps failing when I pay",
]


def messages(n: int, *, assessments: list[Assessment] | None = None, seed: int = 7) -> Iterator[NewMessage]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(n):
        message = NewMessage(
            source="chat",
            external_id=f"m{i:09d}",
            channel="chat",
            text=rng.choice(SAMPLE_TEXTS),
            occurred_at=start + timedelta(seconds=i * 7),
            customer_id=f"c{rng.randrange(max(1, n // 20))}",
            thread_id=f"t{i // 5}",
            attributes={"order_id": f"o{i}"},
        )
        yield replace(message, assessment=assessments[i % len(assessments)]) if assessments else message


def timed_insert(url: str, rows: Callable[[], Iterator[NewMessage]]) -> tuple[float, IngestResult]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            started = time.perf_counter()
            result = insert_messages(session, rows())
            session.commit()
            return time.perf_counter() - started, result
    finally:
        engine.dispose()


def without_copy(name: str, fresh_url: Callable[[], str], n: int) -> str:
    """The PostgreSQL pass through multi-row INSERTs instead of COPY, to show what COPY buys."""
    threshold = ingest.COPY_MIN_ROWS
    ingest.COPY_MIN_ROWS = sys.maxsize
    try:
        seconds, result = timed_insert(fresh_url(), lambda: messages(n))
    finally:
        ingest.COPY_MIN_ROWS = threshold
    assert result.inserted_count == n
    label = "new messages, multi-row INSERT instead of COPY"
    line = f"| {name} | {label} | {n:,} | {seconds:.1f} | {n / seconds:,.0f} |"
    print(line, flush=True)
    return line


def run_backend(name: str, fresh_url: Callable[[], str], n: int, assessments: list[Assessment]) -> list[str]:
    lines = []
    plain_url = fresh_url()
    for label, url, rows, expect_new in (
        ("new messages", plain_url, lambda: messages(n), n),
        ("new messages + Assessment JSON", fresh_url(), lambda: messages(n, assessments=assessments), n),
        ("same messages again (all duplicates)", plain_url, lambda: messages(n), 0),
    ):
        seconds, result = timed_insert(url, rows)
        assert result.inserted_count == expect_new, (label, result.inserted_count)
        lines.append(f"| {name} | {label} | {n:,} | {seconds:.1f} | **{n / seconds:,.0f}** |")
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_store.md")
    parser.add_argument("--compare-rows", type=int, default=20_000, help="rows for the no-COPY pass")
    parser.add_argument("--data", type=Path, help="not used (synthetic messages); bench/run_all.py passes it")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    analyzer = Analyzer()
    assessments = [analyzer.assess(text, "chat") for text in SAMPLE_TEXTS]
    json_bytes = sum(len(a.to_json()) for a in assessments) // len(assessments)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1_000))

        def sqlite_url() -> str:
            url = f"sqlite:///{tmp}/bench{next(counter)}.db"
            upgrade(url)
            return url

        lines += run_backend("SQLite (WAL, synchronous=NORMAL)", sqlite_url, args.rows, assessments)
    with running_cluster(DURABLE) as cluster:

        def postgres_url() -> str:
            url = cluster.url(cluster.create_database())
            upgrade(url)
            return url

        with psycopg.connect(cluster.conninfo()) as connection:
            version = connection.execute("SHOW server_version").fetchone()
        pg_name = f"PostgreSQL {version[0].split()[0] if version else '?'} (COPY path, fsync on)"
        lines += run_backend(pg_name, postgres_url, args.rows, assessments)
        lines.append(without_copy(pg_name, postgres_url, args.compare_rows))
    write_markdown(args.out, args.rows, json_bytes, lines, load_before)


def write_markdown(out: Path, rows: int, json_bytes: int, lines: list[str], load_before: float) -> None:
    load_after = os.getloadavg()[0]
    text = (
        f"""## Storage: bulk message ingestion

Command: `.venv/bin/python bench/ingest_store.py --rows {rows}`. Each pass is one
`complaint_radar.store.insert_messages` call (5,000-row batches inside) and one commit into a fresh,
migrated database, so the unique (source, external id) index, the customer foreign key and the
(customer, time) index are all maintained. Customers are created on first sight ({rows // 20:,} of them).
The stored Assessment is a real one from the pipeline (~{json_bytes:,} bytes of JSON). On PostgreSQL,
batches of 200 rows or more go through COPY into a temp table and `INSERT … SELECT … ON CONFLICT DO NOTHING
RETURNING`; SQLite uses multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`. The PostgreSQL server
runs on the same machine with durable settings (fsync, synchronous_commit and full_page_writes on).

Machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()},
SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}. The machine is shared with other
jobs (1-minute load average {load_before:.1f} at the start and {load_after:.1f} at the end), so read
the figures as lower bounds.

| backend | pass | rows | seconds | rows/s |
|---|---|---:|---:|---:|
"""
        + "\n".join(lines)
        + "\n"
    )
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
