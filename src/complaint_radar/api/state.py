"""What one running app holds: settings, the database, the clock, the rate limiter and the loaded models."""

from __future__ import annotations

from dataclasses import dataclass, field

from complaint_radar.services.assessing import Assessor
from complaint_radar.services.rate_limit import TokenBucketLimiter
from complaint_radar.services.runtime import Clock, Database, SessionFactory
from complaint_radar.settings import Settings


@dataclass
class AppState:
    """Set up by `create_app` and its lifespan; routers reach it through `api.deps`."""

    settings: Settings
    clock: Clock
    limiter: TokenBucketLimiter = field(default_factory=TokenBucketLimiter)
    sessions: SessionFactory | None = None
    assessor: Assessor | None = None
    owned_database: Database | None = None
    """A database the app opened itself (and closes at shutdown); None when the caller passed one."""
