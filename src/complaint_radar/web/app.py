"""The dashboard on the API's app: pages (views/), static files, page errors and security headers.

`create_app` is what `complaint-radar serve` runs: the REST API of `api.create_app` with the pages
mounted beside it, one process, one database, one set of keys.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from complaint_radar.api.app import create_app as create_api_app
from complaint_radar.pipeline import Analyzer
from complaint_radar.services.runtime import Clock, SessionFactory
from complaint_radar.settings import Settings, get_settings
from complaint_radar.web.errors import install_page_errors
from complaint_radar.web.security import PageHeaders
from complaint_radar.web.session import load_secret
from complaint_radar.web.templating import WebConfig, make_environment
from complaint_radar.web.views import ROUTERS


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
    app.state.complaint_radar_web = WebConfig(
        secret=load_secret(settings), env=make_environment(settings.analysis_timezone)
    )
    static = Path(str(resources.files("complaint_radar.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    for router in ROUTERS:
        app.include_router(router)
    install_page_errors(app)
    app.add_middleware(PageHeaders)
