"""The FastAPI application: `create_app()` wires settings, database, clock, models, routers and errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.errors import install_error_handlers
from complaint_radar.api.routers import (
    alert_rules,
    alerts,
    analysis,
    assess,
    cases,
    customers,
    health,
    ingest,
    issues,
    keys,
)
from complaint_radar.api.security_headers import SecurityHeaders
from complaint_radar.api.state import AppState
from complaint_radar.services.access import key_hasher
from complaint_radar.services.access.key_cache import KeyCache
from complaint_radar.services.alerts.alerting import Alerting
from complaint_radar.services.allocator import release_free_memory
from complaint_radar.services.assessment.assessing import Analyzer, Assessor
from complaint_radar.services.runtime import Clock, SessionFactory, open_database, system_clock
from complaint_radar.settings import Settings, get_settings

log = logging.getLogger(__name__)

MALLOC_TRIM_INTERVAL_S = 60.0
"""How often a server process hands malloc's free memory back (services/allocator.py): without it glibc
keeps the high-water mark of every burst (docs/reliability.md, memory over the soak)."""

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
    `clock` returns the current aware time for case, SLA and key-expiry decisions. The rules file
    (`alert_rules`) is read here, so a broken one fails at once; its rules are synced and its
    destinations served from startup to shutdown."""
    settings = settings or get_settings()
    state = AppState(
        settings=settings,
        clock=clock or system_clock,
        key_cache=KeyCache(settings.api_key_cache_s, key_hasher(settings)),
        sessions=session_factory,
        assessor=Assessor(analyzer) if analyzer is not None else None,
        alerting=Alerting(settings),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if state.sessions is None:
            state.owned_database = await run_in_threadpool(open_database, state.settings)
            state.sessions = state.owned_database.sessions
        sweeper: asyncio.Task[None] | None = None
        detector: asyncio.Task[None] | None = None
        trimmer = asyncio.create_task(_every(MALLOC_TRIM_INTERVAL_S, _trim, "releasing free memory"))
        try:
            if state.assessor is None:
                state.assessor = await run_in_threadpool(Assessor.load, state.settings)
            state.wire()
            if state.alerting is not None:
                await run_in_threadpool(state.alerting.start, state.sessions)
            if state.settings.sla_check_interval_s > 0:
                sweeper = asyncio.create_task(
                    _every(state.settings.sla_check_interval_s, lambda: _sweep_sla(state), "SLA check")
                )
            if state.settings.issue_detect_interval_s > 0:
                detector = asyncio.create_task(
                    _every(
                        state.settings.issue_detect_interval_s,
                        lambda: _detect_issues(state),
                        "emerging-issue detection",
                    )
                )
            yield
        finally:
            for task in (sweeper, detector, trimmer):
                if task is not None:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            if state.alerting is not None:
                await run_in_threadpool(state.alerting.stop)
            if state.owned_database is not None:
                state.unwire()
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
    state.wire()
    app.state.complaint_radar = state
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    for module in (health, assess, ingest, customers, cases, alerts, alert_rules, keys, analysis, issues):
        app.include_router(module.router)
    return app


async def _every(interval_s: float, job: Callable[[], str | None], what: str) -> None:
    """Run `job` in a worker thread every `interval_s` seconds while the server runs; it returns what to
    log (None: nothing worth saying). A failure is logged and the next round retries."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            said = await run_in_threadpool(job)
        except Exception:  # the server keeps serving
            log.exception("%s failed", what)
            continue
        if said:
            log.info("%s: %s", what, said)


def _trim() -> None:
    release_free_memory()


def _sweep_sla(state: AppState) -> str | None:
    """Record due SLA warnings and breaches of all open cases."""
    if state.case_desk is None:
        return None
    sweep = state.case_desk.sweep_sla()
    return (
        f"{sweep.warnings} warnings, {sweep.breaches} breaches" if sweep.warnings or sweep.breaches else None
    )


def _detect_issues(state: AppState) -> str | None:
    """Re-run emerging-issue detection as of today (growing issues are updated, new ones opened)."""
    if state.analysis_desk is None:
        return None
    run = state.analysis_desk.detect_issues()
    return f"as of {run.as_of}: {len(run.opened)} new, {len(run.updated)} updated"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("complaint-radar")
    except PackageNotFoundError:
        return "0+unknown"
