"""Builders shared by the customer-profile tests: a fixed clock, messages and events days ago, a profile."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from complaint_radar.customers import (
    BehaviourEvent,
    CaseSignal,
    CustomerRiskProfile,
    MessageSignal,
    compute_profile,
)
from complaint_radar.types import RiskLevel, Stage

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
HIGH = (RiskLevel.HIGH, RiskLevel.CRITICAL)


def msg(
    mid: str, days_ago: float, stage: Stage, risk: int, channel: str = "chat", **fields: Any
) -> MessageSignal:
    return MessageSignal(
        message_id=mid,
        at=NOW - timedelta(days=days_ago),
        channel=channel,
        risk_score=risk,
        stage=stage,
        dissatisfaction_probability=0.9 if stage.rank else 0.1,
        is_complaint=stage.rank >= 3,
        **fields,
    )


def ev(
    eid: str, days_ago: float, kind: str, value: float | str | None = None, **attrs: Any
) -> BehaviourEvent:
    return BehaviourEvent(eid, NOW - timedelta(days=days_ago), kind, value, attrs)


def calm_history() -> list[BehaviourEvent]:
    """Weekly purchases and logins over 90 days: an ordinary customer."""
    rows = [ev(f"p{i}", 2 + 7 * i, "purchase", 88.0) for i in range(13)]
    rows += [ev(f"l{i}", 1 + 5 * i, "login") for i in range(18)]
    return rows


def profile(
    messages: list[MessageSignal] | None = None,
    events: list[BehaviourEvent] | None = None,
    cases: list[CaseSignal] | None = None,
    now: datetime = NOW,
) -> CustomerRiskProfile:
    return compute_profile("c1", messages or [], events or [], cases or [], now)


def numbered(items: list[Any], prefix: str) -> list[Any]:
    return [
        replace(x, **{"message_id" if prefix == "m" else "event_id": f"{prefix}{i}"})
        for i, x in enumerate(items)
    ]
