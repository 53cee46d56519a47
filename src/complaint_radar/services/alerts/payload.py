"""What an alert says: the stored payload of a firing, and the body webhooks, e-mail and the live feed send.

Body keys (docs/alerts.md): `alert_id, rule, kind, severity, created_at, customer_id, message_id,
event_id, source, case_id, case_number, stage, risk_score, risk_level, customer_risk_score,
customer_risk_level, channel, product, team, reasons, evidence, repeats` (+ `sla` or `issue` for those
kinds) and `links` to the alert, the customer and the case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from complaint_radar.alerts import Firing, IssueSubject, ItemSubject, SlaSubject, Subject
from complaint_radar.store import Alert
from complaint_radar.types import RiskLevel


def alert_payload(firing: Firing, subject: Subject, at: datetime) -> dict[str, Any]:
    """The JSON document stored with an alert (everything of its body but the id, status and links)."""
    payload: dict[str, Any] = {
        "rule": firing.rule.name,
        "kind": firing.rule.kind.value,
        "severity": firing.severity,
        "created_at": at.isoformat(),
        "customer_id": None,
        "message_id": None,
        "event_id": None,
        "source": None,
        "case_id": None,
        "case_number": None,
        "stage": None,
        "risk_score": None,
        "risk_level": None,
        "customer_risk_score": None,
        "customer_risk_level": None,
        "channel": None,
        "product": None,
        "team": None,
        "reasons": list(firing.reasons),
        "evidence": list(firing.evidence),
    }
    if isinstance(subject, ItemSubject):
        payload.update(
            customer_id=subject.customer_id,
            source=subject.source,
            case_id=subject.case_id,
            case_number=subject.case_number,
            stage=None if subject.stage is None else subject.stage.value,
            risk_score=subject.risk_score,
            risk_level=_level(subject.risk_score),
            customer_risk_score=subject.customer_risk_score,
            customer_risk_level=_level(subject.customer_risk_score),
            channel=subject.channel,
            product=subject.product,
            team=subject.team,
            occurred_at=subject.at.isoformat(),
        )
        payload["message_id" if subject.item_kind == "message" else "event_id"] = subject.item_id
    elif isinstance(subject, SlaSubject):
        payload.update(
            customer_id=subject.customer_id,
            case_id=subject.case_id,
            case_number=subject.case_number,
            channel=subject.channel,
            team=subject.team,
            sla={"milestone": subject.milestone, "mark": subject.mark, "cycle": subject.cycle},
        )
    elif isinstance(subject, IssueSubject):
        payload["issue"] = {
            "id": subject.id,
            "key": subject.key,
            "observed": subject.observed,
            "expected": subject.expected,
            "window_start": subject.window_start,
            "window_end": subject.window_end,
        }
    return payload


def alert_body(alert: Alert, base_url: str = "") -> dict[str, Any]:
    """The alert as receivers get it: `alert_id` first, the stored payload, status, links."""
    payload = dict(alert.payload or {})
    customer, case = payload.get("customer_id"), payload.get("case_number")
    return {
        "alert_id": alert.id,
        **payload,
        "status": alert.status,
        "repeats": alert.repeats or 0,
        "links": {
            "alert": f"{base_url}/v1/alerts/{alert.id}",
            "customer": None if customer is None else f"{base_url}/v1/customers/{customer}",
            "case": None if case is None else f"{base_url}/v1/cases/{case}",
        },
    }


def _level(score: int | None) -> str | None:
    return None if score is None else RiskLevel.from_score(score).value
