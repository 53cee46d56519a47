"""The audited status change issues and improvement actions share: who, when, old → new, why."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from complaint_radar.store import append_audit
from complaint_radar.store.columns import utcnow


class HasStatus(Protocol):
    id: int
    status: str
    updated_at: datetime


def change_status(
    session: Session,
    row: HasStatus,
    status: str,
    *,
    entity_type: str,
    actor: str,
    role: str | None,
    reason: str | None = None,
) -> None:
    """Set `row.status` (and `updated_at`) and audit the change; nothing when it already has it."""
    if row.status == status:
        return
    append_audit(
        session,
        entity_type=entity_type,
        entity_id=str(row.id),
        action="status",
        actor=actor,
        role=role,
        old_values={"status": row.status},
        new_values={"status": status},
        reason=reason,
    )
    row.status = status
    row.updated_at = utcnow()
