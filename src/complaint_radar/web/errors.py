"""Errors on pages as pages: the API's status for each domain error (api/errors.py), shown as HTML, and
a missing sign-in as a redirect to /login. API paths keep their JSON errors."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from complaint_radar.api.errors import status_of
from complaint_radar.errors import AuthenticationError, ComplaintRadarError
from complaint_radar.web.auth import LoginRequired, translator, web_config
from complaint_radar.web.security import is_api_path

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def is_page(request: Request) -> bool:
    return not is_api_path(request.url.path)


def login_redirect(request: Request) -> Response:
    """To /login, coming back here afterwards; htmx requests are told to load the login page."""
    target = "/login"
    if request.method == "GET" and request.url.path not in ("/", "/login"):
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = f"/login?next={quote(path, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


TITLED_STATUSES = frozenset({401, 403, 404, 405, 409, 422, 429, 503})


def error_page(request: Request, status: int, message: str) -> Response:
    return web_config(request).render(
        "error.html",
        status=status,
        t=translator(request),
        viewer=None,
        nav=[],
        path=request.url.path,
        full_path=request.url.path,
        status_code=status,
        title_key=f"error.title_{status}" if status in TITLED_STATUSES else "error.title",
        message=message,
    )


async def _answer(result: Response | Awaitable[Response]) -> Response:
    return await result if inspect.isawaitable(result) else result


def install_page_errors(app: FastAPI) -> None:
    """Wrap the API's handlers: a page gets HTML (or a redirect to sign in), an API path its JSON."""
    api_domain: Handler = app.exception_handlers[ComplaintRadarError]
    api_http: Handler = app.exception_handlers[HTTPException]

    async def domain_error(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await _answer(api_domain(request, exc))
        assert isinstance(exc, ComplaintRadarError)
        status, _ = status_of(exc)
        if isinstance(exc, AuthenticationError) and status == 401 and request.method == "GET":
            response = error_page(request, status, " ".join(str(exc).split()))
            response.headers["WWW-Authenticate"] = 'Bearer realm="complaint-radar"'
            return response
        message = " ".join(str(exc).split()) if status < 500 else "internal error"
        return error_page(request, status, message)

    async def http_error(request: Request, exc: Exception) -> Response:
        if not is_page(request) or request.url.path.startswith("/static/"):
            return await _answer(api_http(request, exc))
        assert isinstance(exc, HTTPException)
        return error_page(request, exc.status_code, str(exc.detail))

    async def login_required(request: Request, _exc: Exception) -> Response:
        return login_redirect(request)

    app.add_exception_handler(ComplaintRadarError, domain_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(LoginRequired, login_required)
