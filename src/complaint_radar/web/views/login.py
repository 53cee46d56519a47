"""Sign in with an API key, sign out, and switch the display language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.deps import anyone
from complaint_radar.errors import AuthenticationError, ComplaintRadarError
from complaint_radar.web.auth import (
    Viewer,
    app_state,
    page,
    presession,
    sessions_of,
    translator,
    web_config,
)
from complaint_radar.web.csrf import CSRF_FIELD, PRESESSION_COOKIE, check_csrf, csrf_token, new_binding
from complaint_radar.web.forms import Form
from complaint_radar.web.i18n import LANG_COOKIE, LANGUAGES
from complaint_radar.web.permissions import home_path
from complaint_radar.web.session import SESSION_COOKIE, WebSession

router = APIRouter(include_in_schema=False)
YEAR_S = 365 * 24 * 3600


def local_target(target: str | None, fallback: str) -> str:
    """A path on this site to go on to (never another site: `//host` and `/\\host` are refused)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return fallback


def _login_page(request: Request, *, binding: str, status: int = 200, error: str | None = None) -> Response:
    config = web_config(request)
    response = config.render(
        "login.html",
        status=status,
        t=translator(request),
        viewer=None,
        nav=[],
        csrf_token=csrf_token(config.secret, binding),
        next=local_target(request.query_params.get("next"), ""),
        error=error,
        path="/login",
        full_path="/login",
    )
    _set_cookie(request, response, PRESESSION_COOKIE, binding, max_age=None)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
        path="/",
    )


@router.get("/login", dependencies=[Depends(anyone)])
async def login_form(request: Request) -> Response:
    return _login_page(request, binding=presession(request) or new_binding())


@router.post("/login", dependencies=[Depends(anyone)])
async def login(request: Request) -> Response:
    """Check the key (and the form's CSRF token), then start a session and go on to `next`."""
    config, state, t = web_config(request), app_state(request), translator(request)
    binding = presession(request)
    form = Form.parse(await request.body())
    try:
        check_csrf(config.secret, binding, form.text(CSRF_FIELD))
        raw_key = form.required("api_key", t("login.key"))
        principal = await run_in_threadpool(
            state.key_cache.authenticate, sessions_of(state), raw_key, state.clock()
        )
    except AuthenticationError:
        return _login_page(request, binding=binding or new_binding(), status=401, error=t("login.bad_key"))
    except ComplaintRadarError as exc:
        return _login_page(request, binding=new_binding(), status=400, error=str(exc))
    session = WebSession.new(principal.key_id, state.settings.web_session_hours)
    target = local_target(form.text("next"), home_path(principal))
    response = RedirectResponse(target, status_code=303)
    _set_cookie(
        request,
        response,
        SESSION_COOKIE,
        session.encode(config.secret),
        max_age=int(state.settings.web_session_hours * 3600),
    )
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(viewer: Annotated[Viewer, Depends(page("signed_in"))]) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}", dependencies=[Depends(anyone)])
async def switch_language(request: Request, code: str) -> Response:
    """Remember the chosen language (a preference cookie, nothing else) and go back."""
    target = local_target(request.query_params.get("next"), "/")
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        _set_cookie(request, response, LANG_COOKIE, code, max_age=YEAR_S)
    return response
