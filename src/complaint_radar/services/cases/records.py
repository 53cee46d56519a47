"""Cases between the domain and the store: `cases.Case` ⇄ the `cases` row, audit events, profile signals.

Fields with a column of their own go there (state, severity, tier, owner, milestones, counts …); the
rest of the immutable `cases.Case` (pauses, SLA marks, prior resolutions, keys …) goes to the row's
`attributes`, so a case read back equals the case written. `due` holds each SLA clock's deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.cases import Case, CaseEvent, CaseOrigin, Milestone, SlaConfig, SlaState, sla_status
from complaint_radar.customers import CaseSignal
from complaint_radar.errors import InputError
from complaint_radar.services.records import from_plain, to_plain
from complaint_radar.store import AuditEvent, ensure_customers
from complaint_radar.store import Case as CaseRow
from complaint_radar.types import RiskLevel

CASE_ENTITY = "case"

# Domain field -> column, where the column holds the same value (renamed or not).
_COLUMNS = {
    "id": "id",
    "number": "case_number",
    "customer_id": "customer_id",
    "state": "state",
    "severity": "severity",
    "tier": "tier",
    "owner": "owner_id",
    "team": "team",
    "channel": "channel",
    "opened_at": "opened_at",
    "acknowledged_at": "acknowledged_at",
    "first_response_at": "first_response_at",
    "resolved_at": "resolved_at",
    "closed_at": "closed_at",
    "paused_since": "paused_since",
    "contact_count": "contact_count",
    "causes": "causes",
    "demands": "demands",
    "issue_key": "issue_key",
    "resolution": "resolution",
    "follow_up": "follow_up",
    "guidance": "handling",
}
_ATTRIBUTE_FIELDS = tuple(f.name for f in fields(Case) if f.name not in _COLUMNS)


def case_from_row(row: CaseRow) -> Case:
    """The domain case stored in `row`."""
    data: dict[str, Any] = {
        name: row.attributes.get(name) for name in _ATTRIBUTE_FIELDS if name in row.attributes
    }
    data.update({name: getattr(row, column) for name, column in _COLUMNS.items()})
    if data["follow_up"] is None:
        del data["follow_up"]
    try:
        return from_plain(Case, data)
    except InputError as exc:
        raise InputError(f"case {row.case_number}: {exc}") from exc


def write_case(
    session: Session,
    case: Case,
    now: datetime,
    config: SlaConfig,
    *,
    new: bool = False,
    source_message_pk: int | None = None,
    row: CaseRow | None = None,
    customer_stored: bool = False,
) -> CaseRow:
    """Insert (`new`) or update the row of `case` in the caller's transaction; `due` recomputed at `now`.

    `row`: the case's row when the caller holds it (one added earlier in the transaction and not
    flushed yet, which `session.get` would not find); `customer_stored`: the case's customer is known
    to be stored already."""
    if row is None and not new:
        row = session.get(CaseRow, case.id)
    if row is None:
        if case.customer_id is not None and not customer_stored:
            ensure_customers(session, [case.customer_id])
        row = CaseRow(id=case.id, source_message_id=source_message_pk)
        session.add(row)
    plain = to_plain(case)
    for name, column in _COLUMNS.items():
        value = getattr(case, name)
        if name in ("causes", "demands"):
            value = list(value)
        elif name in ("resolution", "follow_up", "guidance"):
            value = plain[name]
        elif isinstance(value, Enum):
            value = value.value
        setattr(row, column, value)
    row.attributes = {name: plain[name] for name in _ATTRIBUTE_FIELDS}
    row.paused_seconds = int(case.paused_seconds)
    row.due = sla_deadlines(case, now, config)
    return row


def append_case_events(session: Session, events: Iterable[CaseEvent]) -> None:
    """The audit trail of a case update: one append-only record per event, old → new per field.

    Added to the session unflushed (unlike `store.append_audit`), so a batch's records go to the
    database together with its cases at the next flush.
    """
    session.add_all(
        AuditEvent(
            entity_type=CASE_ENTITY,
            entity_id=event.case_id,
            action=event.action.value,
            actor=event.actor,
            role=None if event.role is None else event.role.value,
            old_values={c.field: c.old for c in event.changes},
            new_values={c.field: c.new for c in event.changes},
            reason=event.reason,
            occurred_at=event.at,
        )
        for event in events
    )


def cases_of(
    session: Session, customer_ids: Sequence[str], *, rows: dict[str, CaseRow] | None = None
) -> dict[str, list[tuple[Case, dict[str, Any]]]]:
    """Every case of these customers, oldest first, as domain cases with their SLA deadlines.

    `rows` (when given) keeps the rows read, by case id, for a caller that will write some of them
    (the session holds its rows weakly: one not kept would be read again by `session.get`)."""
    found: dict[str, list[tuple[Case, dict[str, Any]]]] = {}
    for start in range(0, len(customer_ids), 500):
        chunk = list(customer_ids[start : start + 500])
        statement = (
            select(CaseRow).where(CaseRow.customer_id.in_(chunk)).order_by(CaseRow.opened_at, CaseRow.id)
        )
        for row in session.scalars(statement):
            found.setdefault(str(row.customer_id), []).append((case_from_row(row), dict(row.due)))
            if rows is not None:
                rows[row.id] = row
    return found


def load_case(session: Session, ref: str, *, for_update: bool = False) -> tuple[CaseRow, Case] | None:
    """A case by id or public number (CR-2026-000123), locked for the transaction when `for_update`."""
    statement = select(CaseRow).where((CaseRow.id == ref) | (CaseRow.case_number == ref))
    if for_update:
        statement = statement.with_for_update()
    row = session.scalars(statement).one_or_none()
    return None if row is None else (row, case_from_row(row))


def sla_deadlines(case: Case, now: datetime, config: SlaConfig) -> dict[str, Any]:
    """The case's SLA deadlines at `now` by milestone, ISO 8601 (what the row's `due` holds)."""
    return {clock.milestone.value: clock.due_at.isoformat() for clock in sla_status(case, now, config)}


def case_signal(case: Case, deadlines: dict[str, Any]) -> CaseSignal:
    """What the customer profile needs from a case (SPEC.md §4 unresolved_case_age, prior complaints).

    Any SLA breach already recorded counts as breached; a manual or regulator case stands for a
    complaint the customer made outside our messages.
    """
    resolve_due = deadlines.get(Milestone.RESOLVE.value)
    follow_up = case.follow_up
    return CaseSignal(
        case_id=case.number,
        opened_at=case.opened_at,
        state=case.state.value,
        severity=RiskLevel(case.severity.value),
        sla_breached=any(m.state is SlaState.BREACHED for m in case.sla_marks),
        resolved_at=case.resolved_at,
        satisfied=follow_up.satisfied if follow_up.reached_at is not None else None,
        due_at=datetime.fromisoformat(resolve_due) if isinstance(resolve_due, str) else None,
        topic=case.order_id or case.thread_id or case.issue_key,
        formal_complaint=case.origin in (CaseOrigin.MANUAL, CaseOrigin.REGULATOR_REFERRAL),
    )
