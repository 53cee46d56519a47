"""The dashboard on the API's app: pages (views/), static files, page errors, headers, analysis cache.

`create_app` is what `complaint-radar serve` runs: the REST API of `api.create_app` with the pages
mounted beside it, one process, one database, one set of keys.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.app import create_app as create_api_app
from complaint_radar.api.state import AppState
from complaint_radar.pipeline import Analyzer
from complaint_radar.services.runtime import Clock, SessionFactory
from complaint_radar.settings import Settings, get_settings
from complaint_radar.web.errors import install_page_errors
from complaint_radar.web.refresh import can_use_child, default_views, views_from_child
from complaint_radar.web.section_cache import SectionCache
from complaint_radar.web.security import PageHeaders
from complaint_radar.web.session import load_secret
from complaint_radar.web.templating import WebConfig, make_environment
from complaint_radar.web.views import ROUTERS

log = logging.getLogger(__name__)
MIN_REFRESH_S = 30.0


def create_app(
    settings: Settings | None = None,
    session_factory: SessionFactory | None = None,
    clock: Clock | None = None,
    *,
    analyzer: Analyzer | None = None,
) -> FastAPI:
    """The API app (see `api.create_app` for the arguments) with the dashboard installed."""
    settings = settings or get_settings()
    app = create_api_app(settings, session_factory, clock, analyzer=analyzer)
    install_web(app, settings)
    return app


def install_web(app: FastAPI, settings: Settings) -> None:
    config = WebConfig(
        secret=load_secret(settings),
        env=make_environment(settings.analysis_timezone),
        cache=SectionCache(settings.web_cache_s),
    )
    app.state.complaint_radar_web = config
    static = Path(str(resources.files("complaint_radar.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    for router in ROUTERS:
        app.include_router(router)
    install_page_errors(app)
    app.add_middleware(PageHeaders)
    if settings.web_cache_s > 0:
        _refresh_in_background(app, config, max(MIN_REFRESH_S, settings.web_cache_s * 0.9))


def _refresh_in_background(app: FastAPI, config: WebConfig, every_s: float) -> None:
    """Around the API's lifespan: recompute the default analysis views before they go stale."""
    api_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        async with api_lifespan(running):
            task = asyncio.create_task(_refresh(running.state.complaint_radar, config, every_s))
            try:
                yield
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan


async def _refresh(state: AppState, config: WebConfig, every_s: float) -> None:
    while True:
        desk = state.analysis_desk
        if desk is not None:
            try:
                if state.owned_database is not None and can_use_child(state.settings):
                    views = await views_from_child(state.settings, desk.today(), timeout_s=every_s)
                else:
                    views = await run_in_threadpool(default_views, desk, desk.today())
                for key, data in views:
                    config.cache.put(key, data)
            except Exception:  # the next round retries; pages compute on demand meanwhile
                log.exception("refreshing the dashboard's default analysis views failed")
        await asyncio.sleep(every_s)
