"""The live alert feed: alerts newer than an id, in the caller's scope, as the bodies receivers get.

Supervisors, managers and admins follow every alert; a frontline agent follows the alerts about
customers with a case the agent owns. The feed reads the store, so alerts fired by any process (a
stream worker, another API server) reach every follower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from complaint_radar.services.access import Principal
from complaint_radar.services.alerts.payload import alert_body
from complaint_radar.store import Alert, Case
from complaint_radar.types import Role


@dataclass(frozen=True, slots=True)
class FeedScope:
    """Which alerts a follower sees: all, or those about customers of cases `case_owner` owns."""

    case_owner: str | None = None


def feed_scope(principal: Principal) -> FeedScope:
    return FeedScope(case_owner=principal.username if principal.role is Role.FRONTLINE_AGENT else None)


def latest_alert_id(session: Session) -> int:
    """The newest alert's id (0 when there is none): a follower without Last-Event-ID starts after it."""
    return int(session.scalar(select(func.max(Alert.id))) or 0)


def alerts_after(
    session: Session, after_id: int, scope: FeedScope, *, base_url: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    """Up to `limit` alerts with an id above `after_id`, oldest first, in `scope`."""
    statement = select(Alert).where(Alert.id > after_id).order_by(Alert.id).limit(limit)
    if scope.case_owner is not None:
        owned = select(Case.customer_id).where(Case.owner_id == scope.case_owner)
        statement = statement.where(
            or_(
                Alert.customer_id.in_(owned),
                Alert.case_id.in_(select(Case.id).where(Case.owner_id == scope.case_owner)),
            )
        )
    return [alert_body(alert, base_url) for alert in session.scalars(statement)]
