"""Ingestion and message queries for API callers, over the live `Ingestor`.

Batches run one at a time in a process (the Ingestor's signal caches are shared and not built for
concurrent writers). Before a row reaches the Ingestor it must be storable by both databases: no NUL
characters (PostgreSQL refuses them), finite numbers within 64 bits, identifiers within their column
sizes; a row that is not is reported like any other bad row, and the rest go on.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from complaint_radar.services.analysis.cube import scope_conditions
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.intake.ingest import BatchResult, Ingestor
from complaint_radar.services.intake.ingest_rows import DIMENSION_FIELDS, InputRow, ItemKind
from complaint_radar.services.rows import RowProblem
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.store import Message, session_scope

__all__ = ["BatchResult", "IntakeDesk", "ItemKind", "MessageFilter", "MessageView", "RowProblem"]

# Column sizes of the store (store/models.py) for the cells that become identifiers or codes.
_MAX_CHARS = {
    "message_id": 256,
    "event_id": 256,
    "customer_id": 128,
    "thread_id": 256,
    "source": 64,
    "kind": 64,
    "language": 16,
    "channel": 32,
    "speaker": 16,
}
_MAX_INT = 2**63 - 1
_MAX_DEPTH = 32


def storage_problem(row: Mapping[str, Any]) -> str | None:
    """Why a row could not be stored as given, or None."""
    for name, limit in _MAX_CHARS.items():
        value = row.get(name)
        if isinstance(value, str) and len(value) > limit:
            return f"{name} is longer than {limit} characters"
    return _value_problem(row, "row", 0)


def _value_problem(value: Any, where: str, depth: int) -> str | None:
    if depth > _MAX_DEPTH:
        return f"{where} is nested more than {_MAX_DEPTH} levels deep"
    if isinstance(value, str):
        return f"{where} contains a NUL character (\\u0000)" if "\x00" in value else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if -_MAX_INT <= value <= _MAX_INT else f"{where} is a number beyond 64 bits"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} is not a finite number"
    if isinstance(value, Mapping):
        for key, item in value.items():
            problem = _value_problem(str(key), f"{where} key", depth + 1) or _value_problem(
                item, f"{key}" if depth == 0 else f"{where}.{key}", depth + 1
            )
            if problem:
                return problem
        return None
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            problem = _value_problem(item, f"{where}[{i}]", depth + 1)
            if problem:
                return problem
    return None


@dataclass(frozen=True, slots=True)
class MessageFilter:
    customer_id: str | None = None
    channel: str | None = None
    stage: str | None = None
    risk_level: str | None = None
    min_risk: int | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    scope: Scope | None = None
    """Days and dimensions as the analysis counts them (assessed customer turns): chart drill-downs."""


@dataclass(frozen=True, slots=True)
class MessageView:
    """A stored message with its assessment's headline figures (the full Assessment on request)."""

    id: int
    source: str
    message_id: str
    customer_id: str | None
    thread_id: str | None
    channel: str
    speaker: str
    text: str
    language: str | None
    occurred_at: datetime
    received_at: datetime
    stage: str | None
    risk_score: int | None
    risk_level: str | None
    attributes: dict[str, Any]
    assessment: dict[str, Any] | None
    dimensions: dict[str, Any]


class IntakeDesk:
    """Batches of message or event rows in; stored messages out."""

    def __init__(self, ingestor: Ingestor, sessions: SessionFactory) -> None:
        self.ingestor = ingestor
        self.sessions = sessions
        self._lock = threading.Lock()

    def ingest(self, kind: ItemKind, rows: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Store the new rows (idempotent by source and id); `problems` give each bad row's index."""
        checked: list[InputRow] = []
        early: list[RowProblem] = []
        for index, row in enumerate(rows):
            problem = storage_problem(row)
            if problem:
                early.append(RowProblem(index, problem))
            else:
                checked.append(InputRow(kind, index, row))
        with self._lock:
            result = self.ingestor.ingest(checked)
        result.problems = sorted([*early, *result.problems], key=lambda p: p.line)
        return result

    def messages(self, where: MessageFilter, *, limit: int, offset: int = 0) -> list[MessageView]:
        """Stored messages matching `where`, newest first."""
        statement = select(Message)
        if where.customer_id is not None:
            statement = statement.where(Message.customer_id == where.customer_id)
        if where.channel is not None:
            statement = statement.where(Message.channel == where.channel)
        if where.stage is not None:
            statement = statement.where(Message.stage == where.stage)
        if where.risk_level is not None:
            statement = statement.where(Message.risk_level == where.risk_level)
        if where.min_risk is not None:
            statement = statement.where(Message.risk_score >= where.min_risk)
        if where.source is not None:
            statement = statement.where(Message.source == where.source)
        if where.since is not None:
            statement = statement.where(Message.occurred_at >= where.since)
        if where.until is not None:
            statement = statement.where(Message.occurred_at < where.until)
        if where.scope is not None:
            statement = statement.where(*scope_conditions(where.scope))
        # Within a scope, day first: the same order, and the day index yields it newest day first, so the
        # database stops after a page instead of sorting every message of the period.
        newest = (Message.occurred_at.desc(), Message.id.desc())
        order = (Message.day.desc(), *newest) if where.scope is not None else newest
        statement = statement.order_by(*order).limit(limit).offset(offset)
        with session_scope(self.sessions) as session:
            return [_view(row) for row in session.scalars(statement)]


def _view(row: Message) -> MessageView:
    return MessageView(
        id=row.id,
        source=row.source,
        message_id=row.external_id,
        customer_id=row.customer_id,
        thread_id=row.thread_id,
        channel=row.channel,
        speaker=row.speaker,
        text=row.text,
        language=row.language,
        occurred_at=row.occurred_at,
        received_at=row.received_at,
        stage=row.stage,
        risk_score=row.risk_score,
        risk_level=row.risk_level,
        attributes=dict(row.attributes or {}),
        assessment=None if row.assessment is None else dict(row.assessment),
        dimensions={d: v for d in DIMENSION_FIELDS if (v := getattr(row, d)) is not None},
    )
