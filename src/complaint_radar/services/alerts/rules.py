"""Alert rules as administrators tune them: list, switch on or off, change numeric thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.errors import InputError, NotFoundError
from complaint_radar.services.access import Permission, Principal, require
from complaint_radar.store import AlertRule, append_audit


@dataclass(frozen=True, slots=True)
class RuleView:
    id: int
    name: str
    kind: str
    enabled: bool
    thresholds: dict[str, float]
    """The rule's numeric parameters (what an administrator may tune); others are shown, not edited."""
    other_params: dict[str, Any]


def list_rules(session: Session) -> list[RuleView]:
    return [_view(rule) for rule in session.scalars(select(AlertRule).order_by(AlertRule.id))]


def update_rule(
    session: Session,
    rule_id: int,
    *,
    enabled: bool,
    thresholds: Mapping[str, float],
    actor: Principal,
    now: datetime,
) -> RuleView:
    """Switch a rule on or off and set its numeric thresholds (only those it already has). Admins only."""
    require(actor, Permission.ADMINISTER)
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFoundError(f"alert rule {rule_id} not found")
    current = _view(rule)
    unknown = sorted(set(thresholds) - set(current.thresholds))
    if unknown:
        raise InputError(
            f"alert rule {rule.name} has no threshold {', '.join(unknown)}; "
            f"it has: {', '.join(current.thresholds) or 'none'}"
        )
    bad = sorted(name for name, value in thresholds.items() if not math.isfinite(value))
    if bad:
        raise InputError(f"alert rule {rule.name}: {', '.join(bad)} must be a finite number")
    params = {**dict(rule.params or {}), **thresholds}
    old = {"enabled": rule.enabled, **current.thresholds}
    new = {"enabled": enabled, **{k: params[k] for k in current.thresholds}}
    if old != new:
        rule.params, rule.enabled, rule.updated_at = params, enabled, now
        append_audit(
            session,
            entity_type="alert_rule",
            entity_id=str(rule.id),
            action="alert_rule_changed",
            actor=actor.username,
            role=actor.role.value,
            old_values=old,
            new_values=new,
            occurred_at=now,
        )
        session.flush()
    return _view(rule)


def _view(rule: AlertRule) -> RuleView:
    params = dict(rule.params or {})
    numeric = {
        k: float(v) for k, v in params.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }
    return RuleView(
        id=rule.id,
        name=rule.name,
        kind=rule.kind,
        enabled=rule.enabled,
        thresholds=numeric,
        other_params={k: v for k, v in params.items() if k not in numeric},
    )
