"""Queries and writes the services need: timelines, cases and case numbers, audit, API keys, profiles, alerts.

Functions take a Session and leave committing to the caller (`session_scope`); they flush when the
caller needs generated ids back. Domain rules (risk, case transitions, SLA) live in `customers/` and
`cases/`; these functions only store and fetch their data.
"""

from __future__ import annotations

import heapq
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from complaint_radar.store.columns import utcnow
from complaint_radar.store.db import dialect_insert
from complaint_radar.store.ingest import ensure_customers
from complaint_radar.store.models import (
    Alert,
    AlertRule,
    ApiKey,
    AuditEvent,
    Case,
    CaseNumberCounter,
    Event,
    Message,
    RiskProfileSnapshot,
    User,
)

OPEN_CASE_STATES: tuple[str, ...] = ("new", "acknowledged", "in_progress", "awaiting_customer", "reopened")
"""SPEC.md §6 states in which a case still needs work (resolved, closed and cancelled do not)."""

CASE_NUMBER_PREFIX = "CR"
API_KEY_PREFIX = "cr_"

_COUNTERS: Table = CaseNumberCounter.metadata.tables[CaseNumberCounter.__tablename__]
_ALERTS: Table = Alert.metadata.tables[Alert.__tablename__]
_ALERT_INSERT_ROWS = 500  # rows per INSERT: well under SQLite's bound-parameter limit


def customer_timeline(
    session: Session,
    customer_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Message | Event]:
    """A customer's messages and events with `since <= occurred_at < until`, oldest first.

    At equal times messages come before events, each in insertion order.
    """
    messages = select(Message).where(Message.customer_id == customer_id)
    events = select(Event).where(Event.customer_id == customer_id)
    if since is not None:
        messages = messages.where(Message.occurred_at >= since)
        events = events.where(Event.occurred_at >= since)
    if until is not None:
        messages = messages.where(Message.occurred_at < until)
        events = events.where(Event.occurred_at < until)
    found_messages: list[Message | Event] = list(
        session.scalars(messages.order_by(Message.occurred_at, Message.id))
    )
    found_events: list[Message | Event] = list(session.scalars(events.order_by(Event.occurred_at, Event.id)))
    return list(heapq.merge(found_messages, found_events, key=_occurred_at))


def _occurred_at(row: Message | Event) -> datetime:
    return row.occurred_at


def allocate_case_number(session: Session, year: int, *, counter_exists: bool = False) -> str:
    """The next public case number of `year`, e.g. CR-2026-000123 (gap-free unless rolled back).

    `counter_exists`: the caller already allocated a number of `year` in this transaction, so the
    year's counter row is there (saves a statement per case in a batch that opens many)."""
    connection = session.connection()
    if not counter_exists:
        connection.execute(
            dialect_insert(session, _COUNTERS).on_conflict_do_nothing(),
            [{"year": year, "last_value": 0}],
        )
    number = connection.execute(
        update(_COUNTERS)
        .where(_COUNTERS.c.year == year)
        .values(last_value=_COUNTERS.c.last_value + 1)
        .returning(_COUNTERS.c.last_value)
    ).scalar_one()
    return f"{CASE_NUMBER_PREFIX}-{year}-{number:06d}"


def new_case_identity(
    session: Session, opened_at: datetime, *, counter_exists: bool = False
) -> tuple[str, str]:
    """A fresh (case id, case number) pair: the domain needs both before it builds a case."""
    year = opened_at.astimezone(UTC).year
    return uuid.uuid4().hex, allocate_case_number(session, year, counter_exists=counter_exists)


def add_case(session: Session, case: Case) -> Case:
    """Store a new case; one without id or number gets them from `new_case_identity`."""
    if case.customer_id is not None:
        ensure_customers(session, [case.customer_id])
    if not case.id or not case.case_number:
        case_id, number = new_case_identity(session, case.opened_at)
        case.id = case.id or case_id
        case.case_number = case.case_number or number
    session.add(case)
    session.flush()
    return case


def case_by_number(session: Session, case_number: str) -> Case | None:
    return session.scalars(select(Case).where(Case.case_number == case_number)).one_or_none()


def open_cases(session: Session, customer_id: str, *, states: Sequence[str] = OPEN_CASE_STATES) -> list[Case]:
    """The customer's cases in one of `states`, oldest first."""
    statement = (
        select(Case)
        .where(Case.customer_id == customer_id, Case.state.in_(states))
        .order_by(Case.opened_at, Case.id)
    )
    return list(session.scalars(statement))


def append_audit(
    session: Session,
    *,
    entity_type: str,
    entity_id: str,
    action: str,
    actor: str,
    role: str | None,
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
    reason: str | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one audit record (the table refuses updates and deletes); `role` None means the system."""
    event = AuditEvent(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor=actor,
        role=role,
        old_values=old_values,
        new_values=new_values,
        reason=reason,
        occurred_at=occurred_at or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def audit_trail(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    """Every audit record of one entity, oldest first."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return list(session.scalars(statement))


def issue_api_key(
    session: Session,
    user: User,
    *,
    digest: Callable[[str], str],
    hash_scheme: str,
    label: str | None = None,
    rate_limit_per_minute: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, ApiKey]:
    """Create a key for `user`, stored as `digest(raw_key)`; the raw key is returned once, never stored."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        user_id=user.id,
        key_hash=digest(raw_key),
        hash_scheme=hash_scheme,
        key_prefix=raw_key[: len(API_KEY_PREFIX) + 6],
        label=label,
        active=True,
        rate_limit_per_minute=rate_limit_per_minute,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return raw_key, key


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """An API key and the user it belongs to."""

    key: ApiKey
    user: User

    def usable(self, now: datetime) -> bool:
        """Active, unexpired, and its user active."""
        expires_at = self.key.expires_at
        return self.key.active and self.user.active and (expires_at is None or expires_at > now)


def api_key_by_hash(session: Session, key_hash: str) -> KeyOwner | None:
    """The key stored with this hash and its user, whatever their state (revoked, expired …)."""
    statement = select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.key_hash == key_hash)
    row = session.execute(statement).one_or_none()
    return None if row is None else KeyOwner(key=row[0], user=row[1])


def find_api_key(
    session: Session, key_hash: str | None = None, *, key_id: int | None = None, now: datetime | None = None
) -> KeyOwner | None:
    """The active, unexpired key with this hash (or id) whose user is active; None otherwise."""
    if key_id is None:
        owner = api_key_by_hash(session, key_hash) if key_hash else None
    else:
        statement = select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id)
        row = session.execute(statement).one_or_none()
        owner = None if row is None else KeyOwner(key=row[0], user=row[1])
    return owner if owner is not None and owner.usable(now or utcnow()) else None


def save_profile(session: Session, snapshot: RiskProfileSnapshot) -> RiskProfileSnapshot:
    """Append a risk profile snapshot (snapshots are history: never overwritten)."""
    ensure_customers(session, [snapshot.customer_id])
    session.add(snapshot)
    session.flush()
    return snapshot


def latest_profile(session: Session, customer_id: str) -> RiskProfileSnapshot | None:
    """The most recently computed profile of a customer."""
    statement = (
        select(RiskProfileSnapshot)
        .where(RiskProfileSnapshot.customer_id == customer_id)
        .order_by(RiskProfileSnapshot.computed_at.desc(), RiskProfileSnapshot.id.desc())
        .limit(1)
    )
    return session.scalars(statement).first()


def enabled_alert_rules(session: Session) -> list[AlertRule]:
    return list(session.scalars(select(AlertRule).where(AlertRule.enabled.is_(True)).order_by(AlertRule.id)))


def record_alert(session: Session, alert: Alert) -> Alert | None:
    """Store an alert unless its rule already fired with the same `dedup_key`; None when it had."""
    values = {
        column.key: getattr(alert, column.key)
        for column in _ALERTS.columns
        if column.key != "id" and getattr(alert, column.key) is not None
    }
    stored = record_alerts(session, [values])
    new_id = stored.get((alert.rule_id, alert.dedup_key))
    return None if new_id is None else session.get(Alert, new_id)


def record_alerts(session: Session, rows: Sequence[dict[str, Any]]) -> dict[tuple[int, str | None], int]:
    """Store alerts (column values) in multi-row INSERTs, skipping any whose rule already fired with
    the same `dedup_key`; returns the new ones' ids by (rule_id, dedup_key)."""
    ensure_customers(session, sorted({r["customer_id"] for r in rows if r.get("customer_id") is not None}))
    now = utcnow()
    full = [{"fired_at": now, "status": "open", "payload": {}, "repeats": 0, **row} for row in rows]
    columns = [c for c in _ALERTS.columns if c.key != "id"]
    values = [{c.key: row.get(c.key) for c in columns} for row in full]
    stored: dict[tuple[int, str | None], int] = {}
    for start in range(0, len(values), _ALERT_INSERT_ROWS):
        statement = (
            dialect_insert(session, _ALERTS)
            .values(values[start : start + _ALERT_INSERT_ROWS])
            .on_conflict_do_nothing()
            .returning(_ALERTS.c.id, _ALERTS.c.rule_id, _ALERTS.c.dedup_key)
        )
        for new_id, rule_id, dedup_key in session.execute(statement):
            stored[(rule_id, dedup_key)] = new_id
    return stored
