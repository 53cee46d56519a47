"""The FastAPI application: `create_app()` wires settings, database, clock, models, routers and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.errors import install_error_handlers
from complaint_radar.api.routers import alerts, assess, health, keys
from complaint_radar.api.state import AppState
from complaint_radar.services.assessing import Analyzer, Assessor
from complaint_radar.services.runtime import Clock, SessionFactory, open_database, system_clock
from complaint_radar.settings import Settings, get_settings

DESCRIPTION = """\
Spot customer dissatisfaction before it becomes a formal complaint: assess messages, ingest contacts
and behaviour events, read customer risk profiles, work complaint cases and alerts.

Every `/v1` call needs an API key in `X-API-Key` (or `Authorization: Bearer`); its role decides what it
may do. Errors have the body `{"error": {"type", "message", "fields"}}`. See docs/api.md.
"""


def create_app(
    settings: Settings | None = None,
    session_factory: SessionFactory | None = None,
    clock: Clock | None = None,
    *,
    analyzer: Analyzer | None = None,
) -> FastAPI:
    """The API app. Without `session_factory` it opens (and migrates) the configured database at
    startup and closes it at shutdown; without `analyzer` it loads the bundled models at startup.
    `clock` returns the current aware time for case, SLA and key-expiry decisions."""
    state = AppState(
        settings=settings or get_settings(),
        clock=clock or system_clock,
        sessions=session_factory,
        assessor=Assessor(analyzer) if analyzer is not None else None,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if state.sessions is None:
            state.owned_database = await run_in_threadpool(open_database, state.settings)
            state.sessions = state.owned_database.sessions
        try:
            if state.assessor is None:
                state.assessor = await run_in_threadpool(Assessor.load, state.settings)
            yield
        finally:
            if state.owned_database is not None:
                state.owned_database.close()
                state.sessions = state.owned_database = None

    app = FastAPI(
        title="Complaint Radar",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.complaint_radar = state
    install_error_handlers(app)
    for module in (health, assess, alerts, keys):
        app.include_router(module.router)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("complaint-radar")
    except PackageNotFoundError:
        return "0+unknown"
