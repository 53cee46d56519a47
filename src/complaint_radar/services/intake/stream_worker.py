"""The stream worker: bounded batches from a message source, ingested in one transaction, then acked.

Per batch: decode each entry (poison ones aside), ingest the rest through the `Ingestor` (check, mask,
assess together, store idempotently, profile, case, alerts: one transaction), then dead-letter the
entries ingestion refused (with its reason) and acknowledge the others. A crash before the ack means
the entries come again and are counted as duplicates. The broker going away is waited out with
exponential backoff; the database going away holds the batch and retries it.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from complaint_radar.backoff import Backoff
from complaint_radar.services.alerts.alerting import Alerting
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.customers.timelines import SignalCaches
from complaint_radar.services.intake.desk import storage_problem
from complaint_radar.services.intake.ingest import BatchResult, Ingestor
from complaint_radar.services.intake.ingest_rows import InputRow, ItemKind
from complaint_radar.services.runtime import open_database
from complaint_radar.settings import Settings, get_settings
from complaint_radar.stream import (
    MessageSource,
    PoisonEntry,
    SourceUnavailableError,
    StreamEntry,
    entry_row,
    open_source,
)

log = logging.getLogger(__name__)

_TRANSIENT = (OperationalError, DisconnectionError)


@dataclass
class WorkerStats:
    """What a worker did so far."""

    batches: int = 0
    entries: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    outages: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    batch_size: int = 100
    block_ms: int = 1000
    claim_idle_ms: int = 30_000
    max_deliveries: int = 5
    backoff: Backoff = field(default_factory=lambda: Backoff(0.1, 5.0))


class StreamWorker:
    """Consumes `source` into the store through `ingestor` until `stop` is set."""

    def __init__(
        self, source: MessageSource, ingestor: Ingestor, options: WorkerOptions | None = None
    ) -> None:
        self.source = source
        self.ingestor = ingestor
        self.options = options or WorkerOptions()
        self.stats = WorkerStats()
        self._held: list[StreamEntry] = []
        self._next_claim = 0.0
        self._settled = False

    def run(self, stop: threading.Event) -> WorkerStats:
        """Work until `stop` is set; the batch in hand is finished (stored and acked) before returning."""
        failures = 0
        while not stop.is_set():
            try:
                self.step()
                if failures:
                    log.info("stream %s: back after %d failed attempts", self.source.name, failures)
                failures = 0
            except (SourceUnavailableError, *_TRANSIENT) as exc:
                failures += 1
                self.stats.outages += failures == 1
                delay = self.options.backoff.delay(failures)
                log.warning("stream %s: %s; retrying in %.2f s", self.source.name, _short(exc), delay)
                stop.wait(delay)
        return self.stats

    def step(self) -> int:
        """Handle one batch: held entries (their last try failed), else stale claims, else new reads."""
        entries = (
            self._held or self._claim() or self.source.read(self.options.batch_size, self.options.block_ms)
        )
        self._held = entries
        if entries:
            self.handle(entries)
            if not self._settled:
                # The models are loaded now: what exists stays for the process's life, so the cyclic
                # garbage collector stops walking it at every full collection.
                gc.freeze()
                self._settled = True
        self._held = []
        return len(entries)

    def handle(self, entries: list[StreamEntry]) -> BatchResult:
        """Ingest a batch and settle every entry: stored (or a duplicate) → ack, refused → dead letter."""
        rows: list[InputRow] = []
        poison: dict[int, str] = {}
        for index, entry in enumerate(entries):
            reason = self._poison(entry)
            if isinstance(reason, str):
                poison[index] = reason
            else:
                rows.append(InputRow(ItemKind.MESSAGE, index, reason))
        result = self._ingest(rows, poison)
        for problem in result.problems:
            poison[problem.line] = problem.reason
        for index, reason in sorted(poison.items()):
            self.source.dead_letter(entries[index], reason)
        self.source.ack([e.entry_id for i, e in enumerate(entries) if i not in poison])
        self.stats.batches += 1
        self.stats.entries += len(entries)
        self.stats.stored += result.new
        self.stats.duplicates += result.duplicates
        self.stats.dead_lettered += len(poison)
        log.debug(
            "batch of %d: %d new, %d duplicates, %d dead",
            len(entries),
            result.new,
            result.duplicates,
            len(poison),
        )
        return result

    def _poison(self, entry: StreamEntry) -> str | dict[str, str]:
        """The entry's row, or why it is poison."""
        if entry.deliveries > self.options.max_deliveries:
            return (
                f"delivered {entry.deliveries} times without being stored "
                f"(more than {self.options.max_deliveries}); a worker may crash on it"
            )
        row = entry_row(entry.fields)
        if isinstance(row, PoisonEntry):
            return row.reason
        return storage_problem(row) or row

    def _ingest(self, rows: list[InputRow], poison: dict[int, str]) -> BatchResult:
        """One transaction for the batch; if it fails for a reason other than the database being away,
        each row alone, so one bad entry is dead-lettered and the others stored."""
        if not rows:
            return BatchResult()
        try:
            return self.ingestor.ingest(rows)
        except _TRANSIENT:
            raise
        except Exception as exc:
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                raise
            log.warning("batch of %d failed (%s); ingesting its entries one by one", len(rows), _short(exc))
        total = BatchResult()
        for row in rows:
            try:
                one = self.ingestor.ingest([row])
            except _TRANSIENT:
                raise
            except Exception as exc:
                poison[row.line] = f"ingestion failed: {_short(exc)}"
                continue
            total.new += one.new
            total.duplicates += one.duplicates
            total.problems += one.problems
            total.items += one.items
        return total

    def _claim(self) -> list[StreamEntry]:
        """Entries a dead consumer held, looked for every half idle timeout."""
        now = time.monotonic()
        if now < self._next_claim:
            return []
        self._next_claim = now + self.options.claim_idle_ms / 2000
        return self.source.claim_stale(self.options.claim_idle_ms, self.options.batch_size)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Where a worker reads: the broker URL, the stream, the group and this consumer's name."""

    url: str
    stream: str
    group: str
    consumer: str
    dead_letter_stream: str | None = None
    start_id: str = "0"


def run_worker(
    config: StreamConfig,
    options: WorkerOptions,
    stop: threading.Event,
    *,
    settings: Settings | None = None,
    rules_file: Path | None = None,
    assessor: Assessor | None = None,
    on_ready: Callable[[Alerting], None] | None = None,
) -> WorkerStats:
    """A whole worker process's life: open (and migrate) the database, load and sync the rules file,
    start delivering alerts, consume the stream until `stop`, then stop delivering and close."""
    settings = settings or get_settings()
    # A batch allocates hundreds of thousands of short-lived objects: collect the young ones less often
    # (the default is every 700 net allocations).
    gc.set_threshold(max(gc.get_threshold()[0], 10_000), *gc.get_threshold()[1:])
    alerting = Alerting(settings, rules_file)
    source = open_source(
        config.url,
        config.stream,
        group=config.group,
        consumer=config.consumer,
        dead_letter_stream=config.dead_letter_stream,
        start_id=config.start_id,
    )
    database = open_database(settings)
    try:
        alerting.start(database.sessions)
        ingestor = Ingestor(
            database.sessions,
            settings=settings,
            source=config.stream,
            observer=alerting.engine,
            caches=SignalCaches.bounded(settings.signal_cache_rows),
        )
        worker = StreamWorker(source, ingestor, options)
        if on_ready is not None:
            on_ready(alerting)
        return worker.run(stop)
    finally:
        alerting.stop()
        source.close()
        database.close()
