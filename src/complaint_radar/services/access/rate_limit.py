"""Request rate limiting: an in-memory token bucket per API key or client address (one process, thread-safe).

Each key may burst up to its per-minute allowance, which then refills evenly over the minute. The
state lives in the serving process, so several server processes each allow the full rate.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from complaint_radar.errors import InputError, RateLimitError

MAX_BUCKETS = 100_000
"""Beyond this many keys and client addresses, refilled buckets are dropped (bounded memory)."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    per_minute: int


class TokenBucketLimiter:
    """`acquire(key, per_minute)` takes one token or raises RateLimitError with the seconds to wait."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._buckets: dict[Hashable, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: Hashable, per_minute: int) -> None:
        with self._lock:
            wait = self._take(key, per_minute, take=True)
        if wait > 0:
            raise RateLimitError(
                f"rate limit of {per_minute} requests per minute for this API key reached; "
                f"retry in {math.ceil(wait)} s",
                retry_after=wait,
            )

    def wait(self, key: Hashable, per_minute: int) -> float:
        """Seconds until `key` has a token again (0: it has one now); takes nothing."""
        with self._lock:
            return self._take(key, per_minute, take=False)

    def _take(self, key: Hashable, per_minute: int, *, take: bool) -> float:
        if per_minute < 1:
            raise InputError(f"a rate limit must allow at least 1 request per minute, got {per_minute}")
        rate = per_minute / 60.0
        now = self._monotonic()
        bucket = self._buckets.get(key)
        if bucket is None or bucket.per_minute != per_minute:
            if not take:
                return 0.0
            if len(self._buckets) >= MAX_BUCKETS:
                self._forget_full()
            bucket = self._buckets[key] = _Bucket(float(per_minute), now, per_minute)
        bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            if take:
                bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate

    def _forget_full(self) -> None:
        """Drop the buckets that have refilled: they hold no state a new bucket would not. If that frees
        too little (a flood of new keys or addresses within seconds), the tenth least recently used go
        too, so the bound holds whatever the traffic; such a key starts again with a full bucket."""
        now = self._monotonic()
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * bucket.per_minute / 60.0 >= bucket.per_minute:
                del self._buckets[key]
        if len(self._buckets) >= MAX_BUCKETS * 0.9:
            stale = heapq.nsmallest(
                max(1, MAX_BUCKETS // 10), self._buckets.items(), key=lambda item: item[1].updated
            )
            for key, _ in stale:
                del self._buckets[key]
