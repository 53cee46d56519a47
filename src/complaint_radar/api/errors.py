"""The one place that maps errors to HTTP: domain errors by class, validation errors field by field.

Every error response has the body `{"error": {"type", "message", "fields"}}` (schemas.common.ErrorBody).
Anything unexpected becomes a 500 whose body says nothing about the internals; the traceback is logged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from complaint_radar.api.schemas.common import ErrorBody, ErrorDetail, FieldProblem
from complaint_radar.api.security_headers import headers_for
from complaint_radar.errors import (
    AuthenticationError,
    CaseError,
    CaseInputError,
    CasePermissionError,
    CaseTransitionError,
    ComplaintRadarError,
    ConfigurationError,
    ConflictError,
    InputError,
    ModelError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from complaint_radar.services.runtime import database_unavailable

log = logging.getLogger(__name__)

DATABASE_RETRY_S = 5
"""Retry-After of a 503 while the database is down or restarting (a pooled connection reconnects)."""

# Most specific first: the first class an error is an instance of decides (CaseInputError is both a
# CaseError and an InputError: a bad value, 422).
DOMAIN_STATUS: Sequence[tuple[type[ComplaintRadarError], int, str]] = (
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (CasePermissionError, 403, "forbidden"),
    (RateLimitError, 429, "rate_limited"),
    (NotFoundError, 404, "not_found"),
    (CaseInputError, 422, "invalid_input"),
    (CaseTransitionError, 409, "conflict"),
    (CaseError, 409, "conflict"),
    (ConflictError, 409, "conflict"),
    (InputError, 422, "invalid_input"),
    (ModelError, 503, "unavailable"),
    (ConfigurationError, 503, "unavailable"),
    (ComplaintRadarError, 500, "internal_error"),
)

# Tags of the /v1/assess body union (`{"text"}` or `{"items"}`): not part of the field path a caller wrote.
_UNION_TAGS = frozenset({"message", "batch"})


def error_response(
    status: int,
    kind: str,
    message: str,
    fields: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(type=kind, message=message, fields=fields or []))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def status_of(exc: ComplaintRadarError) -> tuple[int, str]:
    return next((status, kind) for cls, status, kind in DOMAIN_STATUS if isinstance(exc, cls))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ComplaintRadarError)
    status, kind = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="complaint-radar"'
    if isinstance(exc, RateLimitError):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
    message = " ".join(str(exc).split()) or type(exc).__name__
    return error_response(status, kind, message, headers=headers or None)


def field_problems(errors: Sequence[Any]) -> list[FieldProblem]:
    """Pydantic/FastAPI error dicts as FieldProblems; `field` drops the `body`/`query` prefix."""
    problems = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part not in _UNION_TAGS]
        path = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
        message = str(error.get("msg", "invalid value"))
        if error.get("type") == "json_invalid":  # loc holds the character position, not a field
            detail = (error.get("ctx") or {}).get("error")
            message = f"{message} at character {loc[-1]}: {detail}" if detail else message
            loc, path = loc[:1], []
        problems.append(
            FieldProblem(
                field=".".join(str(part) for part in path) or (str(loc[0]) if loc else "request"),
                loc=[part if isinstance(part, int) else str(part) for part in loc],
                message=message,
                type=str(error.get("type", "value_error")),
            )
        )
    return problems


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = field_problems(exc.errors())
    names = ", ".join(dict.fromkeys(p.field for p in problems))
    count = len(problems)
    message = f"{count} invalid field{'s' if count != 1 else ''}: {names}" if names else "invalid request"
    content_type = request.headers.get("content-type", "")
    if any(p.loc == ["body"] for p in problems) and content_type and "json" not in content_type:
        message += f"; the body must be JSON (Content-Type: application/json), not {content_type}"
    return error_response(422, "validation_error", message, problems)


_HTTP_KINDS = {404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    kind = _HTTP_KINDS.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    message = str(exc.detail)
    where = f"{request.method} {request.url.path}"
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {where}; the endpoints are listed at /docs"
    elif exc.status_code == 405:
        allowed = next((v for k, v in headers.items() if k.lower() == "allow"), "other methods")
        message = f"{where} is not allowed; this path takes {allowed}"
    elif exc.status_code == 400 and "parsing the body" in message:
        message = "the body could not be parsed: send JSON encoded as UTF-8 (Content-Type: application/json)"
    return error_response(exc.status_code, kind, message, headers=headers or None)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database is down, restarting, full or read-only: 503 with Retry-After (nothing was written);
    any other database error is a bug (500). Handled here, not as an unexpected error, so the response
    goes out whole and the connection stays open (Starlette re-raises unexpected errors to the server)."""
    problem = database_unavailable(exc)
    if problem is None:
        return _internal_error(request, exc)
    log.warning("%s %s: %s", request.method, request.url.path, problem)
    return error_response(503, "unavailable", problem, headers={"Retry-After": str(DATABASE_RETRY_S)})


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Errors no other handler took; Starlette answers these outside the middleware, so the security
    headers are added here."""
    response = _internal_error(request, exc)
    response.headers.update(dict(headers_for(request.url.path)))
    return response


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed unexpectedly", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ComplaintRadarError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    for database_error in (DBAPIError, PoolTimeoutError):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
