"""Who handles a case and how urgently: assignment, escalation tiers, severity and attached guidance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from complaint_radar.cases.audit import (
    CASE_WORKER_ROLES,
    SUPERVISORY_ROLES,
    make_event,
    require_actor,
    require_reason,
    require_role,
    require_time,
)
from complaint_radar.cases.model import (
    OPEN_STATES,
    TERMINAL_STATES,
    Case,
    CaseAction,
    CaseState,
    CaseUpdate,
    EscalationTrigger,
    Severity,
    Tier,
)
from complaint_radar.errors import CaseInputError, CaseTransitionError
from complaint_radar.types import Handling, Role

# SPEC.md §6: the lowest tier each trigger requires. SLA breaches and manual escalations go one tier up.
TRIGGER_TIER: dict[EscalationTrigger, Tier] = {
    EscalationTrigger.MANAGER_REQUESTED: Tier.L2_SUPERVISOR,
    EscalationTrigger.REGULATOR_THREAT: Tier.L2_SUPERVISOR,
    EscalationTrigger.REMEDY_BEYOND_AUTHORITY: Tier.L2_SUPERVISOR,
    EscalationTrigger.FIRST_REOPEN: Tier.L2_SUPERVISOR,
    EscalationTrigger.MEDIA_THREAT: Tier.L3_MANAGER,
    EscalationTrigger.LEGAL_THREAT: Tier.L3_MANAGER,
    EscalationTrigger.EXTERNAL_COMPLAINT_FILED: Tier.L3_MANAGER,
    EscalationTrigger.SECOND_REOPEN: Tier.L3_MANAGER,
    EscalationTrigger.COMPENSATION_ABOVE_LIMIT: Tier.L3_MANAGER,
    EscalationTrigger.REGULATOR_CASE: Tier.EXTERNAL_LIAISON,
}


def tier_for_triggers(triggers: Iterable[EscalationTrigger], current: Tier = Tier.L1_AGENT) -> Tier:
    """The highest tier any trigger requires, never below `current`."""
    tier = current
    for trigger in triggers:
        wanted = TRIGGER_TIER.get(trigger) or current.next_internal()
        if wanted.rank > tier.rank:
            tier = wanted
    return tier


def _require_open(case: Case, what: str) -> None:
    if case.state not in OPEN_STATES:
        opened = ", ".join(sorted(s.value for s in OPEN_STATES))
        raise CaseTransitionError(
            f"{what}: case {case.number} is {case.state.value}; allowed only in open states ({opened})."
            + (" Cancelled cases are final." if case.state is CaseState.CANCELLED else " Reopen it first.")
        )


def escalate(
    case: Case,
    actor: str,
    role: Role | None,
    now: datetime,
    reason: str,
    *,
    trigger: EscalationTrigger = EscalationTrigger.MANUAL,
    to_tier: Tier | None = None,
) -> CaseUpdate:
    """Raise the tier (never lower it): to `to_tier`, to the tier `trigger` requires, or one tier up.

    A trigger whose tier the case already has changes nothing (no event), so automatic triggers can
    be applied on every contact; an explicit `to_tier` at or below the current tier is an error.
    """
    require_time(now, case)
    require_actor(actor)
    require_role(role, CASE_WORKER_ROLES, "escalating a case", system_allowed=True)
    why = require_reason(reason, "escalating a case")
    _require_open(case, "escalation")
    target = to_tier or tier_for_triggers([trigger], case.tier)
    if target.rank <= case.tier.rank:
        if to_tier is not None or trigger is EscalationTrigger.MANUAL:
            raise CaseInputError(
                f"case {case.number} is already at tier {case.tier.value}; escalation only raises the tier"
                + (" (pass to_tier=external_liaison for a regulator case)." if target is case.tier else ".")
            )
        return CaseUpdate(case, [])
    new = replace(case, tier=target, supervisor_visible=True)
    label = f"{trigger.value}: {why}" if trigger is not EscalationTrigger.MANUAL else why
    return CaseUpdate(new, [make_event(case, new, CaseAction.TIER_CHANGED, actor, role, now, label)])


def set_severity(
    case: Case, severity: Severity, actor: str, role: Role | None, now: datetime, reason: str | None = None
) -> CaseUpdate:
    """Change severity: anyone may raise it; only a supervisor may lower it, and only with a reason."""
    require_time(now, case)
    require_actor(actor)
    _require_open(case, "changing severity")
    if severity is case.severity:
        return CaseUpdate(case, [])
    if severity.rank < case.severity.rank:
        require_role(role, SUPERVISORY_ROLES, "lowering severity", system_allowed=False)
        reason = require_reason(reason, "lowering severity")
    else:
        require_role(role, CASE_WORKER_ROLES, "raising severity", system_allowed=True)
    new = replace(case, severity=severity)
    return CaseUpdate(new, [make_event(case, new, CaseAction.SEVERITY_CHANGED, actor, role, now, reason)])


def assign(
    case: Case,
    owner: str,
    actor: str,
    role: Role | None,
    now: datetime,
    *,
    team: str | None = None,
    supervisor_visible: bool | None = None,
    reason: str | None = None,
) -> CaseUpdate:
    """Give the case an owner (and team). Agents may take an unowned case; reassigning needs a supervisor."""
    require_time(now, case)
    require_actor(actor)
    if not owner.strip():
        raise CaseInputError("owner is empty; pass the id of the agent who will own the case.")
    if case.state in TERMINAL_STATES:
        raise CaseTransitionError(f"case {case.number} is {case.state.value}; reopen it before assigning it.")
    if case.owner is not None and case.owner != owner:
        require_role(role, SUPERVISORY_ROLES, "reassigning a case", system_allowed=False)
    else:
        require_role(role, CASE_WORKER_ROLES, "assigning a case", system_allowed=True)
    new = replace(
        case,
        owner=owner,
        team=team if team is not None else case.team,
        supervisor_visible=case.supervisor_visible if supervisor_visible is None else supervisor_visible,
    )
    if new == case:
        return CaseUpdate(case, [])
    return CaseUpdate(new, [make_event(case, new, CaseAction.ASSIGNED, actor, role, now, reason)])


def attach_guidance(
    case: Case, guidance: Handling, actor: str, role: Role | None, now: datetime, reason: str | None = None
) -> CaseUpdate:
    """Attach (or refresh) the §5 playbook handling shown to whoever works the case."""
    require_time(now, case)
    require_actor(actor)
    require_role(role, CASE_WORKER_ROLES, "attaching guidance", system_allowed=True)
    if case.guidance == guidance:
        return CaseUpdate(case, [])
    new = replace(case, guidance=guidance)
    return CaseUpdate(new, [make_event(case, new, CaseAction.GUIDANCE_ATTACHED, actor, role, now, reason)])
