"""One customer's timeline as of a moment: sorted inputs, decay, satisfied closures, SignalHit."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from complaint_radar.customers.signals import CaseSignal, MessageSignal
from complaint_radar.customers.timeline import BehaviourEvent, EventKind, SkippedEvent, event_kinds
from complaint_radar.customers.weights import ProfileWeights
from complaint_radar.types import Stage

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class SignalHit:
    """One signal's strength p in [0, 1], the ids of the items behind it, and facts for its reason text."""

    code: str
    p: float
    evidence: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Closure:
    """A case closed with confirmed satisfaction `age` days ago: its issue stops contributing (SPEC §4)."""

    age: float
    topic: str | None


Item = MessageSignal | BehaviourEvent


class History:
    """A customer's messages, events and cases up to `now` (later items are ignored), sorted by time.

    Times are turned into float ages once here: tz-aware datetime arithmetic dominates the profile's
    cost otherwise.
    """

    __slots__ = (
        "_age",
        "_kind_ages",
        "_topic",
        "_ts",
        "by_kind",
        "cases",
        "closures",
        "events",
        "messages",
        "now",
        "now_ts",
        "skipped",
        "weights",
    )

    def __init__(
        self,
        messages: Iterable[MessageSignal],
        events: Iterable[BehaviourEvent],
        cases: Iterable[CaseSignal],
        now: datetime,
        weights: ProfileWeights,
    ) -> None:
        known = event_kinds()
        stamps: dict[int, float] = {}
        timed_messages = []
        for m in messages:
            ts = stamps[id(m)] = m.at.timestamp()
            timed_messages.append((ts, m))
        timed_events = []
        skipped: list[SkippedEvent] = []
        for e in events:
            if e.kind in known:
                ts = stamps[id(e)] = e.at.timestamp()
                timed_events.append((ts, e))
            else:
                skipped.append(SkippedEvent(e.event_id, f"unknown kind {e.kind!r}"))
        timed_messages.sort(key=_first)
        timed_events.sort(key=_first)
        self.skipped = tuple(skipped)
        self.weights = weights
        self._ts = stamps
        self._build(now, [m for _, m in timed_messages], [e for _, e in timed_events], list(cases))

    def _build(
        self,
        now: datetime,
        messages: list[MessageSignal],
        events: list[BehaviourEvent],
        cases: list[CaseSignal],
    ) -> None:
        """Keep the time-sorted items up to `now` and work out their ages and the satisfied closures."""
        self.now = now
        self.now_ts = now_ts = now.timestamp()
        stamps = self._ts
        age: dict[int, float] = {}
        self._age = age
        self._topic: dict[int, str | None] = {}
        self.messages = [m for m in messages if stamps[id(m)] <= now_ts]
        self.events = [e for e in events if stamps[id(e)] <= now_ts]
        by_kind: dict[str, list[BehaviourEvent]] = {}
        # Per kind, minus the ages in time order (ascending): the events within a horizon are a suffix.
        kind_ages: dict[str, list[float]] = {}
        for m in self.messages:
            age[id(m)] = (now_ts - stamps[id(m)]) / DAY
        for e in self.events:
            a = age[id(e)] = (now_ts - stamps[id(e)]) / DAY
            by_kind.setdefault(e.kind, []).append(e)
            kind_ages.setdefault(e.kind, []).append(-a)
        self.by_kind = by_kind
        self._kind_ages = kind_ages
        self.cases = [c for c in cases if c.opened_at.timestamp() <= now_ts]
        closures = [
            Closure(age[id(e)], self.topic(e))
            for e in by_kind.get(EventKind.CASE_CLOSED, ())
            if e.attributes.get("satisfied") is True
        ]
        for c in self.cases:
            resolved = c.resolved_at
            if c.satisfied is True and resolved is not None and not c.open and resolved.timestamp() <= now_ts:
                closures.append(Closure(self.age_days(resolved), c.topic))
        self.closures = closures

    def subset(self, now: datetime) -> History:
        """The same customer as of an earlier moment (reuses the sorted items and their timestamps)."""
        earlier = object.__new__(History)
        earlier.skipped = self.skipped
        earlier.weights = self.weights
        earlier._ts = self._ts
        earlier._build(now, self.messages, self.events, self.cases)
        return earlier

    def topic(self, item: Item) -> str | None:
        key = id(item)
        if key not in self._topic:
            self._topic[key] = item.topic if isinstance(item, MessageSignal) else event_topic(item)
        return self._topic[key]

    def age(self, item: Item) -> float:
        """Days from the item to `now` (items of this history only)."""
        return self._age[id(item)]

    def age_days(self, at: datetime) -> float:
        return max(0.0, (self.now_ts - at.timestamp()) / DAY)

    def decay(self, item: Item, half_life_days: float) -> float:
        return float(0.5 ** (self._age[id(item)] / half_life_days))

    def resolved(self, item: Item) -> bool:
        """Whether a satisfied closure of this item's issue came after it (SPEC.md §4)."""
        if not self.closures:
            return False
        age, topic = self._age[id(item)], self.topic(item)
        return any(
            c.age <= age and (c.topic is None or topic is None or c.topic == topic) for c in self.closures
        )

    def resolution(self, item: Item) -> float:
        return self.weights.messages.resolved_factor if self.resolved(item) else 1.0

    def recent_events(self, *kinds: str, days: float | None = None) -> list[BehaviourEvent]:
        horizon = self.weights.behaviour.window_days if days is None else days
        found: list[BehaviourEvent] = []
        for kind in kinds:
            ages = self._kind_ages.get(kind)
            if ages:
                found += self.by_kind[kind][bisect_left(ages, -horizon) :]
        if len(kinds) > 1:
            age = self._age
            found.sort(key=lambda e: -age[id(e)])
        return found

    def recent_messages(self, days: float) -> list[MessageSignal]:
        age = self._age
        return [m for m in self.messages if age[id(m)] <= days]


def _first(item: tuple[float, Any]) -> float:
    return float(item[0])


_RANK = {stage: stage.rank for stage in Stage}
# Stage ranks as plain ints: Stage.rank is a list lookup, and these comparisons run per item.
LATENT = Stage.LATENT_GRUMBLE.rank
EXPLICIT = Stage.EXPLICIT_GRUMBLE.rank
POTENTIAL = Stage.POTENTIAL_COMPLAINT.rank
FORMAL = Stage.FORMAL_COMPLAINT.rank


def effective_rank(m: MessageSignal) -> int:
    """The stage rank as profile evidence: a bare question about how to complain counts as a grumble."""
    rank = _RANK[m.stage]
    return min(rank, EXPLICIT) if m.inquiry_only else rank


def supported(m: MessageSignal) -> bool:
    """Whether the message names its problem (a cue, a cause or an order), not only the model's hunch."""
    return bool(m.cues or m.causes or m.topic) or effective_rank(m) >= EXPLICIT


def evidence_rank(m: MessageSignal) -> int:
    """The stage rank the profile builds on: an unsupported latent grumble (often a calm question) is 0."""
    rank = effective_rank(m)
    return 0 if rank == LATENT and not supported(m) else rank


def event_topic(e: BehaviourEvent) -> str | None:
    for key in ("topic", "order_id", "thread_id", "case_id"):
        value = e.attributes.get(key)
        if value not in (None, ""):
            return str(value).upper()
    return None


def noisy_or(ps: Iterable[float]) -> float:
    """1 − Π(1 − p): independent chances combined; never lower than any one of them."""
    keep = 1.0
    for p in ps:
        keep *= 1.0 - min(1.0, max(0.0, p))
    return 1.0 - keep


def family(
    code: str, parts: list[tuple[float, str]], cap: float, facts: Mapping[str, Any]
) -> SignalHit | None:
    """Several occurrences of one kind of evidence, combined and capped so one family alone stays bounded."""
    live = [(p, ref) for p, ref in parts if p > 0.0]
    if not live:
        return None
    live.sort(key=lambda item: -item[0])
    p = min(cap, noisy_or(p for p, _ in live))
    return SignalHit(code, p, tuple(dict.fromkeys(ref for _, ref in live[:5])), facts)
