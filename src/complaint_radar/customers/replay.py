"""In-memory replay: feed timelines to the profile item by item, as the service will; one row per item."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaint_radar.customers.likelihood import ComplaintModel
from complaint_radar.customers.profile import CustomerRiskProfile, compute_profile
from complaint_radar.customers.signals import MessageSignal
from complaint_radar.customers.timeline import BehaviourEvent, SkippedEvent, parse_events
from complaint_radar.customers.weights import ProfileWeights
from complaint_radar.types import Assessment

Assessor = Callable[[Sequence[Mapping[str, Any]]], Iterable[Assessment]]
"""Assesses message dicts (`text`, `channel`, `message_id`, `customer_id`) in order (Analyzer.assess_many)."""


@dataclass(frozen=True, slots=True)
class ReplayRow:
    """The customer's profile right after one item (`kind` message or event) arrived."""

    customer_id: str
    at: datetime
    item_id: str
    kind: str
    risk_score: int
    risk_level: str
    stage: str
    message_risk: int | None
    complaint_probability_7d: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "at": self.at.isoformat(),
            "item_id": self.item_id,
            "kind": self.kind,
            "risk_score": self.risk_score,
            "risk_level": self.risk_level,
            "stage": self.stage,
            "message_risk": self.message_risk,
            "complaint_probability_7d": round(self.complaint_probability_7d, 4),
        }


@dataclass(frozen=True, slots=True)
class ReplayResult:
    rows: list[ReplayRow]
    skipped: tuple[SkippedEvent, ...]


def replay(
    messages: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    assess: Assessor,
    *,
    weights: ProfileWeights | None = None,
    model: ComplaintModel | None = None,
    history_days: float = 90.0,
    on_profile: Callable[[CustomerRiskProfile], None] | None = None,
) -> ReplayResult:
    """Replay message rows (`message_id, customer_id, occurred_at, channel, text`) and event rows by time.

    Messages are assessed in one batch (an assessment does not depend on history); then, item by item,
    the customer's profile is recomputed from the last `history_days` of their timeline with now = the
    item's time. Invalid events are skipped and reported. `on_profile` sees every profile computed.
    """
    w = weights or ProfileWeights.default()
    message_rows = list(messages)
    signals = [
        MessageSignal.from_assessment(a, row["occurred_at"], thread_id=_text_or_none(row.get("thread_id")))
        for row, a in zip(
            message_rows,
            assess(
                [
                    {
                        "text": str(row["text"]),
                        "channel": row.get("channel"),
                        "message_id": str(row["message_id"]),
                        "customer_id": str(row["customer_id"]),
                    }
                    for row in message_rows
                ]
            ),
            strict=True,
        )
    ]
    parsed = parse_events(events)
    items: list[tuple[datetime, int, str, MessageSignal | BehaviourEvent, int | None]] = [
        (s.at, 1, str(row["customer_id"]), s, s.risk_score)
        for row, s in zip(message_rows, signals, strict=True)
    ]
    items += [(e.at, 0, str(e.customer_id), e, None) for e in parsed.events]
    items.sort(key=lambda item: (item[0], item[1]))
    timelines: dict[str, tuple[list[MessageSignal], list[BehaviourEvent]]] = {}
    window = timedelta(days=history_days)
    rows: list[ReplayRow] = []
    for at, _, customer, item, message_risk in items:
        msgs, evts = timelines.setdefault(customer, ([], []))
        if isinstance(item, MessageSignal):
            msgs.append(item)
        else:
            evts.append(item)
        _trim(msgs, at - window)
        _trim(evts, at - window)
        profile = compute_profile(customer, msgs, evts, (), at, w, model=model)
        if on_profile is not None:
            on_profile(profile)
        rows.append(
            ReplayRow(
                customer_id=customer,
                at=at,
                item_id=item.message_id if isinstance(item, MessageSignal) else item.event_id,
                kind="message" if isinstance(item, MessageSignal) else "event",
                risk_score=profile.risk_score,
                risk_level=profile.risk_level.value,
                stage=profile.stage.value,
                message_risk=message_risk,
                complaint_probability_7d=profile.complaint_probability_7d,
            )
        )
    return ReplayResult(rows, parsed.skipped)


def _trim(items: list[Any], horizon: datetime) -> None:
    """Drop items older than the horizon (lists are in time order)."""
    drop = 0
    while drop < len(items) and items[drop].at < horizon:
        drop += 1
    if drop:
        del items[:drop]


def _text_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
