"""Audit events (old → new per field) and the role, reason and clock checks every case action shares."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from complaint_radar.cases.model import Case, CaseAction, CaseEvent, Change
from complaint_radar.errors import CaseInputError, CasePermissionError
from complaint_radar.types import Role

SYSTEM_ACTOR = "system"
SUPERVISORY_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
CASE_WORKER_ROLES = SUPERVISORY_ROLES | {Role.FRONTLINE_AGENT}
ANALYSIS_ROLES = SUPERVISORY_ROLES | {Role.QUALITY_ANALYST}

# Playbook text is reference material, not a decision: the audit keeps the decision fields only.
_QUIET_FIELDS = frozenset(
    {"guidance.openers", "guidance.guidance_zh", "guidance.guidance_en", "guidance.questions"}
)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def display(value: Any) -> str | None:
    """A value as the audit trail shows it: codes, ISO 8601 times, JSON for lists and records."""
    plain = _plain(value)
    if plain is None or isinstance(plain, str):
        return plain
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, int | float):
        return str(plain)
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


def _flatten(case: Case | None) -> dict[str, Any]:
    if case is None:
        return {}
    flat: dict[str, Any] = {}
    for f in fields(case):
        value = getattr(case, f.name)
        if is_dataclass(value) and not isinstance(value, type):
            for sub in fields(value):
                key = f"{f.name}.{sub.name}"
                if key not in _QUIET_FIELDS:
                    flat[key] = getattr(value, sub.name)
        else:
            flat[f.name] = value
    return flat


def diff(old: Case | None, new: Case) -> tuple[Change, ...]:
    """Every field that differs between two versions of a case (the non-empty fields when `old` is None)."""
    before, after = _flatten(old), _flatten(new)
    changes: list[Change] = []
    for key in [*after, *(k for k in before if k not in after)]:
        o, n = before.get(key), after.get(key)
        # An opening event lists what was set, not every empty default.
        if o == n or (old is None and n in (None, (), "", False, 0)):
            continue
        if isinstance(o, tuple) and isinstance(n, tuple) and len(n) > len(o) and n[: len(o)] == o:
            changes.append(Change(f"{key}[+]", None, display(n[len(o) :])))
        else:
            changes.append(Change(key, display(o), display(n)))
    return tuple(changes)


def make_event(
    old: Case | None,
    new: Case,
    action: CaseAction,
    actor: str,
    role: Role | None,
    now: datetime,
    reason: str | None = None,
) -> CaseEvent:
    return CaseEvent(
        case_id=new.id,
        at=now,
        actor=actor,
        role=role,
        action=action,
        changes=diff(old, new),
        reason=reason,
    )


def require_role(role: Role | None, allowed: Collection[Role], what: str, *, system_allowed: bool) -> None:
    """Raise CasePermissionError unless `role` may do `what` (role None is the system itself)."""
    if role is None:
        if system_allowed:
            return
        raise CasePermissionError(f"{what} needs a person: it cannot be done automatically.")
    if role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise CasePermissionError(
            f"{what} is not allowed for role {role.value}; ask a user with role {names}."
        )


def require_reason(reason: str | None, what: str) -> str:
    if reason is None or not reason.strip():
        raise CaseInputError(f"{what} needs a reason: pass reason='…' saying why.")
    return reason.strip()


def require_time(now: datetime, case: Case | None = None) -> None:
    """Times must be timezone-aware and not before the case was opened."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise CaseInputError(
            f"time {now.isoformat()} has no timezone; pass an aware datetime, e.g. datetime.now(UTC)."
        )
    if case is not None and now < case.opened_at:
        raise CaseInputError(
            f"time {now.isoformat()} is before case {case.number} was opened ({case.opened_at.isoformat()})."
        )


def require_actor(actor: str) -> str:
    if not actor or not actor.strip():
        raise CaseInputError("actor is empty; pass the id of the user (or 'system') who acts.")
    return actor


def merge_codes(current: tuple[str, ...], extra: Iterable[str]) -> tuple[str, ...]:
    """Codes in first-seen order, without duplicates."""
    return tuple(dict.fromkeys([*current, *extra]))
