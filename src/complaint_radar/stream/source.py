"""The message source interface the stream worker consumes: bounded reads, ack, reclaim, dead letters.

A source delivers each entry at least once. The worker stores a batch (idempotently, by source and
message id), commits, and only then acknowledges it, so an entry is acknowledged exactly when it is
in the store. Entries a dead consumer held are claimed again after an idle timeout; entries that can
never be stored go to a dead-letter destination with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from complaint_radar.errors import ComplaintRadarError, ConfigurationError


class SourceUnavailableError(ComplaintRadarError):
    """The broker cannot be reached now (connection refused or lost); the worker backs off and retries."""


class SourceConfigError(ConfigurationError):
    """A source URL or option is wrong (unknown scheme, bad database number, missing client library)."""


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One entry as the broker holds it: an id, raw field names and values, and how often it was
    delivered (1 on first delivery; more when it was claimed from a consumer that did not ack it)."""

    entry_id: str
    fields: Mapping[bytes, bytes]
    deliveries: int = 1


class MessageSource(Protocol):
    """What the stream worker needs from a broker. Implementations: `stream.redis_streams`."""

    @property
    def name(self) -> str:
        """The stream's name: the default ingestion `source` of its messages."""
        ...

    def read(self, max_count: int, block_ms: int) -> list[StreamEntry]:
        """Up to `max_count` entries for this consumer, waiting at most `block_ms` for the first.

        Entries delivered to this consumer earlier and not acknowledged (after a restart under the
        same consumer name, or a lost connection) come first.
        """
        ...

    def claim_stale(self, min_idle_ms: int, max_count: int) -> list[StreamEntry]:
        """Take over up to `max_count` entries other consumers hold unacknowledged for `min_idle_ms`."""
        ...

    def ack(self, entry_ids: Sequence[str]) -> None:
        """Acknowledge entries (call only after their batch is committed to the store)."""
        ...

    def dead_letter(self, entry: StreamEntry, reason: str) -> None:
        """Move an entry that can never be stored aside with the reason, and acknowledge it."""
        ...

    def close(self) -> None: ...
