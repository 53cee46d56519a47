"""Bulk backfill of history: check, mask, assess in batches, store; each customer's profile once at the end.

Live ingestion (`Ingestor`) recomputes a customer's profile and case after every item, which is right for
new traffic and for replays but slow for loading months of history (about 430 items/s). A backfill
does the same checks and PII masking, assesses messages in batches and stores messages, events and
cause rows idempotently, then computes one profile snapshot per customer as of that customer's last
item. It opens no cases: cases come from live ingestion (`ingest` without `--bulk`). Re-running it
stores only what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from complaint_radar.customers import weights_from_settings
from complaint_radar.services.assessment.assessing import AssessItem, Assessor
from complaint_radar.services.customers.profiles import (
    HISTORY_DAYS,
    profile_from_window,
    save_snapshots,
    snapshot_row,
)
from complaint_radar.services.customers.timelines import SignalCaches, load_windows
from complaint_radar.services.intake.ingest_rows import (
    EventItem,
    InputRow,
    ItemKind,
    MessageItem,
    RowError,
    event_item,
    message_item,
)
from complaint_radar.services.rows import RowProblem
from complaint_radar.services.runtime import SessionFactory, unit_of_work
from complaint_radar.settings import Settings
from complaint_radar.store import NewEvent, NewMessage, insert_events, insert_messages, message_ids

BATCH = 2_000


@dataclass
class BackfillReport:
    rows: int = 0
    new: int = 0
    duplicates: int = 0
    profiles: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def backfill(
    sessions: SessionFactory,
    assessor: Assessor,
    messages: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    *,
    settings: Settings,
    source: str = "default",
    batch: int = BATCH,
) -> BackfillReport:
    """Store history in batches of `batch` rows (one transaction each), then profile every customer."""
    report = BackfillReport()
    last_seen: dict[str, datetime] = {}
    for kind, rows in ((ItemKind.MESSAGE, messages), (ItemKind.EVENT, events)):
        chunk: list[InputRow] = []
        for line, row in enumerate(rows, 1):
            chunk.append(InputRow(kind, line, row))
            if len(chunk) >= batch:
                _store(sessions, assessor, chunk, source, settings, report, last_seen)
                chunk = []
        if chunk:
            _store(sessions, assessor, chunk, source, settings, report, last_seen)
    report.profiles = _profiles(sessions, settings, last_seen)
    return report


def _store(
    sessions: SessionFactory,
    assessor: Assessor,
    rows: list[InputRow],
    source: str,
    settings: Settings,
    report: BackfillReport,
    last_seen: dict[str, datetime],
) -> None:
    report.rows += len(rows)
    messages: list[MessageItem] = []
    events: list[EventItem] = []
    for row in rows:
        try:
            if row.kind is ItemKind.MESSAGE:
                messages.append(message_item(row, source, settings))
            else:
                events.append(event_item(row, source))
        except RowError as exc:
            report.problems.append(RowProblem(row.line, exc.reason))
    stored: list[NewMessage | NewEvent] = []
    with unit_of_work(sessions) as session:
        if messages:
            known = message_ids(session, [m.record.key for m in messages])
            fresh = {m.record.key: m.record for m in messages if m.record.key not in known}
            report.duplicates += len(messages) - len(fresh)
            assessed = assessor.assess(
                [
                    AssessItem(
                        text=m.text,
                        channel=m.channel,
                        message_id=m.external_id,
                        customer_id=m.customer_id,
                        speaker=m.speaker,
                    )
                    for m in fresh.values()
                ]
            )
            new_messages = [replace(m, assessment=a) for m, a in zip(fresh.values(), assessed, strict=True)]
            result = insert_messages(session, new_messages)
            stored.extend(m for m in new_messages if m.key in result.inserted)
            report.new += result.inserted_count
            report.duplicates += len(result.duplicates)
        if events:
            new_events = [e.record for e in events]
            result = insert_events(session, new_events)
            stored.extend(e for e in new_events if e.key in result.inserted)
            report.new += result.inserted_count
            report.duplicates += len(result.duplicates)
    for record in stored:
        customer = record.customer_id
        if customer is not None and (customer not in last_seen or record.occurred_at > last_seen[customer]):
            last_seen[customer] = record.occurred_at


def _profiles(sessions: SessionFactory, settings: Settings, last_seen: dict[str, datetime]) -> int:
    """One snapshot per customer as of their last item (`HISTORY_DAYS` of timeline read back)."""
    weights = weights_from_settings(settings)
    history = timedelta(days=HISTORY_DAYS)
    caches = SignalCaches()
    customers = sorted(last_seen)
    done = 0
    for start in range(0, len(customers), 500):
        chunk = customers[start : start + 500]
        with unit_of_work(sessions) as session:
            first = min(last_seen[c] for c in chunk) - history
            last = max(last_seen[c] for c in chunk)
            windows = load_windows(session, chunk, first, last + timedelta(seconds=1), caches=caches)
            rows = [
                snapshot_row(profile_from_window(windows[c], c, last_seen[c], weights, history))
                for c in chunk
                if c in windows
            ]
            save_snapshots(session, rows)
            done += len(rows)
    return done
