"""The stream worker's own CPU per message, in one process (a profile aid, not a latency benchmark).

A real redis-server on loopback, SQLite in a temp dir (or a throwaway PostgreSQL 15 cluster) and a
webhook receiver; a `StreamWorker` built as `run_worker` builds it is stepped in this process's main
thread while its alert delivery loop runs in its own threads. `--messages` demo customer texts over
`--customers` customers are XADDed at once, then consumed; per round it prints the main thread's CPU
and the whole process's (all the worker's threads) per message. Later rounds go to the same customers,
so their timelines and cases grow. `--profile FILE` writes a cProfile of the last round's main thread.

Compare two checkouts by pointing PYTHONPATH at each one's src/ in turn (alternate them: the machine's
load moves).

Run: .venv/bin/python bench/stream_cpu.py [--messages 2000] [--rounds 2] [--rules contract|every]
                                          [--backend sqlite|postgresql] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import redis

from complaint_radar.alerts.receiver import WebhookReceiver
from complaint_radar.demo import load_demo_messages
from complaint_radar.services.alerts.alerting import Alerting
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.services.intake.stream_worker import StreamWorker, WorkerOptions
from complaint_radar.services.runtime import open_database
from complaint_radar.settings import Settings
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.testing import start_cluster
from complaint_radar.stream import open_source
from complaint_radar.stream.testing import start_redis
from stream_speed import RULE_SETS

RULES = RULE_SETS  # the same rule sets as bench/stream_speed.py


def entry(message_id: str, n: int, texts: list[dict[str, str]], customers: int) -> dict[str, str]:
    row = texts[n % len(texts)]
    return {
        "message_id": message_id,
        "customer_id": f"c{n % customers}",
        "occurred_at": datetime.now(UTC).isoformat(),
        "channel": row.get("channel", "chat"),
        "text": row["text"],
    }


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rules", choices=sorted(RULES), default="contract")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    server = start_redis(appendfsync="everysec")
    work = Path(tempfile.mkdtemp(prefix="stream-cpu-"))
    cluster = None
    if args.backend == "sqlite":
        db_url = f"sqlite:///{work / 'bench.db'}"
    else:
        cluster = start_cluster({"fsync": "on", "synchronous_commit": "on"})
        db_url = cluster.url(cluster.create_database("bench"))
    upgrade(db_url)
    texts = [m for m in load_demo_messages() if m.get("speaker", "customer") == "customer"]
    profiler = cProfile.Profile() if args.profile else None
    try:
        with WebhookReceiver("bench-secret") as receiver:
            rules = work / "rules.yaml"
            rules.write_text(
                f'webhooks: [{{name: bench, url: "{receiver.url}", secret: "bench-secret"}}]\n'
                + RULES[args.rules],
                encoding="utf-8",
            )
            settings = Settings(database_url=db_url, alert_delivery_poll_s=0.2)
            alerting = Alerting(settings, rules)
            source = open_source(server.url, "bench", group="radar", consumer="w1")
            database = open_database(settings)
            alerting.start(database.sessions)
            ingestor = Ingestor(
                database.sessions, settings=settings, source="bench", observer=alerting.engine
            )
            worker = StreamWorker(source, ingestor, WorkerOptions(batch_size=100, block_ms=50))
            client = redis.Redis.from_url(server.url)
            client.xadd("bench", entry("warm", 0, texts, args.customers))  # models load on the first batch
            while worker.stats.stored < 1:
                worker.step()
            for r in range(args.rounds):
                pipe = client.pipeline(transaction=False)
                for n in range(args.messages):
                    pipe.xadd("bench", entry(f"m{r}-{n}", n, texts, args.customers))
                pipe.execute()
                target = worker.stats.stored + args.messages
                cpu0, thread0, wall0 = process_cpu(), time.thread_time(), time.perf_counter()
                if profiler is not None and r == args.rounds - 1:
                    profiler.enable()
                while worker.stats.stored < target:
                    worker.step()
                if profiler is not None:
                    profiler.disable()
                time.sleep(1.0)  # the delivery threads finish sending this round's alerts
                cpu, thread = process_cpu() - cpu0, time.thread_time() - thread0
                print(
                    f"round {r}: {args.messages} messages, wall {time.perf_counter() - wall0 - 1:.1f} s; "
                    f"main thread CPU {thread:.2f} s ({thread / args.messages * 1000:.2f} ms/message); "
                    f"process CPU {cpu:.2f} s ({cpu / args.messages * 1000:.2f} ms/message); "
                    f"webhooks so far {len(receiver.received)}",
                    flush=True,
                )
            alerting.stop()
            source.close()
            database.close()
    finally:
        if cluster is not None:
            cluster.stop()
        server.stop()
    if profiler is not None and args.profile is not None:
        profiler.dump_stats(str(args.profile))
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
