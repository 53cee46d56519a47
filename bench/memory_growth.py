"""Where a `serve` process's memory goes under sustained load: is it warm-up or a leak?

The app `complaint-radar serve` runs (`web.create_app`: API, dashboard, lifespan and background tasks)
is served by uvicorn in this process (`api.testing.LiveServer`) on a throwaway PostgreSQL and driven
over loopback, also from this process, with the mixed workload of bench/load.py (60 % reads, 25 %
single-row ingestion, 15 % assess) at `--concurrency` connections, for `--rounds` rounds of `--round-s`
seconds after a `--warmup-s` warm-up. Printed per round: RSS; glibc's heap (in use and free, from
`mallinfo2`); Python's allocated blocks; the entries of every per-process structure that holds state
between requests; with `--trace`, tracemalloc's allocation sites that grew most since the end of the
warm-up (growth that continues round after round is the suspect; tracemalloc slows every allocation).

`--entry-bytes` instead measures what one cached message and one cached event cost in the signal
caches (`signal_cache_rows`), tracemalloc over 20,000 entries built from real assessments, and one
entry of the pipeline's word-score cache.

Run: .venv/bin/python bench/memory_growth.py [--warmup-s 60] [--round-s 60] [--rounds 5]
                                             [--concurrency 8] [--trace] [--top 12]
     .venv/bin/python bench/memory_growth.py --entry-bytes
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from api_latency import cli, closed_loop, customer_texts
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.testing import running_cluster
from load import mixed_requests

IGNORED = ("*tracemalloc.py", "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()  # noqa: SIM905
    ]


def heap_mib() -> tuple[float, float]:
    """glibc malloc: (bytes in use, free bytes kept in its arenas), MiB; (nan, nan) without mallinfo2."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return float("nan"), float("nan")
    return (info.uordblks + info.hblkhd) / 2**20, info.fordblks / 2**20


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")) / 1024


def structures(app: Any) -> dict[str, int]:
    """Entries in the per-process structures that outlive a request."""
    state = app.state.complaint_radar
    out: dict[str, int] = {
        "rate buckets": len(state.limiter._buckets),
        "key cache": len(state.key_cache._entries),
        "views": len(app.state.complaint_radar_web.cache),
    }
    if state.intake_desk is not None:
        caches = state.intake_desk.ingestor.caches
        out["message signals"] = len(caches.messages)
        out["event signals"] = len(caches.events)
    if state.case_desk is not None and state.case_desk.service.caches is not caches:
        out["case message signals"] = len(state.case_desk.service.caches.messages)
    if state.alerting is not None:
        out["rule specs"] = len(state.alerting.engine._specs)
    out["threads"] = len(sys._current_frames())
    return out


def line(label: str, requests: int, app: Any) -> str:
    gc.collect()
    in_use, free = heap_mib()
    traced = (
        f"traced {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB, " if tracemalloc.is_tracing() else ""
    )
    return (
        f"{label}: {requests} requests; RSS {rss_mib():.0f} MiB, malloc in use {in_use:.0f} MiB + free "
        f"{free:.0f} MiB, Python blocks {sys.getallocatedblocks() / 1e3:.0f}k, {traced}"
        f"gc objects {len(gc.get_objects()) / 1e3:.0f}k; {structures(app)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--warmup-s", type=float, default=60.0)
    parser.add_argument("--round-s", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: allocation sites that grow")
    parser.add_argument("--frames", type=int, default=8, help="traceback depth kept per allocation")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--entry-bytes", action="store_true", help="bytes per cached message and event")
    args = parser.parse_args()
    if args.entry_bytes:
        entry_bytes()
        return
    from complaint_radar.api.testing import LiveServer
    from complaint_radar.settings import get_settings
    from complaint_radar.web.app import create_app

    texts = customer_texts()
    with running_cluster() as cluster, tempfile.TemporaryDirectory() as data_dir:
        url = cluster.url(cluster.create_database())
        upgrade(url)
        os.environ.update(
            {
                "COMPLAINT_RADAR_DATABASE_URL": url,
                "COMPLAINT_RADAR_DATA_DIR": data_dir,
                "COMPLAINT_RADAR_SLA_CHECK_INTERVAL_S": "0",
                "COMPLAINT_RADAR_API_RATE_LIMIT_PER_MINUTE": "100000000",
            }
        )
        get_settings.cache_clear()
        key = cli("keys", "create", "--name", "memory", "--role", "agent", env=dict(os.environ))
        if args.trace:
            tracemalloc.start(args.frames)
        app = create_app()
        requests = mixed_requests(texts)
        with LiveServer(app) as server:
            print(line("started", 0, app), flush=True)
            done, errors, _ = asyncio.run(
                closed_loop(server.url, key, requests, args.concurrency, args.warmup_s, 0.0)
            )
            total = len(done)
            print(line(f"warm-up ({args.warmup_s:g} s, {errors} errors)", total, app), flush=True)
            base = snapshot() if args.trace else None
            for round_no in range(1, args.rounds + 1):
                done, errors, _ = asyncio.run(
                    closed_loop(server.url, key, requests, args.concurrency, args.round_s, 0.0)
                )
                total += len(done)
                print(line(f"round {round_no} ({errors} errors)", total, app), flush=True)
                if base is not None:
                    print_growth(snapshot(), base, args.top)


def entry_bytes(n: int = 20_000) -> None:
    """Traced bytes per entry of a RowCache of message signals and of behaviour events."""
    from datetime import UTC, datetime, timedelta

    from complaint_radar import Analyzer
    from complaint_radar.customers import BehaviourEvent, MessageSignal
    from complaint_radar.services.customers.timelines import RowCache
    from complaint_radar.services.records import from_plain, to_plain
    from complaint_radar.types import Assessment

    analyzer = Analyzer()
    stored = [to_plain(analyzer.assess(text)) for text in customer_texts()[:200]]
    at = datetime(2026, 11, 16, tzinfo=UTC)
    gc.collect()
    tracemalloc.start()
    messages: RowCache[MessageSignal] = RowCache(n)
    for i in range(n):
        assessment = from_plain(Assessment, stored[i % len(stored)])
        signal = MessageSignal.from_assessment(assessment, at, thread_id=f"thread-{i}")
        messages.put(i, signal, at + timedelta(seconds=i))
    gc.collect()
    per_message = tracemalloc.get_traced_memory()[0] / n
    tracemalloc.stop()
    gc.collect()
    tracemalloc.start()
    events: RowCache[BehaviourEvent] = RowCache(n)
    for i in range(n):
        event = BehaviourEvent(
            event_id=f"ev-{i}",
            at=at + timedelta(seconds=i),
            kind="page_view",
            value="cancel",
            attributes={"page": "cancel"},
            customer_id=f"c-{i % 5000}",
        )
        events.put(i, event)
    gc.collect()
    per_event = tracemalloc.get_traced_memory()[0] / n
    tracemalloc.stop()
    gc.collect()
    tracemalloc.start()
    words = {f"词语{i}": 0.5 + i / (4 * n) for i in range(n)}  # the pipeline's word-score cache
    per_word = tracemalloc.get_traced_memory()[0] / len(words)
    tracemalloc.stop()
    print(
        f"{n} entries: {per_message:.0f} bytes per cached message, {per_event:.0f} per cached event, "
        f"{per_word:.0f} per word score (a 2-4 character word)"
    )


def snapshot() -> tracemalloc.Snapshot:
    gc.collect()
    return tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, pattern) for pattern in IGNORED]
    )


def print_growth(current: tracemalloc.Snapshot, base: tracemalloc.Snapshot, top: int) -> None:
    for stat in current.compare_to(base, "traceback")[:top]:
        if stat.size_diff <= 0:
            continue
        ours = [f for f in stat.traceback if "site-packages" not in f.filename]
        frames = [f"{Path(f.filename).name}:{f.lineno}" for f in [stat.traceback[-1], *reversed(ours[-4:])]]
        print(
            f"  {stat.size_diff / 2**10:+9.0f} KiB {stat.count_diff:+7d} blocks  " + " < ".join(frames),
            flush=True,
        )


if __name__ == "__main__":
    main()
