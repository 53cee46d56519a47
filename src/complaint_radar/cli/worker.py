"""`complaint-radar worker`: consume a Redis stream of messages into the store, firing alerts."""

from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from complaint_radar.cli.ingest import DatabaseUrl

err = Console(stderr=True)

RulesFile = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        metavar="PATH",
        help="Rules file: webhooks, e-mail and alert rules (docs/alerts.md); "
        "default: COMPLAINT_RADAR_ALERT_RULES.",
    ),
]


def worker(
    source: Annotated[str, typer.Option("--source", metavar="URL", help="Broker: redis://HOST:PORT/DB.")],
    stream: Annotated[str, typer.Option(help="Stream to consume (also the messages' default `source`).")],
    group: Annotated[str, typer.Option(help="Consumer group shared by the workers.")] = "complaint-radar",
    consumer: Annotated[
        str | None, typer.Option(help="This worker's name in the group (default: HOST-PID).")
    ] = None,
    batch: Annotated[
        int, typer.Option(help="Most entries assessed and stored together.", min=1, max=10_000)
    ] = 100,
    rules: RulesFile = None,
    block_ms: Annotated[
        int, typer.Option(help="How long one read waits for new entries (ms).", min=1, max=60_000)
    ] = 1000,
    claim_idle_s: Annotated[
        float | None,
        typer.Option(
            help="Claim entries another consumer held this long (default: stream_claim_idle_s, 30).", min=0.01
        ),
    ] = None,
    dead_letter: Annotated[
        str | None, typer.Option(help="Dead-letter stream (default: STREAM.dead).")
    ] = None,
    start_id: Annotated[
        str, typer.Option(help="Where a new group starts: 0 (the whole stream) or $ (new entries only).")
    ] = "0",
    database_url: DatabaseUrl = None,
) -> None:
    """Consume a Redis stream of messages: assess, store, profile, open cases and fire alerts.

    Each entry holds a messages-file row as flat string fields: message_id, customer_id, occurred_at,
    channel, text, and optional dimension fields (product, branch, team ...). Entries are acknowledged
    only once stored; bad ones go to the dead-letter stream with the reason. Stop with SIGTERM or
    Ctrl-C: the batch in hand is finished first. See docs/streaming.md.
    """
    from complaint_radar.backoff import Backoff
    from complaint_radar.services.intake.stream_worker import StreamConfig, WorkerOptions, run_worker
    from complaint_radar.settings import get_settings

    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    name = consumer or f"{socket.gethostname()}-{os.getpid()}"
    config = StreamConfig(source, stream, group, name, dead_letter, start_id)
    options = WorkerOptions(
        batch_size=batch,
        block_ms=block_ms,
        claim_idle_ms=int((claim_idle_s or settings.stream_claim_idle_s) * 1000),
        max_deliveries=settings.stream_max_deliveries,
        backoff=Backoff(0.1, 5.0),
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        err.print(f"{signal.Signals(signum).name}: finishing the batch in hand, then stopping")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def ready(alerting: object) -> None:
        err.print(
            f"worker {name}: consuming {stream} (group {group}) from {_safe(source)}, batches of {batch}"
        )

    stats = run_worker(config, options, stop, settings=settings, rules_file=rules, on_ready=ready)
    err.print(
        f"worker {name} stopped: {stats.entries} entries in {stats.batches} batches; "
        f"{stats.stored} stored, {stats.duplicates} duplicates, {stats.dead_lettered} dead-lettered, "
        f"{stats.outages} outages waited out"
    )


def _safe(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if "@" in rest else url
