"""Redis Streams as a message source: one consumer group, XREADGROUP, XACK, XAUTOCLAIM, a dead-letter stream.

Several workers share a group, each with its own consumer name; Redis hands each entry to one of
them. An entry stays in the group's pending list until acknowledged, so a worker that dies holds its
entries until another claims them (XAUTOCLAIM after `min_idle_ms`) or it comes back under the same
name (it reads its own pending entries first). Every Redis error that means "not reachable now"
becomes `SourceUnavailableError`; the worker backs off and the next call reconnects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from complaint_radar.stream.source import SourceConfigError, SourceUnavailableError, StreamEntry

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, OSError)


class RedisStreamSource:
    """Consume `stream` as `consumer` in `group`; poison entries go to `dead_letter_stream`.

    `start_id` is where a group created by this source starts: `0` (every entry already in the stream;
    the store's idempotency makes re-reading harmless) or `$` (only entries added from now on).
    """

    def __init__(
        self,
        url: str,
        stream: str,
        *,
        group: str,
        consumer: str,
        dead_letter_stream: str | None = None,
        start_id: str = "0",
        socket_timeout_s: float = 10.0,
    ) -> None:
        try:
            self._client: redis.Redis = redis.Redis.from_url(
                url,
                socket_connect_timeout=2.0,
                socket_timeout=socket_timeout_s,
                retry=Retry(NoBackoff(), 0),  # the worker's own backoff decides when to try again
            )
        except ValueError as exc:
            raise SourceConfigError(
                f"Redis URL {url!r} is not valid ({exc}); use redis://HOST:PORT/DB"
            ) from exc
        self.url = url
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.dead_letter_stream = dead_letter_stream or f"{stream}.dead"
        self.start_id = start_id
        self._group_ready = False
        self._own_pending_first = True
        self._claim_cursor = "0-0"

    @property
    def name(self) -> str:
        return self.stream

    def read(self, max_count: int, block_ms: int) -> list[StreamEntry]:
        """Own pending entries first (after a restart or a lost connection), then new ones."""
        if self._own_pending_first:
            pending = self._call(
                lambda: self._client.xreadgroup(
                    self.group, self.consumer, {self.stream: "0"}, count=max_count
                )
            )
            entries = self._with_deliveries(self._entries(pending))
            if entries:
                return entries
            self._own_pending_first = False
        fresh = self._call(
            lambda: self._client.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=max_count, block=block_ms
            )
        )
        return self._entries(fresh)

    def claim_stale(self, min_idle_ms: int, max_count: int) -> list[StreamEntry]:
        """XAUTOCLAIM the next `max_count` entries idle for `min_idle_ms`, walking the pending list."""
        reply = self._call(
            lambda: self._client.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                min_idle_time=min_idle_ms,
                start_id=self._claim_cursor,
                count=max_count,
            )
        )
        cursor, claimed = reply[0], reply[1]
        self._claim_cursor = _text(cursor)
        entries = [StreamEntry(_text(i), dict(f)) for i, f in claimed if f is not None]
        if entries:
            log.info("claimed %d entries idle for %d ms from other consumers", len(entries), min_idle_ms)
        return self._with_deliveries(entries)

    def ack(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            self._call(lambda: self._client.xack(self.stream, self.group, *entry_ids))

    def dead_letter(self, entry: StreamEntry, reason: str) -> None:
        """XADD the entry's fields with the reason to the dead-letter stream and XACK it, atomically."""
        fields: dict[Any, Any] = dict(entry.fields)
        fields.update(
            {
                b"dead_letter_reason": reason.encode("utf-8"),
                b"dead_letter_entry_id": entry.entry_id.encode(),
                b"dead_letter_stream": self.stream.encode("utf-8"),
                b"dead_letter_deliveries": str(entry.deliveries).encode(),
                b"dead_letter_at": datetime.now(UTC).isoformat().encode(),
            }
        )

        def move() -> None:
            with self._client.pipeline(transaction=True) as pipe:
                pipe.xadd(self.dead_letter_stream, fields)
                pipe.xack(self.stream, self.group, entry.entry_id)
                pipe.execute()

        self._call(move)
        log.warning("entry %s of %s dead-lettered: %s", entry.entry_id, self.stream, reason)

    def close(self) -> None:
        self._client.close()

    def _call(self, operation: Callable[[], _T]) -> _T:
        """Run a Redis operation; the group is created on first use and again if Redis lost it."""
        with self._reachable():
            if not self._group_ready:
                self._create_group()
            try:
                return operation()
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                log.warning(
                    "consumer group %s of %s is gone (Redis restarted empty?); recreating",
                    self.group,
                    self.stream,
                )
                self._create_group()
                return operation()

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except _UNREACHABLE as exc:
            # Entries delivered before the loss may not have been acked: read them again first.
            self._own_pending_first = True
            raise SourceUnavailableError(f"Redis at {_safe(self.url)} is unreachable: {exc}") from exc

    def _create_group(self) -> None:
        try:
            self._client.xgroup_create(self.stream, self.group, id=self.start_id, mkstream=True)
            log.info("created consumer group %s on %s at %s", self.group, self.stream, self.start_id)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def _entries(self, reply: Any) -> list[StreamEntry]:
        entries: list[StreamEntry] = []
        for _stream, items in reply or []:
            for entry_id, fields in items:
                if fields is None:  # trimmed from the stream while pending: nothing left to store
                    self.ack([_text(entry_id)])
                    continue
                entries.append(StreamEntry(_text(entry_id), dict(fields)))
        return entries

    def _with_deliveries(self, entries: list[StreamEntry]) -> list[StreamEntry]:
        """The entries with Redis's delivery counts (read again only for re-delivered entries)."""
        if not entries:
            return entries
        rows = self._call(
            lambda: self._client.xpending_range(
                self.stream,
                self.group,
                min=entries[0].entry_id,
                max=entries[-1].entry_id,
                count=len(entries) * 4 + 16,
                consumername=self.consumer,
            )
        )
        counts: Mapping[str, int] = {
            _text(cast(bytes, r["message_id"])): int(r["times_delivered"]) for r in rows
        }
        return [StreamEntry(e.entry_id, e.fields, counts.get(e.entry_id, e.deliveries)) for e in entries]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _safe(url: str) -> str:
    """The URL without a password, for messages and logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
