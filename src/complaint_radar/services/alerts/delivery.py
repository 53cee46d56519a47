"""Delivering the outbox: claim due deliveries, send them, log every attempt, retry with backoff.

Any number of processes (API servers, stream workers) may run a `DeliveryLoop` over one database: a
delivery is claimed with a lease (`lease_until`) by a conditional UPDATE, so only one sends it at a
time; a process that dies mid-send leaves a lease that expires, and another sends it again (at least
once; receivers deduplicate by `alert_id`, the same on every attempt). Failures are retried after
`alert_retry_base_s · 2^(n-1)` seconds (half of it random, capped at `alert_retry_cap_s`) up to
`alert_max_attempts`; then the delivery is `failed`. Nothing here ever blocks ingestion.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Table, bindparam, insert, or_, select, update

from complaint_radar.alerts import AlertConfig, EmailDestination
from complaint_radar.backoff import Backoff
from complaint_radar.services.alerts.payload import alert_body
from complaint_radar.services.alerts.transports import AttemptResult, body_bytes, send_email, send_webhook
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import Alert, AlertDelivery, AlertDeliveryAttempt, session_scope

log = logging.getLogger(__name__)

_DELIVERIES: Table = AlertDelivery.metadata.tables[AlertDelivery.__tablename__]
_ATTEMPTS: Table = AlertDeliveryAttempt.metadata.tables[AlertDeliveryAttempt.__tablename__]

WallClock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _log_attempt(a: Attempt) -> None:
    if a.result.delivered:
        log.info(
            "alert %s delivered to %s (attempt %d)",
            a.claim.body["alert_id"],
            a.claim.destination,
            a.claim.attempt,
        )
    else:
        log.warning(
            "alert %s to %s: attempt %d failed: %s",
            a.claim.body["alert_id"],
            a.claim.destination,
            a.claim.attempt,
            a.result.error,
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this process holds the lease of: where it goes and what it carries."""

    delivery_id: int
    destination: str
    attempt: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One send of a claimed delivery and how it went."""

    claim: Claim
    result: AttemptResult
    started_at: datetime


class DeliveryService:
    """Claims, sends and records deliveries for the destinations of `config` (a rules file)."""

    def __init__(
        self,
        sessions: SessionFactory,
        config: AlertConfig,
        settings: Settings,
        *,
        backoff: Backoff | None = None,
        clock: WallClock = _now,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.settings = settings
        self.backoff = backoff or Backoff(settings.alert_retry_base_s, settings.alert_retry_cap_s)
        self.clock = clock
        self.lease = timedelta(seconds=settings.alert_delivery_lease_s)
        self.http = httpx.Client(follow_redirects=False)

    def claim_limit(self, workers: int) -> int:
        """How many deliveries a process sending `workers` at once may hold: as many as it can send one
        after another within half the lease, each taking its destination's whole timeout, so no lease
        runs out while a claimed delivery waits its turn (claiming many at once costs a few statements
        for all of them instead of per delivery)."""
        config = self.config
        timeouts = [d.timeout_s for d in config.webhooks]
        if config.emails and config.smtp is not None:
            timeouts.append(config.smtp.timeout_s)
        longest = max(timeouts, default=10.0)
        return workers * max(1, int(self.lease.total_seconds() / 2 // longest))

    def claim_due(self, limit: int) -> list[Claim]:
        """Lease up to `limit` due pending deliveries to destinations this process knows, oldest first
        (a destination only another process's rules file declares is left to that process)."""
        now = self.clock()
        known = sorted(self.config.destination_names)
        if not known:
            return []
        free = or_(_DELIVERIES.c.lease_until.is_(None), _DELIVERIES.c.lease_until < now)
        due = (
            select(_DELIVERIES.c.id)
            .where(
                _DELIVERIES.c.status == "pending",
                _DELIVERIES.c.next_attempt_at <= now,
                _DELIVERIES.c.destination.in_(known),
                free,
            )
            .order_by(_DELIVERIES.c.next_attempt_at, _DELIVERIES.c.id)
            .limit(limit)
        )
        with session_scope(self.sessions) as session:  # most rounds find nothing: no write lock for that
            if session.execute(due.limit(1)).first() is None:
                return []
        with session_scope(self.sessions, write=True) as session:
            due = due.with_for_update(skip_locked=True)  # PostgreSQL: processes claim different rows
            claimed = session.execute(
                update(_DELIVERIES)
                .where(_DELIVERIES.c.id.in_(due.scalar_subquery()), _DELIVERIES.c.status == "pending", free)
                .values(lease_until=now + self.lease)
                .returning(
                    _DELIVERIES.c.id,
                    _DELIVERIES.c.alert_id,
                    _DELIVERIES.c.destination,
                    _DELIVERIES.c.attempts,
                )
            ).all()
            if not claimed:
                return []
            alerts = {
                a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_({c[1] for c in claimed})))
            }
            base_url = self.settings.public_url.rstrip("/")
            return [
                Claim(delivery_id, destination, attempts + 1, alert_body(alerts[alert_id], base_url))
                for delivery_id, alert_id, destination, attempts in sorted(claimed)
                if alert_id in alerts
            ]

    def send(self, claim: Claim) -> AttemptResult:
        """One attempt to the claim's destination (no database work)."""
        destination = self.config.destination(claim.destination)
        if destination is None:  # claim_due only claims known ones
            raise LookupError(f"destination {claim.destination!r} is not in this process's rules file")
        if isinstance(destination, EmailDestination):
            assert self.config.smtp is not None  # parse_config requires smtp with emails
            return send_email(self.config.smtp, destination, claim.body)
        return send_webhook(self.http, destination, body_bytes(claim.body))

    def attempt(self, claim: Claim) -> Attempt:
        """Send once and say how it went (no database work: attempts are recorded in batches)."""
        started = self.clock()
        return Attempt(claim, self.send(claim), started)

    def record(self, attempts: Sequence[Attempt]) -> None:
        """Log the attempts and settle their deliveries (delivered, next attempt later, or failed), in
        one transaction."""
        if not attempts:
            return
        now = self.clock()
        log_rows, settled = [], []
        for a in attempts:
            claim, result = a.claim, a.result
            log_rows.append(
                {
                    "delivery_id": claim.delivery_id,
                    "attempt": claim.attempt,
                    "started_at": a.started_at,
                    "duration_ms": result.duration_ms,
                    "outcome": "delivered" if result.delivered else "failed",
                    "status_code": result.status_code,
                    "error": result.error,
                }
            )
            status, next_at = "pending", now
            if result.delivered:
                status = "delivered"
            elif claim.attempt >= self.settings.alert_max_attempts:
                status = "failed"
            else:
                next_at = now + timedelta(seconds=self.backoff.delay(claim.attempt))
            settled.append(
                {
                    "delivery": claim.delivery_id,
                    "new_status": status,
                    "new_attempts": claim.attempt,
                    "next_at": next_at,
                    "delivered": now if result.delivered else None,
                    "error": None if result.delivered else result.error,
                }
            )
            _log_attempt(a)
        with session_scope(self.sessions, write=True) as session:
            session.execute(insert(_ATTEMPTS), log_rows)
            session.execute(
                update(_DELIVERIES)
                .where(_DELIVERIES.c.id == bindparam("delivery"))
                .values(
                    status=bindparam("new_status"),
                    attempts=bindparam("new_attempts"),
                    next_attempt_at=bindparam("next_at"),
                    delivered_at=bindparam("delivered"),
                    last_error=bindparam("error"),
                    lease_until=None,
                ),
                settled,
            )

    def run_once(self, limit: int = 100) -> int:
        """Send every due delivery now, one after another; how many were attempted (tests, tools)."""
        claims = self.claim_due(limit)
        self.record([self.attempt(claim) for claim in claims])
        return len(claims)

    def close(self) -> None:
        self.http.close()


class DeliveryLoop:
    """A background thread that keeps the outbox moving: it claims due deliveries whenever it is woken
    (`wake()`, after a commit that queued alerts) or every `poll_s`, and sends up to `workers` at once
    (holding at most `service.claim_limit(workers)`, the rest queued for the next free sender)."""

    def __init__(self, service: DeliveryService, *, poll_s: float, workers: int) -> None:
        self.service = service
        self.poll_s = poll_s
        self.workers = workers
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._in_flight: set[Future[Attempt]] = set()
        self._finished: list[Attempt] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="alert-delivery")
        self._held = service.claim_limit(workers)
        self._thread = threading.Thread(target=self._run, name="alert-deliveries", daemon=True)
        self._failures = 0

    def start(self) -> DeliveryLoop:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop claiming, let attempts in flight finish (each is bounded by its timeout), close."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True)
        try:
            self._record()
        finally:
            self.service.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._record()
                self._claim()
                self._failures = 0
            except Exception:  # the database may be away for a while; try again later
                self._failures += 1
                log.exception("alert delivery loop: the database failed (%d in a row)", self._failures)
                self._stop.wait(min(30.0, self.poll_s * 2**self._failures))
                continue
            self._wake.wait(self.poll_s)

    def _claim(self) -> None:
        with self._lock:
            free = self._held - len(self._in_flight)
        if free <= 0:
            return
        for claim in self.service.claim_due(free):
            future = self._pool.submit(self.service.attempt, claim)
            with self._lock:
                self._in_flight.add(future)
            future.add_done_callback(self._done)

    def _record(self) -> None:
        """Record the attempts finished since the last round (kept for the next round if this fails)."""
        with self._lock:
            finished = list(self._finished)
        self.service.record(finished)
        with self._lock:
            del self._finished[: len(finished)]

    def _done(self, future: Future[Attempt]) -> None:
        error = future.exception()
        with self._lock:
            self._in_flight.discard(future)
            if error is None:
                self._finished.append(future.result())
            idle = len(self._in_flight) < self.workers  # a sender is free and none is queued for it
        if error is not None:  # its lease runs out and another round sends it again
            log.error("alert delivery failed unexpectedly", exc_info=error)
        if idle:
            self._wake.set()
