"""Analysis sections (trends, Pareto, operations, satisfaction …) kept for `web_cache_s` seconds, so an
overview is computed once and then served to everyone who opens it until it is that old.

An analysis section sums the daily rollups (tens of milliseconds to a few hundred at 1M messages), or
scans the messages of its period when the rollups cannot answer it (a view filtered by three dimensions:
about half a second at 1M messages); the figures of a management view may lag new messages by `ttl_s`,
the live radar, lists and cases never do (they are not cached). The server also recomputes the default views
in the background, so the first visitor after a refresh does not wait (see `web.app`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 256


class SectionCache:
    def __init__(self, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value of `key` while fresh, else `compute()` (once, however many ask at once)."""
        if self.ttl_s <= 0:
            return compute()
        found = self._fresh(key)
        if found is not None:
            return found[1]
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        try:
            with gate:
                found = self._fresh(key)
                return found[1] if found is not None else self.put(key, compute())
        finally:
            with self._lock:
                self._computing.pop(key, None)

    def __len__(self) -> int:
        """How many views are kept (fresh or not)."""
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget everything (after a change the next view must show)."""
        with self._lock:
            self._entries.clear()

    def put(self, key: Hashable, value: Any) -> Any:
        with self._lock:
            self._entries[key] = (self._monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return value

    def _fresh(self, key: Hashable) -> tuple[float, Any] | None:
        with self._lock:
            found = self._entries.get(key)
        if found is None or self._monotonic() - found[0] >= self.ttl_s:
            return None
        return found
