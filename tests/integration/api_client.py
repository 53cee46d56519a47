"""Helpers for the API tests: a frozen clock and a real uvicorn server over a migrated database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.pool import NullPool

from complaint_radar import Analyzer
from complaint_radar.api import create_app
from complaint_radar.api.testing import LiveServer
from complaint_radar.services.access import issue_key, key_hasher
from complaint_radar.settings import Settings
from complaint_radar.store import make_engine, make_session_factory, session_scope
from complaint_radar.types import Role

T0 = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai (the SLA calendar's zone)


class FrozenClock:
    """The server's clock: stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Api:
    url: str
    client: httpx.Client
    engine: Engine
    clock: FrozenClock
    admin_key: str

    def call(
        self,
        method: str,
        path: str,
        key: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {**({"X-API-Key": key} if key else {}), **(headers or {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, key: str, **kwargs: Any) -> Any:
        """The JSON body of a call that must succeed."""
        response = self.call(method, path, key, **kwargs)
        assert response.status_code in (200, 201), f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def key(self, name: str, role: str, **fields: Any) -> str:
        """A new key issued through the API by the admin."""
        body = self.ok("POST", "/v1/keys", self.admin_key, json={"name": name, "role": role, **fields})
        raw: str = body["key"]
        return raw


@contextmanager
def serve_api(
    db_url: str, analyzer: Analyzer, *, factory: Callable[..., FastAPI] = create_app, **settings: Any
) -> Iterator[Api]:
    """The app (`factory`: the API's, or the dashboard's) on a real uvicorn server over `db_url`, with a
    frozen clock at T0 and an admin key."""
    engine = make_engine(db_url, poolclass=NullPool)  # a late check-in from a request thread closes
    sessions = make_session_factory(engine)
    clock = FrozenClock(T0)
    app_settings = Settings(**{"sla_check_interval_s": 0, **settings})
    with session_scope(sessions) as session:
        admin_key = issue_key(
            session, username="ops", role=Role.ADMIN, now=T0, hasher=key_hasher(app_settings)
        ).raw_key
    app = factory(app_settings, sessions, clock, analyzer=analyzer)
    try:
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
            yield Api(server.url, client, engine, clock, admin_key)
    finally:
        engine.dispose()
