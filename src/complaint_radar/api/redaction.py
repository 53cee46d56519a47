"""Responses as the caller may see them: every string PII-masked for roles without raw-text rights.

Masking every string, not a list of free-text fields, is what keeps analysts from raw PII wherever
it hides: `attributes.raw_text` (kept when `keep_raw_text` is on), columns a source file carried into
`attributes`, event values, alert payloads, old and new values in the audit trail, and any field added
later. Codes, scores and numbers are unchanged (masking finds no phone, ID card, bank card or e-mail
in them); an identifier that *is* such a number (a customer id that is a phone number) is masked too.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from complaint_radar.services.access import Principal, redact_text

M = TypeVar("M", bound=BaseModel)


def for_caller(model: M, principal: Principal) -> M:
    """`model` unchanged for agents, supervisors, managers and admins; every string masked for analysts."""
    if principal.sees_raw_text:
        return model
    redacted: M = _redact(model)
    return redacted


def plain_for_caller(data: Any, principal: Principal) -> Any:
    """A plain JSON value (dicts and lists) as the caller may see it, like `for_caller`."""
    return data if principal.sees_raw_text else _redact(data)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        masked = redact_text(value)
        return value if masked == value else masked
    if isinstance(value, BaseModel):
        updates = {}
        for field_name in type(value).model_fields:
            old = getattr(value, field_name)
            new = _redact(old)
            if new is not old:
                updates[field_name] = new
        return value.model_copy(update=updates) if updates else value
    if isinstance(value, list | tuple):
        items = [_redact(item) for item in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return type(value)(items) if changed else value
    if isinstance(value, dict):
        entries = {_redact(key): _redact(item) for key, item in value.items()}
        return entries if any(k not in value or entries[k] is not value[k] for k in entries) else value
    return value
