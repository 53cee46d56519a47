"""Live ingestion: messages and events in, stored once, each new item recomputing its customer's profile.

`Ingestor.ingest` takes a batch of rows and runs it as one transaction: rows are checked (bad ones
reported with line and reason, the rest go on), message text is PII-masked, new messages are assessed
in one batch, messages and events are inserted idempotently by (source, external id), and then every
new item, in time order:

1. recomputes its customer's risk profile as of now (the clock; never before the item happened) from the
   stored timeline (last 90 days) and keeps a snapshot;
2. for a customer's message: attaches it to the open case on the same issue (within 7 days), or opens a
   case automatically when the §6 rule says so (stage ≥ potential complaint, risk or customer risk ≥
   threshold); the case and its audit events are stored and the profile recomputed with it.

Items already stored are counted as duplicates and change nothing, so re-sending a file after a crash
stores exactly what was missing. `replay` runs this same code with `item_time=True`: each item is
processed as of its own time, so decay and SLA clocks behave as they would have. An optional
`BatchObserver` (alerting) sees the batch inside its transaction: what it writes is kept exactly when
the batch is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from complaint_radar.cases import (
    Case,
    CaseUpdate,
    SlaConfig,
    attach_contact,
    auto_open,
    find_attachable,
    load_sla_config,
    should_open,
)
from complaint_radar.customers import (
    CustomerRiskProfile,
    MessageSignal,
    ProfileWeights,
    context_risk_score,
    trend_baseline,
    weights_from_settings,
)
from complaint_radar.services.assessment.assessing import AssessItem, Assessor
from complaint_radar.services.cases.records import append_case_events, write_case
from complaint_radar.services.customers.profiles import (
    HISTORY_DAYS,
    profile_from_window,
    save_snapshots,
    snapshot_row,
)
from complaint_radar.services.customers.timelines import (
    CustomerWindow,
    SignalCaches,
    load_windows,
    lock_customers,
)
from complaint_radar.services.intake.ingest_rows import (
    EventItem,
    InputRow,
    ItemKind,
    MessageItem,
    RowError,
    event_item,
    message_item,
)
from complaint_radar.services.intake.outcomes import (
    DEFAULT_SOURCE,
    BatchFinish,
    BatchObserver,
    BatchResult,
    ItemOutcome,
)
from complaint_radar.services.rows import RowProblem
from complaint_radar.services.runtime import Clock, SessionFactory, system_clock
from complaint_radar.settings import Settings, get_settings
from complaint_radar.store import Case as CaseRow
from complaint_radar.store import (
    insert_events,
    insert_messages,
    message_ids,
    new_case_identity,
    session_scope,
)
from complaint_radar.types import Assessment

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_SOURCE", "BatchFinish", "BatchObserver", "BatchResult", "Ingestor", "ItemOutcome"]


@dataclass(slots=True)
class _Writes:
    """A batch's case rows by id (read with its windows, or added and flushed together at the end),
    and the years whose case-number counter it has used."""

    rows: dict[str, CaseRow] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _New:
    """A new item stored in this batch, waiting for its turn."""

    item: MessageItem | EventItem
    pk: int
    assessment: Assessment | None = None

    @property
    def at(self) -> datetime:
        return self.item.record.occurred_at


class Ingestor:
    """What ingestion needs: sessions, the Assessor (models loaded on first use), settings, a clock.

    `item_time=True` processes every item as of its own time instead of the clock's (backfills and
    replays). `source` names the system rows come from when they do not say (a `source` column).
    """

    def __init__(
        self,
        sessions: SessionFactory,
        assessor: Assessor | None = None,
        *,
        settings: Settings | None = None,
        clock: Clock = system_clock,
        item_time: bool = False,
        source: str = DEFAULT_SOURCE,
        weights: ProfileWeights | None = None,
        sla: SlaConfig | None = None,
        history_days: float = HISTORY_DAYS,
        observer: BatchObserver | None = None,
        caches: SignalCaches | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings or (assessor.analyzer.settings if assessor else get_settings())
        self._assessor = assessor
        self.clock = clock
        self.item_time = item_time
        self.source = source
        self.weights = weights or weights_from_settings(self.settings)
        self.sla = sla or load_sla_config(self.settings.sla_file)
        self.history = timedelta(days=history_days)
        self.caches = caches or SignalCaches()
        self.observer = observer

    @property
    def assessor(self) -> Assessor:
        if self._assessor is None:
            self._assessor = Assessor.load(self.settings)
        return self._assessor

    def now(self, at: datetime) -> datetime:
        """When an item that happened at `at` is processed: now, or `at` itself (never before it)."""
        return at if self.item_time else max(self.clock(), at)

    def ingest_messages(self, rows: Iterable[Mapping[str, Any]], *, first_line: int = 1) -> BatchResult:
        """Message rows as one batch; a problem's `line` is the row's position counted from `first_line`."""
        return self.ingest(InputRow(ItemKind.MESSAGE, n, row) for n, row in enumerate(rows, first_line))

    def ingest_events(self, rows: Iterable[Mapping[str, Any]], *, first_line: int = 1) -> BatchResult:
        """Event rows as one batch, like `ingest_messages`."""
        return self.ingest(InputRow(ItemKind.EVENT, n, row) for n, row in enumerate(rows, first_line))

    def ingest(self, rows: Iterable[InputRow]) -> BatchResult:
        """Check the rows, then store and process the good ones in one transaction."""
        result = BatchResult()
        messages, events = self.check(rows, result)
        return self.ingest_checked(messages, events, result)

    def check(
        self, rows: Iterable[InputRow], result: BatchResult
    ) -> tuple[list[MessageItem], list[EventItem]]:
        """Rows as storable items; each bad row goes to `result.problems` (and `unknown_kinds`)."""
        messages: list[MessageItem] = []
        events: list[EventItem] = []
        for row in rows:
            try:
                if row.kind is ItemKind.MESSAGE:
                    messages.append(message_item(row, self.source, self.settings))
                else:
                    events.append(event_item(row, self.source))
            except RowError as exc:
                if exc.unknown_kind is not None:
                    result.unknown_kinds[exc.unknown_kind] += 1
                result.problems.append(RowProblem(row.line, exc.reason))
        return messages, events

    def ingest_checked(
        self, messages: list[MessageItem], events: list[EventItem], result: BatchResult | None = None
    ) -> BatchResult:
        """Store and process checked items in one transaction (all of it is kept, or none of it).

        New messages are assessed before the transaction opens, so the write lock (SQLite) and the
        customers' row locks (PostgreSQL) are not held while the models run."""
        result = result or BatchResult()
        fresh = self._assess_fresh(messages, result)
        with session_scope(self.sessions, write=True) as session:
            new = self._store_messages(session, fresh, result) + self._store_events(session, events, result)
            self._process(session, new, result)
        return result

    def _assess_fresh(
        self, items: list[MessageItem], result: BatchResult
    ) -> list[tuple[MessageItem, Assessment]]:
        """The messages not stored yet (one of each key), assessed in one batch; the rest are duplicates."""
        if not items:
            return []
        with session_scope(self.sessions) as session:
            known = message_ids(session, [m.record.key for m in items])
        fresh: dict[tuple[str, str], MessageItem] = {}
        for m in items:
            if m.record.key in known or m.record.key in fresh:
                result.duplicates += 1
            else:
                fresh[m.record.key] = m
        if not fresh:  # a file sent again: no need to load the models
            return []
        assessed = self.assessor.assess(
            [
                AssessItem(
                    text=m.record.text,
                    channel=m.record.channel,
                    message_id=m.record.external_id,
                    customer_id=m.record.customer_id,
                    speaker=m.record.speaker,
                )
                for m in fresh.values()
            ]
        )
        return list(zip(fresh.values(), assessed, strict=True))

    def _store_messages(
        self, session: Session, fresh: list[tuple[MessageItem, Assessment]], result: BatchResult
    ) -> list[_New]:
        if not fresh:
            return []
        records = [replace(m.record, assessment=a) for m, a in fresh]
        inserted = insert_messages(session, records).inserted
        new = []
        for m, a in fresh:
            pk = inserted.get(m.record.key)
            if pk is None:  # stored by someone else since we looked
                result.duplicates += 1
            else:
                new.append(_New(m, pk, a))
        return new

    def _store_events(self, session: Session, items: list[EventItem], result: BatchResult) -> list[_New]:
        if not items:
            return []
        stored = insert_events(session, [e.record for e in items])
        result.duplicates += len(stored.duplicates)
        new, taken = [], set()
        for e in items:
            pk = stored.inserted.get(e.record.key)
            if pk is not None and pk not in taken:
                taken.add(pk)
                new.append(_New(e, pk))
        return new

    def _process(self, session: Session, new: list[_New], result: BatchResult) -> None:
        """Each new item in time order (messages before events at equal times): profile, then case."""
        order = sorted(range(len(new)), key=lambda i: (new[i].at, isinstance(new[i].item, EventItem), i))
        nows = {i: self.now(new[i].at) for i in order}
        customers = {c for n in new if (c := n.item.record.customer_id) is not None}
        windows: dict[str, CustomerWindow] = {}
        writes = _Writes()
        if customers:
            lock_customers(session, customers)
            windows = load_windows(
                session,
                customers,
                min(nows.values()) - self.history,
                max(nows.values()),
                caches=self.caches,
                skip_messages=frozenset(n.pk for n in new if isinstance(n.item, MessageItem)),
                skip_events=frozenset(n.pk for n in new if isinstance(n.item, EventItem)),
                case_rows=writes.rows,
            )
        finish = None
        if self.observer is not None and new:
            finish = self.observer.start_batch(session, frozenset(customers), min(nows.values()))
        snapshots = []
        # Nothing below reads what the loop writes back from the database (the windows hold the
        # batch's state), so the case rows and audit events go in one flush, in bulk, at the end.
        with session.no_autoflush:
            for i in order:
                outcome = self._one(session, new[i], nows[i], windows, writes)
                result.items.append(outcome)
                result.new += 1
                result.cases_opened += outcome.case_action == "opened"
                result.contacts_attached += outcome.case_action == "attached"
                if outcome.profile is not None:
                    snapshots.append(snapshot_row(outcome.profile))
        session.flush()
        save_snapshots(session, snapshots)
        if finish is not None:
            finish(result)

    def _one(
        self,
        session: Session,
        new: _New,
        now: datetime,
        windows: dict[str, CustomerWindow],
        writes: _Writes,
    ) -> ItemOutcome:
        item, record = new.item, new.item.record
        customer = record.customer_id
        window = windows.get(customer) if customer is not None else None
        signal: MessageSignal | None = None
        if isinstance(item, EventItem):
            self.caches.events.put(new.pk, item.event)
            if window is not None:
                window.events.add(item.event.at, item.event)
        elif new.assessment is not None and item.record.speaker == "customer":
            signal = MessageSignal.from_assessment(
                new.assessment, record.occurred_at, thread_id=item.record.thread_id
            )
            self.caches.messages.put(new.pk, signal, _assessed_at(new.assessment))
            if window is not None:
                window.messages.add(signal.at, signal)
        profile: CustomerRiskProfile | None = None
        number = action = None
        case: Case | None = None
        if customer is not None and window is not None:
            profile = profile_from_window(window, customer, now, self.weights, self.history)
            if (
                isinstance(item, MessageItem)
                and signal is not None
                and new.assessment
                and new.assessment.valid
            ):
                assessment = replace(
                    new.assessment, context_risk_score=context_risk_score(signal.risk_score, profile)
                )
                changed = self._case_step(
                    session, window, assessment, item, signal, new.pk, profile, now, writes
                )
                if changed is not None:
                    action, case = changed[0], changed[1].case
                    number = case.number
                    # A case opened after the trend's comparison moment leaves the timeline as of
                    # then unchanged: its score is the one just worked out.
                    since = now - timedelta(days=self.weights.trend.compare_days)
                    baseline = trend_baseline(profile) if case.opened_at > since else None
                    profile = profile_from_window(
                        window, customer, now, self.weights, self.history, baseline=baseline
                    )
        return ItemOutcome(
            kind=ItemKind.EVENT if isinstance(item, EventItem) else ItemKind.MESSAGE,
            item_id=record.external_id,
            customer_id=customer,
            at=record.occurred_at,
            now=now,
            line=item.line,
            message_risk=None if new.assessment is None else new.assessment.risk_score,
            profile=profile,
            case_number=number,
            case_action=action,
            source=record.source,
            channel=item.record.channel if isinstance(item, MessageItem) else None,
            attributes=record.attributes,
            dimensions=record.dimensions,
            assessment=new.assessment,
            case_id=None if case is None else case.id,
            case_team=None if case is None else case.team,
            pk=new.pk,
        )

    def _case_step(
        self,
        session: Session,
        window: CustomerWindow,
        assessment: Assessment,
        item: MessageItem,
        signal: MessageSignal,
        message_pk: int,
        profile: CustomerRiskProfile,
        now: datetime,
        writes: _Writes,
    ) -> tuple[str, CaseUpdate] | None:
        """Attach the contact to its open case, or open one when the §6 rule says so (SPEC.md §6)."""
        customer = str(item.record.customer_id)
        target = find_attachable(
            window.open_cases(now),
            customer,
            now,
            thread_id=item.record.thread_id,
            order_id=signal.topic,
            causes=signal.causes,
            config=self.sla,
        )
        if target is not None:
            update: CaseUpdate | None = attach_contact(
                target, now, message_id=item.record.external_id, assessment=assessment
            )
            action = "attached"
        else:
            opens, _ = should_open(assessment, profile.risk_level, self.settings)
            if not opens:
                return None
            year = now.astimezone(UTC).year
            case_id, number = new_case_identity(session, now, counter_exists=year in writes.years)
            writes.years.add(year)
            update = auto_open(
                assessment,
                case_id,
                number,
                now,
                customer_risk_level=profile.risk_level,
                settings=self.settings,
                thread_id=item.record.thread_id,
                order_id=signal.topic,
            )
            action = "opened"
        if update is None:
            return None
        row = write_case(
            session,
            update.case,
            now,
            self.sla,
            new=action == "opened",
            source_message_pk=message_pk,
            row=writes.rows.get(update.case.id),
            customer_stored=True,  # with the batch's items
        )
        writes.rows[update.case.id] = row
        append_case_events(session, update.events)
        window.put_case(update.case, row.due)
        return action, update


def _assessed_at(assessment: Assessment) -> datetime | None:
    """The `assessed_at` the store keeps for this assessment (the signal cache's version key)."""
    if not assessment.assessed_at:
        return None
    parsed = datetime.fromisoformat(assessment.assessed_at)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
