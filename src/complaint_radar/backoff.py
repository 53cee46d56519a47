"""Exponential backoff with jitter: how long to wait before retry n (reconnects, webhook deliveries)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays `base_s · 2^(n-1)`, capped at `cap_s`, each drawn uniformly from its upper half.

    The jitter (half of each delay is random) keeps many clients that failed together from retrying
    together; keeping the lower half fixed keeps the growth visible in logs and tests.
    """

    base_s: float
    cap_s: float
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1 for the first failure)."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)
