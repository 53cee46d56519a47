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
from complaint_radar.scoring.playbook import load_playbook
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
from complaint_radar.types import Opener

HISTORY_DAYS = 90.0
"""How much of a customer's timeline the profile reads (its longest default window is 90 days)."""

_SNAPSHOTS = RiskProfileSnapshot.metadata.tables[RiskProfileSnapshot.__tablename__]


def profile_from_window(
    window: CustomerWindow,
    customer_id: str,
    now: datetime,
    weights: ProfileWeights,
    history: timedelta = timedelta(days=HISTORY_DAYS),
    *,
    baseline: int | None = None,
) -> CustomerRiskProfile:
    """The customer's profile as of `now` from the window's last `history` and their cases
    (`baseline`: see `compute_profile`)."""
    messages, events, cases = window.view(now, history)
    return compute_profile(customer_id, messages, events, cases, now, weights, baseline=baseline)


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


@dataclass(frozen=True, slots=True)
class ProfilePoint:
    """One stored profile: the customer's risk as computed at that time (a point of the risk curve)."""

    customer_id: str
    computed_at: datetime
    risk_score: int
    risk_level: str
    stage: str
    trend: str
    recommended_action: str | None
    top_reason: dict[str, Any] | None


_S = RiskProfileSnapshot
_HEADLINE = (
    _S.id,
    _S.customer_id,
    _S.computed_at,
    _S.risk_score,
    _S.risk_level,
    _S.stage,
    _S.trend,
    _S.recommended_action,
)
"""Curves and lists read these columns, never the full profile document."""


def risk_history(
    sessions: sessionmaker[Session], customer_id: str, *, limit: int = 500
) -> list[ProfilePoint]:
    """The customer's newest `limit` profiles, oldest first."""
    statement = (
        select(*_HEADLINE)
        .where(_S.customer_id == customer_id)
        .order_by(_S.computed_at.desc(), _S.id.desc())
        .limit(limit)
    )
    with session_scope(sessions) as session:
        return [_point(row) for row in reversed(session.execute(statement).all())]


def riskiest_customers(
    sessions: sessionmaker[Session], *, min_score: int, limit: int, recent: int = 2000
) -> list[ProfilePoint]:
    """Customers whose latest profile is at `min_score` or more, riskiest first, among the customers of
    the `recent` newest profiles (the ones active lately: an old profile is no news), with the top
    reason of each."""
    statement = select(*_HEADLINE).order_by(_S.computed_at.desc(), _S.id.desc()).limit(recent)
    with session_scope(sessions) as session:
        latest: dict[str, Any] = {}
        for row in session.execute(statement):
            latest.setdefault(row.customer_id, row)
        risky = sorted(
            (r for r in latest.values() if r.risk_score >= min_score),
            key=lambda r: (-r.risk_score, r.customer_id),
        )[:limit]
        found = session.execute(select(_S.id, _S.reasons).where(_S.id.in_([r.id for r in risky])))
        reasons: dict[int, list[Any]] = {pk: value for pk, value in found}
    return [_point(row, reasons.get(row.id)) for row in risky]


def _point(row: Any, reasons: list[Any] | None = None) -> ProfilePoint:
    return ProfilePoint(
        customer_id=row.customer_id,
        computed_at=row.computed_at,
        risk_score=row.risk_score,
        risk_level=row.risk_level,
        stage=row.stage,
        trend=row.trend,
        recommended_action=row.recommended_action,
        top_reason=dict(reasons[0]) if reasons else None,
    )


@dataclass(frozen=True, slots=True)
class TypePlaybook:
    """SPEC.md §5 guidance for a customer's stage and type: what to do, what to say, what never to say."""

    guidance_zh: tuple[str, ...]
    guidance_en: tuple[str, ...]
    openers: tuple[Opener, ...]
    avoid: tuple[Opener, ...]


def playbook_for(stage: str, customer_type: str) -> TypePlaybook:
    """The playbook entries for this stage and customer type (unknown codes contribute nothing)."""
    book = load_playbook()
    zh = [
        *book.stage_guidance.get(stage, {}).get("zh", []),
        *book.type_guidance.get(customer_type, {}).get("zh", []),
    ]
    en = [
        *book.stage_guidance.get(stage, {}).get("en", []),
        *book.type_guidance.get(customer_type, {}).get("en", []),
    ]
    context = {stage, customer_type}
    openers = tuple(
        Opener(oid, spec["zh"], spec["en"])
        for oid, spec in book.openers.items()
        if {str(v) for k, v in spec["applies_to"].items() if k in ("stage", "customer_type")} & context
    )
    avoid = (
        tuple(Opener(aid, spec["zh"], spec["en"]) for aid, spec in book.avoid.items())
        if stage != "none"
        else ()
    )
    return TypePlaybook(tuple(zh), tuple(en), openers, avoid)
