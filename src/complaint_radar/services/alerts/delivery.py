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
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update

from complaint_radar.alerts import AlertConfig, EmailDestination
from complaint_radar.backoff import Backoff
from complaint_radar.services.alerts.payload import alert_body
from complaint_radar.services.alerts.transports import AttemptResult, body_bytes, send_email, send_webhook
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import Alert, AlertDelivery, AlertDeliveryAttempt, session_scope

log = logging.getLogger(__name__)

WallClock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this process holds the lease of: where it goes and what it carries."""

    delivery_id: int
    destination: str
    attempt: int
    body: dict[str, Any]


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

    def claim_due(self, limit: int) -> list[Claim]:
        """Lease up to `limit` due pending deliveries to destinations this process knows, oldest first
        (a destination only another process's rules file declares is left to that process)."""
        now = self.clock()
        claims: list[Claim] = []
        known = sorted(self.config.destination_names)
        if not known:
            return claims
        with session_scope(self.sessions, write=True) as session:
            free = or_(AlertDelivery.lease_until.is_(None), AlertDelivery.lease_until < now)
            due = session.execute(
                select(AlertDelivery.id)
                .where(
                    AlertDelivery.status == "pending",
                    AlertDelivery.next_attempt_at <= now,
                    AlertDelivery.destination.in_(known),
                    free,
                )
                .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
                .limit(limit)
            ).scalars()
            for delivery_id in list(due):
                taken = session.execute(
                    update(AlertDelivery)
                    .where(AlertDelivery.id == delivery_id, AlertDelivery.status == "pending", free)
                    .values(lease_until=now + self.lease)
                )
                if getattr(taken, "rowcount", 0) != 1:  # another process took it first
                    continue
                delivery = session.get(AlertDelivery, delivery_id)
                alert = session.get(Alert, delivery.alert_id) if delivery else None
                if delivery is None or alert is None:
                    continue
                body = alert_body(alert, self.settings.public_url.rstrip("/"))
                claims.append(Claim(delivery.id, delivery.destination, delivery.attempts + 1, body))
        return claims

    def send(self, claim: Claim) -> AttemptResult:
        """One attempt to the claim's destination (no database work)."""
        destination = self.config.destination(claim.destination)
        if destination is None:  # claim_due only claims known ones
            raise LookupError(f"destination {claim.destination!r} is not in this process's rules file")
        if isinstance(destination, EmailDestination):
            assert self.config.smtp is not None  # parse_config requires smtp with emails
            return send_email(self.config.smtp, destination, claim.body)
        return send_webhook(self.http, destination, body_bytes(claim.body))

    def record(self, claim: Claim, result: AttemptResult, started_at: datetime) -> None:
        """Log the attempt; mark the delivery delivered, or schedule the next attempt, or give up."""
        now = self.clock()
        with session_scope(self.sessions, write=True) as session:
            session.add(
                AlertDeliveryAttempt(
                    delivery_id=claim.delivery_id,
                    attempt=claim.attempt,
                    started_at=started_at,
                    duration_ms=result.duration_ms,
                    outcome="delivered" if result.delivered else "failed",
                    status_code=result.status_code,
                    error=result.error,
                )
            )
            values: dict[str, Any] = {"attempts": claim.attempt, "lease_until": None}
            if result.delivered:
                values.update(status="delivered", delivered_at=now, last_error=None)
            elif claim.attempt >= self.settings.alert_max_attempts:
                values.update(status="failed", last_error=result.error)
            else:
                wait = timedelta(seconds=self.backoff.delay(claim.attempt))
                values.update(next_attempt_at=now + wait, last_error=result.error)
            session.execute(
                update(AlertDelivery).where(AlertDelivery.id == claim.delivery_id).values(**values)
            )
        if result.delivered:
            log.info(
                "alert %s delivered to %s (attempt %d)",
                claim.body["alert_id"],
                claim.destination,
                claim.attempt,
            )
        else:
            log.warning(
                "alert %s to %s: attempt %d failed: %s",
                claim.body["alert_id"],
                claim.destination,
                claim.attempt,
                result.error,
            )

    def deliver(self, claim: Claim) -> AttemptResult:
        started = self.clock()
        result = self.send(claim)
        self.record(claim, result, started)
        return result

    def run_once(self, limit: int = 100) -> int:
        """Send every due delivery now, one after another; how many were attempted (tests, tools)."""
        claims = self.claim_due(limit)
        for claim in claims:
            self.deliver(claim)
        return len(claims)

    def close(self) -> None:
        self.http.close()


class DeliveryLoop:
    """A background thread that keeps the outbox moving: it claims due deliveries whenever it is woken
    (`wake()`, after a commit that queued alerts) or every `poll_s`, and sends up to `workers` at once."""

    def __init__(self, service: DeliveryService, *, poll_s: float, workers: int) -> None:
        self.service = service
        self.poll_s = poll_s
        self.workers = workers
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._in_flight: set[Future[AttemptResult]] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="alert-delivery")
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
        self.service.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._claim()
                self._failures = 0
            except Exception:  # the database may be away for a while; try again later
                self._failures += 1
                log.exception("alert delivery loop: claiming failed (%d in a row)", self._failures)
                self._stop.wait(min(30.0, self.poll_s * 2**self._failures))
                continue
            self._wake.wait(self.poll_s)

    def _claim(self) -> None:
        with self._lock:
            free = self.workers - len(self._in_flight)
        if free <= 0:
            return
        for claim in self.service.claim_due(free):
            future = self._pool.submit(self.service.deliver, claim)
            with self._lock:
                self._in_flight.add(future)
            future.add_done_callback(self._done)

    def _done(self, future: Future[AttemptResult]) -> None:
        with self._lock:
            self._in_flight.discard(future)
        if future.exception() is not None:
            log.error("alert delivery failed unexpectedly", exc_info=future.exception())
        self._wake.set()
