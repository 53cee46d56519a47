"""Idempotent bulk ingestion of messages and events, keyed by (source, external id), plus assessments.

Rows go in with `INSERT … ON CONFLICT DO NOTHING … RETURNING`; whatever the database did not return
already existed. SQLite gets multi-row INSERTs (SQLAlchemy's insertmanyvalues); PostgreSQL gets the
same for small batches and COPY into a staging table for large ones (`pg_copy`). Customers named by
the rows are created on first sight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from complaint_radar.store.analysis_rows import (
    CUSTOMER_DIMENSIONS,
    DIMENSIONS,
    cause_rows,
    local_day,
    severity_weight,
)
from complaint_radar.store.columns import as_utc, utcnow
from complaint_radar.store.db import dialect_insert
from complaint_radar.store.models import Customer, Event, Message, MessageCause
from complaint_radar.store.pg_copy import copy_insert
from complaint_radar.store.rollups import RollupDelta, stored_delta
from complaint_radar.types import Assessment

ExternalKey = tuple[str, str]
"""(source, external id): what makes a message or event the same one when it is sent again."""

DEFAULT_BATCH_ROWS = 5_000
COPY_MIN_ROWS = 200
"""Below this many rows a PostgreSQL COPY (temp table, three statements) costs more than it saves."""
_T = TypeVar("_T")
_MESSAGES: Table = Message.metadata.tables[Message.__tablename__]
_EVENTS: Table = Event.metadata.tables[Event.__tablename__]
_CUSTOMERS: Table = Customer.metadata.tables[Customer.__tablename__]
_CAUSES: Table = MessageCause.metadata.tables[MessageCause.__tablename__]
_DIMENSION_COLUMNS = (*DIMENSIONS, *CUSTOMER_DIMENSIONS)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to store; `assessment` may come with it or later through `save_assessments`."""

    source: str
    external_id: str
    channel: str
    text: str
    occurred_at: datetime
    customer_id: str | None = None
    speaker: str = "customer"
    thread_id: str | None = None
    language: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    assessment: Assessment | None = None
    dimensions: Mapping[str, Any] = field(default_factory=dict)
    """product, sku, branch, region, team, agent_id, segment, tenure_days, new_or_returning (optional)."""

    @property
    def key(self) -> ExternalKey:
        return (self.source, self.external_id)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A behaviour event; a numeric `value` goes to `value_num`, text to `value_text`."""

    source: str
    external_id: str
    customer_id: str
    kind: str
    occurred_at: datetime
    value: float | str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    dimensions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> ExternalKey:
        return (self.source, self.external_id)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """`inserted` maps each new key to its row id; `duplicates` were already stored (or repeated)."""

    inserted: dict[ExternalKey, int]
    duplicates: tuple[ExternalKey, ...]

    @property
    def inserted_count(self) -> int:
        return len(self.inserted)


def insert_messages(
    session: Session, messages: Iterable[NewMessage], *, batch_rows: int = DEFAULT_BATCH_ROWS
) -> IngestResult:
    """Store messages not seen before; a (source, external id) already stored is left untouched.

    Each new message's causes go to `message_causes` with it (for cause group-bys without a JSON scan),
    and its counts to the rollups (`store.rollups`); a message already stored changes neither.
    """
    return _ingest(session, _MESSAGES, messages, _message_row, batch_rows, after=_insert_causes)


def insert_events(
    session: Session, events: Iterable[NewEvent], *, batch_rows: int = DEFAULT_BATCH_ROWS
) -> IngestResult:
    """Store behaviour events not seen before, like `insert_messages`."""
    return _ingest(session, _EVENTS, events, _event_row, batch_rows)


def ensure_customers(session: Session, customer_ids: Iterable[str]) -> int:
    """Create the customers that do not exist yet; returns how many were new."""
    ids = sorted(set(customer_ids))
    if not ids:
        return 0
    now = utcnow()
    rows = [{"id": cid, "attributes": {}, "created_at": now, "updated_at": now} for cid in ids]
    return len(_insert_new(session, _CUSTOMERS, rows, conflict=("id",), returning=("id",)))


def save_assessments(session: Session, assessments: Iterable[tuple[int, Assessment]]) -> int:
    """Attach (or replace) the Assessment of stored messages, by message row id; returns rows updated.

    The rollups move each message from its old stage, risk and causes to its new ones."""
    statement = (
        update(_MESSAGES)
        .where(_MESSAGES.c.id == bindparam("message_pk"))
        .values(
            assessment=bindparam("assessment"),
            stage=bindparam("stage"),
            risk_score=bindparam("risk_score"),
            risk_level=bindparam("risk_level"),
            assessed_at=bindparam("assessed_at"),
            severity_weight=bindparam("severity_weight"),
        )
    )
    count = 0
    connection = session.connection()
    for chunk in _chunks(assessments, DEFAULT_BATCH_ROWS):
        rows = [{"message_pk": pk, **_assessment_columns(a)} for pk, a in chunk]
        pks = [pk for pk, _ in chunk]
        delta = stored_delta(connection, pks, -1)
        connection.execute(statement, rows)
        days = dict(
            connection.execute(select(_MESSAGES.c.id, _MESSAGES.c.day).where(_MESSAGES.c.id.in_(pks))).all()
        )
        connection.execute(delete(_CAUSES).where(_CAUSES.c.message_id.in_(pks)))
        causes = [
            c
            for row in rows
            for c in cause_rows(row["message_pk"], row["assessment"], days.get(row["message_pk"]))
        ]
        if causes:
            connection.execute(insert(_CAUSES), causes)
        delta.merge(stored_delta(connection, pks, +1))
        delta.apply(connection)
        count += len(rows)
    return count


def message_ids(session: Session, keys: Iterable[ExternalKey]) -> dict[ExternalKey, int]:
    """Row ids of stored messages by (source, external id); unknown keys are absent."""
    found: dict[ExternalKey, int] = {}
    for chunk in _chunks(keys, 500):
        statement = select(Message.source, Message.external_id, Message.id).where(
            tuple_(Message.source, Message.external_id).in_(chunk)
        )
        found.update({(source, ext): pk for source, ext, pk in session.execute(statement)})
    return found


_Record = TypeVar("_Record", NewMessage, NewEvent)


def _ingest(
    session: Session,
    table: Table,
    records: Iterable[_Record],
    to_row: Callable[[_Record, datetime], dict[str, Any]],
    batch_rows: int,
    after: Callable[[Session, list[dict[str, Any]], dict[ExternalKey, int]], None] | None = None,
) -> IngestResult:
    inserted: dict[ExternalKey, int] = {}
    duplicates: list[ExternalKey] = []
    seen: set[ExternalKey] = set()
    for chunk in _chunks(records, batch_rows):
        fresh = []
        for record in chunk:
            if record.key in seen:
                duplicates.append(record.key)
            else:
                seen.add(record.key)
                fresh.append(record)
        if not fresh:
            continue
        ensure_customers(session, (r.customer_id for r in fresh if r.customer_id is not None))
        received_at = utcnow()
        rows = [to_row(record, received_at) for record in fresh]
        returned = _insert_new(
            session,
            table,
            rows,
            conflict=("source", "external_id"),
            returning=("source", "external_id", "id"),
        )
        new = {(source, ext): pk for source, ext, pk in returned}
        if after is not None and new:
            after(session, rows, new)
        inserted.update(new)
        duplicates.extend(r.key for r in fresh if r.key not in new)
    return IngestResult(inserted=inserted, duplicates=tuple(duplicates))


def _insert_new(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
) -> Sequence[tuple[Any, ...]]:
    """INSERT rows, skipping those that conflict on `conflict`; the `returning` columns of the new ones."""
    if session.get_bind().dialect.name == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        return copy_insert(session, table, rows, conflict=conflict, returning=returning)
    statement = (
        dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(*(table.c[name] for name in returning))
    )
    return [tuple(row) for row in session.connection().execute(statement, rows)]


def _insert_causes(session: Session, rows: list[dict[str, Any]], new: dict[ExternalKey, int]) -> None:
    causes: list[dict[str, Any]] = []
    delta = RollupDelta()
    for row in rows:
        pk = new.get((row["source"], row["external_id"]))
        if pk is None:
            continue
        found = list(cause_rows(pk, row["assessment"], row["day"]))
        causes.extend(found)
        delta.add(row, (c["cause"] for c in found))
    if causes:
        session.connection().execute(insert(_CAUSES), causes)
    delta.apply(session.connection())


def _dimension_values(dimensions: Mapping[str, Any]) -> dict[str, Any]:
    return {name: dimensions.get(name) for name in _DIMENSION_COLUMNS}


def _message_row(message: NewMessage, received_at: datetime) -> dict[str, Any]:
    occurred_at = as_utc(message.occurred_at)
    row: dict[str, Any] = {
        "source": message.source,
        "external_id": message.external_id,
        "customer_id": message.customer_id,
        "thread_id": message.thread_id,
        "channel": message.channel,
        "speaker": message.speaker,
        "text": message.text,
        "language": message.language,
        "occurred_at": occurred_at,
        "received_at": received_at,
        "attributes": message.attributes,
        "day": local_day(occurred_at),
        **_dimension_values(message.dimensions),
    }
    if message.assessment is None:
        row.update(
            assessment=None,
            stage=None,
            risk_score=None,
            risk_level=None,
            assessed_at=None,
            severity_weight=None,
        )
    else:
        row.update(_assessment_columns(message.assessment))
    return row


def _event_row(event: NewEvent, received_at: datetime) -> dict[str, Any]:
    occurred_at = as_utc(event.occurred_at)
    return {
        "source": event.source,
        "external_id": event.external_id,
        "customer_id": event.customer_id,
        "occurred_at": occurred_at,
        "day": local_day(occurred_at),
        **_dimension_values(event.dimensions),
        "kind": event.kind,
        "value_num": None if isinstance(event.value, str) or event.value is None else float(event.value),
        "value_text": event.value if isinstance(event.value, str) else None,
        "attributes": event.attributes,
        "received_at": received_at,
    }


def _assessment_columns(assessment: Assessment) -> dict[str, Any]:
    return {
        "assessment": assessment.to_dict(),
        "stage": str(assessment.stage),
        "risk_score": assessment.risk_score,
        "risk_level": str(assessment.risk_level),
        "assessed_at": _parse_time(assessment.assessed_at),
        "severity_weight": severity_weight(str(assessment.risk_level)),
    }


def _parse_time(value: str | None) -> datetime:
    if not value:
        return utcnow()
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _chunks(items: Iterable[_T], size: int) -> Iterator[Sequence[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
