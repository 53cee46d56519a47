"""The proactive outreach queue (SPEC.md §4, D0 case 2): whom to contact before they complain.

A customer is listed when their latest risk profile is at medium or above and rising, they have no open
case, and no agent has written to them in the last `outreach_contact_days` days. Most likely to file a
formal complaint within 7 days first (the profile's calibrated `complaint_probability_7d`; snapshots from
before it existed come last), then the highest risk; each entry carries the profile's leading reason and
the playbook's suggested opener.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from complaint_radar.scoring.playbook import load_playbook
from complaint_radar.store import OPEN_CASE_STATES, Case, Message, RiskProfileSnapshot

QUEUE_LEVELS = ("medium", "high", "critical")


def outreach_queue(
    session: Session,
    now: datetime,
    *,
    contact_days: int,
    rising_only: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    latest = (
        select(RiskProfileSnapshot.customer_id, func.max(RiskProfileSnapshot.id).label("id"))
        .group_by(RiskProfileSnapshot.customer_id)
        .subquery()
    )
    profile = RiskProfileSnapshot
    open_case = exists().where(
        and_(Case.customer_id == profile.customer_id, Case.state.in_(OPEN_CASE_STATES))
    )
    contacted = exists().where(
        and_(
            Message.customer_id == profile.customer_id,
            Message.speaker == "agent",
            Message.occurred_at >= now - timedelta(days=contact_days),
        )
    )
    statement = (
        select(profile)
        .join(latest, latest.c.id == profile.id)
        .where(profile.risk_level.in_(QUEUE_LEVELS), ~open_case, ~contacted)
        .order_by(
            profile.complaint_probability_7d.desc().nulls_last(),
            profile.risk_score.desc(),
            profile.customer_id,
        )
    )
    if rising_only:
        statement = statement.where(profile.trend == "rising")
    openers = load_playbook().openers
    queue = []
    for row in session.scalars(statement.limit(limit).offset(offset)):
        full = row.profile or {}
        reason = (full.get("reasons") or [{}])[0]
        action = full.get("next_action") or {}
        opener_id = action.get("opener_id") or "op_followup"
        opener = openers.get(opener_id, {})
        queue.append(
            {
                "customer_id": row.customer_id,
                "complaint_probability_7d": row.complaint_probability_7d,
                "risk_score": row.risk_score,
                "risk_level": row.risk_level,
                "trend": row.trend,
                "trend_delta": full.get("trend_delta"),
                "stage": row.stage,
                "predicted_form": row.predicted_form,
                "computed_at": row.computed_at.isoformat(),
                "reason": {k: reason.get(k) for k in ("code", "reason_zh", "reason_en", "evidence")},
                "recommended_action": row.recommended_action,
                "opener": {"id": opener_id, "zh": opener.get("zh"), "en": opener.get("en")},
            }
        )
    return queue
