"""Per-key request rate limiting: an in-memory token bucket per API key (one process, thread-safe).

Each key may burst up to its per-minute allowance, which then refills evenly over the minute. The
state lives in the serving process, so several server processes each allow the full rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from complaint_radar.errors import InputError, RateLimitError


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
        if per_minute < 1:
            raise InputError(f"a rate limit must allow at least 1 request per minute, got {per_minute}")
        rate = per_minute / 60.0
        with self._lock:
            now = self._monotonic()
            bucket = self._buckets.get(key)
            if bucket is None or bucket.per_minute != per_minute:
                bucket = self._buckets[key] = _Bucket(float(per_minute), now, per_minute)
            bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = (1.0 - bucket.tokens) / rate
        raise RateLimitError(
            f"rate limit of {per_minute} requests per minute for this API key reached; "
            f"retry in {math.ceil(wait)} s",
            retry_after=wait,
        )
