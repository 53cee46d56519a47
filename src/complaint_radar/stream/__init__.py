"""Streaming sources of messages: the interface the worker consumes and its brokers (Redis Streams).

`open_source(url, …)` picks the implementation from the URL's scheme; a new broker (Kafka, NATS …)
is a class with the `MessageSource` methods and a scheme here (docs/streaming.md).
"""

from __future__ import annotations

from complaint_radar.stream.entries import PoisonEntry, entry_row
from complaint_radar.stream.source import (
    MessageSource,
    SourceConfigError,
    SourceUnavailableError,
    StreamEntry,
)

REDIS_SCHEMES = ("redis", "rediss", "unix")


def open_source(
    url: str,
    stream: str,
    *,
    group: str,
    consumer: str,
    dead_letter_stream: str | None = None,
    start_id: str = "0",
) -> MessageSource:
    """The source for `url` (redis://HOST:PORT/DB, rediss://…, unix:///path.sock)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme in REDIS_SCHEMES:
        try:
            from complaint_radar.stream.redis_streams import RedisStreamSource
        except ImportError as exc:  # the optional `stream` extra
            raise SourceConfigError(
                "the Redis client is not installed; pip install 'complaint-radar[stream]'"
            ) from exc
        return RedisStreamSource(
            url,
            stream,
            group=group,
            consumer=consumer,
            dead_letter_stream=dead_letter_stream,
            start_id=start_id,
        )
    raise SourceConfigError(
        f"source {url!r} is not a supported broker URL; use redis://HOST:PORT/DB (Redis Streams)"
    )


__all__ = [
    "MessageSource",
    "PoisonEntry",
    "SourceConfigError",
    "SourceUnavailableError",
    "StreamEntry",
    "entry_row",
    "open_source",
]
