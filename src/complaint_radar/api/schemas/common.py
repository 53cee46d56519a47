"""Shapes every router shares: the error body and paging."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters (\\u0000)")
    return value


StoredText = Annotated[str, AfterValidator(_no_nul)]
"""Text that reaches the database: PostgreSQL refuses NUL characters, so they are a 422 here."""


class FieldProblem(BaseModel):
    """One invalid field: where it is (`field`, dotted; `loc`, the full path) and what is wrong."""

    field: str = Field(examples=["items.0.text"])
    loc: list[str | int]
    message: str = Field(examples=["Field required"])
    type: str = Field(examples=["missing"])


class ErrorDetail(BaseModel):
    type: str = Field(description="Stable code: validation_error, unauthenticated, forbidden, not_found …")
    message: str = Field(description="What went wrong and how to fix it.")
    fields: list[FieldProblem] = Field(default_factory=list, description="Set for validation errors.")


class ErrorBody(BaseModel):
    """The body of every 4xx/5xx response."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The body is not JSON encoded as UTF-8."},
    401: {"model": ErrorBody, "description": "No API key, or an unknown, revoked or expired one."},
    403: {"model": ErrorBody, "description": "The key's role (or case scope) does not allow this."},
    422: {"model": ErrorBody, "description": "Invalid input; `error.fields` names each bad field."},
    429: {"model": ErrorBody, "description": "Rate limit of the key reached; see the Retry-After header."},
    503: {"model": ErrorBody, "description": "The database or the models are unavailable; see Retry-After."},
}
"""Documented on every authenticated route."""


class Page(BaseModel):
    """Paging of list responses: pass `next_offset` as `offset` to get the next page (null: no more)."""

    limit: int
    offset: int
    next_offset: int | None
