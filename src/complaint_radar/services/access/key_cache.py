"""Recently authenticated API keys, remembered for a few seconds so a busy client is not looked up in the
database on every request (the lookup costs more than the rest of the request's overhead together).

Only successful lookups are remembered, by the key's keyed hash. An entry lives `ttl_s` seconds and never past
the key's own expiry; revoking a key through this process forgets every entry at once, and a key
revoked by another process (the CLI, another worker) stops working within `ttl_s`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from complaint_radar.services.access.keys import authenticate
from complaint_radar.services.access.permissions import Principal
from complaint_radar.services.access.secret import KeyHasher, key_hasher
from complaint_radar.services.runtime import SessionFactory, unit_of_work

MAX_ENTRIES = 10_000


class KeyCache:
    def __init__(
        self,
        ttl_s: float,
        hasher: KeyHasher | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self._hasher = hasher
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    @property
    def hasher(self) -> KeyHasher:
        """The hasher given, else the process settings' one (looked up once)."""
        if self._hasher is None:
            self._hasher = key_hasher()
        return self._hasher

    def recall(self, raw_key: str | None, now: datetime) -> Principal | None:
        """The caller behind `raw_key` if it was authenticated recently and has not expired; never
        touches the database (safe on an event loop)."""
        if self.ttl_s <= 0 or not raw_key or not raw_key.strip():
            return None
        with self._lock:
            entry = self._entries.get(self.hasher.digest(raw_key.strip()))
        if entry is None:
            return None
        fresh_until, principal = entry
        if self._monotonic() >= fresh_until or (
            principal.expires_at is not None and now >= principal.expires_at
        ):
            return None
        return principal

    def authenticate(self, sessions: SessionFactory, raw_key: str | None, now: datetime) -> Principal:
        """`access.authenticate` in its own unit of work, remembering the result."""
        with unit_of_work(sessions) as session:
            principal = authenticate(session, raw_key, now, self.hasher)
        if self.ttl_s > 0 and raw_key:
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[self.hasher.digest(raw_key.strip())] = (
                    self._monotonic() + self.ttl_s,
                    principal,
                )
        return principal

    def forget(self) -> None:
        """Drop every entry (after a key was revoked)."""
        with self._lock:
            self._entries.clear()
