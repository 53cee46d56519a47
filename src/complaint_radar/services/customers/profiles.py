"""Customer risk profiles over the store: recompute from a timeline window, keep snapshots, show one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from complaint_radar.cases import Case
from complaint_radar.customers import CustomerRiskProfile, ProfileWeights, compute_profile
from complaint_radar.services.cases.records import case_from_row
from complaint_radar.services.customers.timelines import CustomerWindow, SignalCaches, load_windows
from complaint_radar.store import Case as CaseRow
from complaint_radar.store import (
    Event,
    Message,
    RiskProfileSnapshot,
    customer_timeline,
    latest_profile,
    session_scope,
)

HISTORY_DAYS = 90.0
"""How much of a customer's timeline the profile reads (its longest default window is 90 days)."""

_SNAPSHOTS = RiskProfileSnapshot.metadata.tables[RiskProfileSnapshot.__tablename__]


def profile_from_window(
    window: CustomerWindow,
    customer_id: str,
    now: datetime,
    weights: ProfileWeights,
    history: timedelta = timedelta(days=HISTORY_DAYS),
) -> CustomerRiskProfile:
    """The customer's profile as of `now` from the window's last `history` and their cases."""
    messages, events, cases = window.view(now, history)
    return compute_profile(customer_id, messages, events, cases, now, weights)


def snapshot_row(profile: CustomerRiskProfile) -> dict[str, Any]:
    """The `customer_risk_profiles` row of a profile (bulk-inserted with the batch)."""
    full = profile.to_dict()
    return {
        "customer_id": profile.customer_id,
        "computed_at": profile.computed_at,
        "risk_score": profile.risk_score,
        "risk_level": profile.risk_level.value,
        "complaint_probability_7d": full["complaint_probability_7d"],
        "stage": profile.stage.value,
        "trend": profile.trend.value,
        "predicted_form": profile.predicted_form,
        "recommended_action": profile.next_action.code.value,
        "reasons": full["reasons"],
        "profile": full,
    }


def save_snapshots(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append profile snapshots in one multi-row INSERT (snapshots are history, never updated)."""
    if rows:
        session.execute(insert(_SNAPSHOTS), list(rows))


def recompute_profile(
    session: Session,
    customer_id: str,
    now: datetime,
    *,
    weights: ProfileWeights,
    caches: SignalCaches,
    history: timedelta = timedelta(days=HISTORY_DAYS),
) -> CustomerRiskProfile:
    """The customer's profile as of `now`, read from the store (after a case change, or on request)."""
    windows = load_windows(session, [customer_id], now - history, now, caches=caches)
    return profile_from_window(windows[customer_id], customer_id, now, weights, history)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One message or event of a customer's timeline, as `/v1/customers/{id}` lists it."""

    kind: str
    id: str
    source: str
    at: datetime
    channel: str | None
    text: str | None
    stage: str | None
    risk_score: int | None
    event_kind: str | None
    value: float | str | None
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CustomerView:
    """A customer's latest stored profile (None before their first item), recent timeline and cases."""

    customer_id: str
    profile: dict[str, Any] | None
    timeline: list[TimelineEntry]
    cases: list[Case]


def customer_view(
    sessions: sessionmaker[Session],
    customer_id: str,
    *,
    since: datetime | None = None,
    limit: int = 200,
) -> CustomerView | None:
    """Profile, newest `limit` timeline entries since `since` (oldest first), cases; None if unknown."""
    with session_scope(sessions) as session:
        snapshot = latest_profile(session, customer_id)
        rows = customer_timeline(session, customer_id, since=since)[-limit:]
        cases = [
            case_from_row(row)
            for row in session.scalars(
                select(CaseRow).where(CaseRow.customer_id == customer_id).order_by(CaseRow.opened_at)
            )
        ]
        if snapshot is None and not rows and not cases:
            return None
        return CustomerView(
            customer_id=customer_id,
            profile=None if snapshot is None else dict(snapshot.profile),
            timeline=[_entry(row) for row in rows],
            cases=cases,
        )


def _entry(row: Message | Event) -> TimelineEntry:
    if isinstance(row, Message):
        return TimelineEntry(
            kind="message",
            id=row.external_id,
            source=row.source,
            at=row.occurred_at,
            channel=row.channel,
            text=row.text,
            stage=row.stage,
            risk_score=row.risk_score,
            event_kind=None,
            value=None,
            attributes=dict(row.attributes),
        )
    return TimelineEntry(
        kind="event",
        id=row.external_id,
        source=row.source,
        at=row.occurred_at,
        channel=None,
        text=None,
        stage=None,
        risk_score=None,
        event_kind=row.kind,
        value=row.value_num if row.value_num is not None else row.value_text,
        attributes=dict(row.attributes),
    )
