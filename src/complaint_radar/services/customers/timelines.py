"""Customer timelines read from the store for profile recomputation: windows per customer, signals cached.

One batch of new items reads its customers' messages, events and cases once (a time window wide
enough for every item of the batch); each item then sees the slice `[now - history, now]`, plus the
batch's items processed before it. Stored messages and events never change once written (an
assessment replaced later is noticed by its `assessed_at`), so their profile view is cached by row id
across batches: decoding a stored Assessment is the expensive part of a timeline.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.cases import Case
from complaint_radar.customers import BehaviourEvent, CaseSignal, MessageSignal
from complaint_radar.services.cases.records import case_signal, cases_of
from complaint_radar.services.records import from_plain
from complaint_radar.store import Case as CaseRow
from complaint_radar.store import Customer, Event, Message
from complaint_radar.types import Assessment

_IN_CHUNK = 500
_V = TypeVar("_V")


class RowCache(Generic[_V]):
    """Row id → (version, value), bounded: past `limit` entries the older half is dropped (0: keeps
    nothing). Thread-safe: a server's request threads share one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: dict[int, tuple[Any, _V]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, pk: int, version: Any = None) -> _V | None:
        found = self._items.get(pk)
        return found[1] if found is not None and found[0] == version else None

    def put(self, pk: int, value: _V, version: Any = None) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            if len(self._items) >= self.limit:
                for old in list(self._items)[: max(1, self.limit // 2)]:
                    del self._items[old]
            self._items[pk] = (version, value)


SIGNAL_ROW_BYTES = 600
"""About what one cached message or event costs (tracemalloc: bench/memory_growth.py --entry-bytes)."""


@dataclass
class SignalCaches:
    """What a long-lived ingestor remembers between batches (never the cases: they change).

    The defaults suit a one-off ingestion run (a large file: up to ~0.9 GB); a server or stream
    worker, which runs for weeks, takes `SignalCaches.bounded(settings.signal_cache_rows)`."""

    messages: RowCache[MessageSignal] = field(default_factory=lambda: RowCache(500_000))
    events: RowCache[BehaviourEvent] = field(default_factory=lambda: RowCache(1_000_000))

    @classmethod
    def bounded(cls, rows: int) -> SignalCaches:
        """At most `rows` messages and `rows` events (about 2 × rows × SIGNAL_ROW_BYTES bytes)."""
        return cls(messages=RowCache(rows), events=RowCache(rows))


class _TimeOrdered(Generic[_V]):
    """Items kept in time order, with the timestamps beside them for slicing."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self.items: list[_V] = []

    def add(self, at: datetime, item: _V) -> None:
        ts = at.timestamp()
        index = bisect_right(self.stamps, ts)
        self.stamps.insert(index, ts)
        self.items.insert(index, item)

    def between(self, start: datetime, end: datetime) -> list[_V]:
        lo = bisect_left(self.stamps, start.timestamp())
        hi = bisect_right(self.stamps, end.timestamp())
        return self.items[lo:hi]


@dataclass
class CustomerWindow:
    """One customer's timeline as far as the batch needs it, and their cases (all of them)."""

    messages: _TimeOrdered[MessageSignal] = field(default_factory=_TimeOrdered)
    events: _TimeOrdered[BehaviourEvent] = field(default_factory=_TimeOrdered)
    cases: dict[str, tuple[Case, CaseSignal]] = field(default_factory=dict)

    def put_case(self, case: Case, deadlines: dict[str, Any]) -> None:
        """Add or replace a case; `deadlines` are its SLA due times (the row's `due`)."""
        self.cases[case.id] = (case, case_signal(case, deadlines))

    def view(
        self, now: datetime, history: timedelta
    ) -> tuple[list[MessageSignal], list[BehaviourEvent], list[CaseSignal]]:
        """The profile's inputs as of `now`: the last `history` of the timeline and every case."""
        start = now - history
        return (
            self.messages.between(start, now),
            self.events.between(start, now),
            [signal for _, signal in self.cases.values()],
        )

    def open_cases(self, now: datetime) -> list[Case]:
        """Cases still being worked that were opened by `now` (a later one is no place for this contact)."""
        return [case for case, _ in self.cases.values() if case.is_open and case.opened_at <= now]


def lock_customers(session: Session, customer_ids: Iterable[str]) -> None:
    """Hold these customers' rows until commit (PostgreSQL `FOR UPDATE`, in id order so two batches
    cannot deadlock), so concurrent batches about one customer take turns and each sees the other's
    cases. SQLite needs nothing: its writers already take turns."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted(set(customer_ids))
    for part in _parts(ids):
        session.execute(
            select(Customer.id).where(Customer.id.in_(part)).order_by(Customer.id).with_for_update()
        )


def load_windows(
    session: Session,
    customer_ids: Iterable[str],
    start: datetime,
    end: datetime,
    *,
    caches: SignalCaches,
    skip_messages: frozenset[int] = frozenset(),
    skip_events: frozenset[int] = frozenset(),
    case_rows: dict[str, CaseRow] | None = None,
) -> dict[str, CustomerWindow]:
    """Each customer's customer-turn messages and events with `start <= occurred_at <= end`, and cases.

    `skip_*` are row ids the caller adds itself, in its own order (the batch's new items);
    `case_rows` (when given) receives the cases' rows by id (see `cases_of`).
    """
    ids = sorted(set(customer_ids))
    windows = {customer: CustomerWindow() for customer in ids}
    for part in _parts(ids):
        _load_messages(session, part, start, end, caches.messages, skip_messages, windows)
        _load_events(session, part, start, end, caches.events, skip_events, windows)
    for customer, cases in cases_of(session, ids, rows=case_rows).items():
        for case, deadlines in cases:
            windows[customer].put_case(case, deadlines)
    return windows


def _load_messages(
    session: Session,
    customers: Sequence[str],
    start: datetime,
    end: datetime,
    cache: RowCache[MessageSignal],
    skip: frozenset[int],
    windows: dict[str, CustomerWindow],
) -> None:
    rows = session.execute(
        select(Message.id, Message.customer_id, Message.assessed_at).where(
            Message.customer_id.in_(customers),
            Message.occurred_at >= start,
            Message.occurred_at <= end,
            Message.speaker == "customer",
            Message.assessed_at.is_not(None),
        )
    ).all()
    found: list[tuple[str, MessageSignal]] = []
    missing: dict[int, tuple[str, datetime | None]] = {}
    for pk, customer, assessed_at in rows:
        if pk in skip:
            continue
        signal = cache.get(pk, assessed_at)
        if signal is None:
            missing[pk] = (str(customer), assessed_at)
        else:
            found.append((str(customer), signal))
    for part in _parts(list(missing)):
        statement = select(Message.id, Message.occurred_at, Message.assessment, Message.thread_id).where(
            Message.id.in_(part)
        )
        for pk, occurred_at, stored, thread_id in session.execute(statement):
            signal = MessageSignal.from_assessment(
                from_plain(Assessment, stored), occurred_at, thread_id=thread_id
            )
            customer, assessed_at = missing[pk]
            cache.put(pk, signal, assessed_at)
            found.append((customer, signal))
    for customer, signal in found:
        windows[customer].messages.add(signal.at, signal)


def _load_events(
    session: Session,
    customers: Sequence[str],
    start: datetime,
    end: datetime,
    cache: RowCache[BehaviourEvent],
    skip: frozenset[int],
    windows: dict[str, CustomerWindow],
) -> None:
    rows = session.execute(
        select(Event.id, Event.customer_id).where(
            Event.customer_id.in_(customers), Event.occurred_at >= start, Event.occurred_at <= end
        )
    ).all()
    found: list[BehaviourEvent] = []
    missing: list[int] = []
    for pk, _ in rows:
        if pk in skip:
            continue
        event = cache.get(pk)
        if event is None:
            missing.append(pk)
        else:
            found.append(event)
    for part in _parts(missing):
        statement = select(
            Event.id,
            Event.external_id,
            Event.customer_id,
            Event.occurred_at,
            Event.kind,
            Event.value_num,
            Event.value_text,
            Event.attributes,
        ).where(Event.id.in_(part))
        for pk, external_id, customer, at, kind, number, code, attributes in session.execute(statement):
            event = BehaviourEvent(
                event_id=external_id,
                at=at,
                kind=kind,
                value=number if number is not None else code,
                attributes=attributes or {},
                customer_id=customer,
            )
            cache.put(pk, event)
            found.append(event)
    for event in found:
        windows[str(event.customer_id)].events.add(event.at, event)


def _parts(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]
