"""/v1/alert-rules: the alert rules (read by alert readers; created, changed and deleted by admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from complaint_radar.api.deps import ManagingAlertRules, ReadingAlerts, SessionDep, StateDep
from complaint_radar.api.schemas.alerts import AlertRuleIn, AlertRuleList, AlertRuleOut, AlertRulePatch
from complaint_radar.api.schemas.common import ERROR_RESPONSES, ErrorBody
from complaint_radar.api.state import AppState
from complaint_radar.services.alerts.rulebook import (
    StoredRule,
    create_rule,
    delete_rule,
    get_rule,
    list_rules,
    update_rule,
)

router = APIRouter(prefix="/v1/alert-rules", tags=["alerts"], responses=ERROR_RESPONSES)
RuleId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_CHANGES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such rule."},
    409: {"model": ErrorBody, "description": "The rule comes from the rules file, or the name is taken."},
}


def _out(rule: StoredRule) -> AlertRuleOut:
    spec = rule.spec
    return AlertRuleOut(
        id=rule.id,
        name=spec.name,
        kind=spec.kind.value,
        when=spec.when.to_mapping(),
        notify=list(spec.notify),
        cooldown_minutes=spec.cooldown_minutes,
        severity=spec.severity,
        enabled=spec.enabled,
        origin=rule.origin,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def _destinations(state: AppState) -> frozenset[str]:
    return state.alerting.destinations if state.alerting is not None else frozenset()


@router.get("", response_model=AlertRuleList, summary="List alert rules")
def get_rules(_caller: ReadingAlerts, session: SessionDep) -> AlertRuleList:
    return AlertRuleList(items=[_out(rule) for rule in list_rules(session)])


@router.post("", response_model=AlertRuleOut, status_code=201, summary="Create an alert rule (admin)")
def post_rule(
    body: AlertRuleIn, _caller: ManagingAlertRules, session: SessionDep, state: StateDep
) -> AlertRuleOut:
    """`notify` may name the destinations of the server's rules file; 409 when the name is taken."""
    return _out(create_rule(session, body.model_dump(), _destinations(state)))


@router.get("/{rule_id}", response_model=AlertRuleOut, summary="One alert rule", responses=_CHANGES)
def get_one(rule_id: RuleId, _caller: ReadingAlerts, session: SessionDep) -> AlertRuleOut:
    return _out(get_rule(session, rule_id))


@router.patch(
    "/{rule_id}", response_model=AlertRuleOut, summary="Change an alert rule (admin)", responses=_CHANGES
)
def patch_rule(
    rule_id: RuleId, body: AlertRulePatch, _caller: ManagingAlertRules, session: SessionDep, state: StateDep
) -> AlertRuleOut:
    """Rules of the rules file are changed in the file (409 here)."""
    changes = body.model_dump(exclude_unset=True)
    return _out(update_rule(session, rule_id, changes, _destinations(state)))


@router.delete("/{rule_id}", status_code=204, summary="Delete an alert rule (admin)", responses=_CHANGES)
def remove_rule(rule_id: RuleId, _caller: ManagingAlertRules, session: SessionDep) -> Response:
    """A rule that has fired keeps its alerts' history: disable it instead (409)."""
    delete_rule(session, rule_id)
    return Response(status_code=204)
