"""Who is asking for a page: an `X-API-Key` (or Bearer) header, else the signed session cookie; then the
role check of `web.permissions`, the key's rate limit, and for a browser's POST the CSRF token.

Every view takes `viewer: Annotated[Viewer, Depends(page("name"))]`, so no page is reachable without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.state import AppState
from complaint_radar.errors import AuthenticationError, ConfigurationError, ModelError
from complaint_radar.services.access import Principal, authenticate_key_id, rate_limit_for, require
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.cases.desk import CaseDesk
from complaint_radar.services.intake.desk import IntakeDesk
from complaint_radar.services.runtime import SessionFactory, unit_of_work
from complaint_radar.web.csrf import CSRF_FIELD, CSRF_HEADER, PRESESSION_COOKIE, check_csrf, csrf_token
from complaint_radar.web.forms import Form
from complaint_radar.web.i18n import LANG_COOKIE, Translator, negotiate
from complaint_radar.web.permissions import PERMISSION_OF, navigation
from complaint_radar.web.session import SESSION_COOKIE, WebSession
from complaint_radar.web.templating import WebConfig

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """No usable credentials: the browser is sent to /login (and back here afterwards)."""


def web_config(request: Request) -> WebConfig:
    config: WebConfig = request.app.state.complaint_radar_web
    return config


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.complaint_radar
    return state


def sessions_of(state: AppState) -> SessionFactory:
    if state.sessions is None:
        raise AuthenticationError("the database is not open yet; retry in a moment")
    return state.sessions


def translator(request: Request) -> Translator:
    return Translator(negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")))


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in caller of one request, with what its page needs to render and act."""

    request: Request
    state: AppState
    config: WebConfig
    principal: Principal
    t: Translator
    csrf: str
    now: datetime
    form: Form
    query: Form

    @property
    def sessions(self) -> SessionFactory:
        return sessions_of(self.state)

    @property
    def intake(self) -> IntakeDesk:
        if self.state.intake_desk is None:
            raise ModelError("the models are still loading; reload the page in a moment")
        return self.state.intake_desk

    @property
    def analysis(self) -> AnalysisDesk:
        if self.state.analysis_desk is None:
            raise ConfigurationError("the database is not open yet; reload the page in a moment")
        return self.state.analysis_desk

    @property
    def cases(self) -> CaseDesk:
        if self.state.case_desk is None:
            raise ConfigurationError("the database is not open yet; reload the page in a moment")
        return self.state.case_desk

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        return self.config.render(
            template,
            status=status,
            t=self.t,
            viewer=self.principal,
            csrf_token=self.csrf,
            nav=navigation(self.principal),
            path=self.request.url.path,
            full_path=_full_path(self.request),
            **context,
        )


def _full_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def _principal(request: Request, state: AppState, config: WebConfig) -> tuple[Principal, str | None]:
    """The caller and, for a browser session, its session id (which CSRF tokens are bound to)."""
    raw_key = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization", "")
    if not raw_key and authorization.lower().startswith("bearer "):
        raw_key = authorization[7:]
    now = state.clock()
    if raw_key:
        principal = state.key_cache.recall(raw_key, now)
        if principal is None:
            principal = await run_in_threadpool(
                state.key_cache.authenticate, sessions_of(state), raw_key, now
            )
        return principal, None
    session = WebSession.decode(config.secret, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired
    try:
        principal = await run_in_threadpool(_by_key_id, sessions_of(state), session.key_id, now)
    except AuthenticationError:
        raise LoginRequired from None
    return principal, session.sid


def _by_key_id(sessions: SessionFactory, key_id: int, now: datetime) -> Principal:
    with unit_of_work(sessions) as session:
        return authenticate_key_id(session, key_id, now)


def page(name: str) -> Callable[[Request], Awaitable[Viewer]]:
    """The dependency of page `name`: authenticated, allowed by role, rate-limited, CSRF-checked."""
    permission = PERMISSION_OF[name]

    async def viewer(request: Request) -> Viewer:
        state, config = app_state(request), web_config(request)
        principal, sid = await _principal(request, state, config)
        state.limiter.acquire(principal.key_id, rate_limit_for(principal, state.settings))
        if permission is not None:
            require(principal, permission)
        form = Form()
        if request.method in UNSAFE_METHODS:
            form = Form.parse(await request.body())
            if sid is not None:  # a browser riding on its cookie: the form must prove it came from us
                check_csrf(config.secret, sid, form.text(CSRF_FIELD) or request.headers.get(CSRF_HEADER))
        return Viewer(
            request=request,
            state=state,
            config=config,
            principal=principal,
            t=translator(request),
            csrf=csrf_token(config.secret, sid or f"key:{principal.key_id}"),
            now=state.clock(),
            form=form,
            query=Form.parse(request.url.query.encode()),
        )

    viewer.__name__ = f"page_{name}"
    # Read by api.access_rules, so the role matrix covers the pages too.
    viewer.permission = permission  # type: ignore[attr-defined]
    viewer.signed_in = True  # type: ignore[attr-defined]
    return viewer


def presession(request: Request) -> str | None:
    return request.cookies.get(PRESESSION_COOKIE)
