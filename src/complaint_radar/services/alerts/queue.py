"""The alert queue people work from: list fired alerts with filters, read one, acknowledge one (who, when)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.errors import NotFoundError
from complaint_radar.store import Alert, AlertRule

ALERT_STATUSES = ("open", "acknowledged")


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    rule: str
    rule_kind: str
    severity: str
    status: str
    fired_at: datetime
    customer_id: str | None
    case_id: str | None
    message_id: int | None
    payload: dict[str, Any]
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    repeats: int = 0


@dataclass(frozen=True, slots=True)
class AlertFilter:
    status: str | None = None
    severity: str | None = None
    customer_id: str | None = None
    since: datetime | None = None


def list_alerts(session: Session, where: AlertFilter, *, limit: int, offset: int = 0) -> list[AlertView]:
    """Alerts matching `where`, newest first."""
    statement = select(Alert, AlertRule).join(AlertRule, AlertRule.id == Alert.rule_id)
    if where.status is not None:
        statement = statement.where(Alert.status == where.status)
    if where.severity is not None:
        statement = statement.where(Alert.severity == where.severity)
    if where.customer_id is not None:
        statement = statement.where(Alert.customer_id == where.customer_id)
    if where.since is not None:
        statement = statement.where(Alert.fired_at >= where.since)
    statement = statement.order_by(Alert.fired_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
    return [_view(alert, rule) for alert, rule in session.execute(statement)]


def get_alert(session: Session, alert_id: int) -> AlertView:
    row = session.execute(
        select(Alert, AlertRule).join(AlertRule, AlertRule.id == Alert.rule_id).where(Alert.id == alert_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"alert {alert_id} not found; list alerts with GET /v1/alerts")
    return _view(*row)


def acknowledge_alert(session: Session, alert_id: int, *, actor: str, now: datetime) -> AlertView:
    """Mark an alert acknowledged by `actor`; acknowledging again keeps the first acknowledgement."""
    alert = session.get(Alert, alert_id)
    if alert is not None and alert.status != "acknowledged":
        alert.status = "acknowledged"
        alert.acknowledged_by = actor
        alert.acknowledged_at = now
        session.flush()
    return get_alert(session, alert_id)


def _view(alert: Alert, rule: AlertRule) -> AlertView:
    return AlertView(
        id=alert.id,
        rule=rule.name,
        rule_kind=rule.kind,
        severity=alert.severity,
        status=alert.status,
        fired_at=alert.fired_at,
        customer_id=alert.customer_id,
        case_id=alert.case_id,
        message_id=alert.message_id,
        payload=dict(alert.payload or {}),
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        repeats=alert.repeats or 0,
    )
