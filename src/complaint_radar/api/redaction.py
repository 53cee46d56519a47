"""Responses as the caller may see them: free-text fields PII-masked for roles without raw-text rights."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from complaint_radar.services.access import Principal, redact_text

FREE_TEXT_FIELDS = frozenset(
    {"text", "raw_text", "notes", "note", "comment", "reason", "first_response_plan"}
)
"""Fields that may carry what a customer wrote; codes, ids and numbers are never masked."""

M = TypeVar("M", bound=BaseModel)


def for_caller(model: M, principal: Principal) -> M:
    """`model` unchanged for agents, supervisors, managers and admins; with free text masked for analysts."""
    if principal.sees_raw_text:
        return model
    redacted: M = _redact(model)
    return redacted


def plain_for_caller(data: Any, principal: Principal) -> Any:
    """A plain JSON value (dicts and lists) as the caller may see it, like `for_caller`."""
    return data if principal.sees_raw_text else _redact(data)


def _redact(value: Any, name: str | None = None) -> Any:
    if isinstance(value, str):
        return redact_text(value) if name in FREE_TEXT_FIELDS else value
    if isinstance(value, BaseModel):
        updates = {}
        for field_name in type(value).model_fields:
            old = getattr(value, field_name)
            new = _redact(old, field_name)
            if new is not old:
                updates[field_name] = new
        return value.model_copy(update=updates) if updates else value
    if isinstance(value, list):
        items = [_redact(item, name) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        entries = {key: _redact(item, str(key)) for key, item in value.items()}
        return entries if any(entries[k] is not value[k] for k in value) else value
    return value
