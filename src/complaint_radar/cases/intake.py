"""Contacts becoming cases: automatic opening, one open case per customer and issue, later contacts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from complaint_radar.cases.audit import (
    CASE_WORKER_ROLES,
    SYSTEM_ACTOR,
    make_event,
    merge_codes,
    require_actor,
    require_role,
    require_time,
)
from complaint_radar.cases.calendar import seconds_between
from complaint_radar.cases.lifecycle import open_case
from complaint_radar.cases.model import Case, CaseAction, CaseOrigin, CaseUpdate
from complaint_radar.cases.policy import SlaConfig, default_sla_config
from complaint_radar.cases.routing import attach_guidance, escalate, set_severity, tier_for_triggers
from complaint_radar.cases.rules import escalation_triggers, severity_for, should_open
from complaint_radar.errors import CaseTransitionError
from complaint_radar.settings import Settings
from complaint_radar.types import Assessment, Channel, CustomerType, RiskLevel, Role


def auto_open(
    assessment: Assessment,
    case_id: str,
    number: str,
    now: datetime,
    *,
    customer_risk_level: RiskLevel | None = None,
    settings: Settings | None = None,
    issue_key: str | None = None,
    thread_id: str | None = None,
    order_id: str | None = None,
    product: str | None = None,
    regulator_deadline: datetime | None = None,
) -> CaseUpdate | None:
    """Open a case for this assessment if the §6 rule says so (None otherwise).

    Severity is the risk level at creation; the tier is the one the message's triggers require
    (S18: external complaint filed + media threat → l3_manager); guidance is the message's playbook.
    Call `find_attachable` first: a contact on an issue that already has an open case attaches to it.
    """
    opens, why = should_open(assessment, customer_risk_level, settings)
    if not opens:
        return None
    triggers = escalation_triggers(assessment)
    tier = tier_for_triggers(triggers)
    reason = why + (
        f"; tier {tier.value}: " + ", ".join(sorted(t.value for t in triggers)) if triggers else ""
    )
    kind = assessment.customer_type.code
    regulator = assessment.channel == Channel.REGULATOR_REFERRAL
    return open_case(
        case_id,
        number,
        SYSTEM_ACTOR,
        None,
        now,
        severity=severity_for(assessment, customer_risk_level),
        customer_id=assessment.customer_id,
        channel=assessment.channel,
        origin=CaseOrigin.REGULATOR_REFERRAL if regulator else CaseOrigin.AUTOMATIC,
        tier=tier,
        customer_type=kind,
        causes=tuple(c.code for c in assessment.causes),
        demands=tuple(d.code for d in assessment.demands),
        issue_key=issue_key,
        thread_id=thread_id,
        order_id=order_id,
        product=product,
        language=assessment.language if assessment.language not in ("und", "mixed") else None,
        source_message_id=assessment.message_id,
        regulator_deadline=regulator_deadline,
        guidance=assessment.recommended_handling,
        supervisor_visible=kind is CustomerType.EXTREMELY_ANGRY,
        reason=reason,
    )


def find_attachable(
    open_cases: Iterable[Case],
    customer_id: str,
    now: datetime,
    *,
    issue_key: str | None = None,
    thread_id: str | None = None,
    order_id: str | None = None,
    causes: Iterable[str] = (),
    config: SlaConfig | None = None,
) -> Case | None:
    """The open case a new contact belongs to: same customer, last contact within the attach window
    (7 days), and the same issue key, thread or order, or, when no such key contradicts, a shared cause.

    A key match beats a cause match; ties go to the most recent contact. Resolved or closed cases are
    not attachable: reopen them (or let the follow-up do it) instead.
    """
    require_time(now)
    window = (config or default_sla_config()).attach_window
    wanted = {"issue_key": issue_key, "thread_id": thread_id, "order_id": order_id}
    cause_set = set(causes)
    best: tuple[int, datetime, Case] | None = None
    for case in open_cases:
        if case.customer_id != customer_id or not case.is_open:
            continue
        if seconds_between(case.latest_contact_at, now) > window.total_seconds():
            continue
        keys = {name: getattr(case, name) for name in wanted}
        same = [n for n, v in wanted.items() if v is not None and keys[n] == v]
        conflict = any(v is not None and keys[n] is not None and keys[n] != v for n, v in wanted.items())
        if same:
            strength = 2
        elif not conflict and cause_set & set(case.causes):
            strength = 1
        else:
            continue
        candidate = (strength, case.latest_contact_at, case)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else None


def attach_contact(
    case: Case,
    now: datetime,
    *,
    message_id: str | None = None,
    assessment: Assessment | None = None,
    actor: str = SYSTEM_ACTOR,
    role: Role | None = None,
) -> CaseUpdate:
    """Attach a later contact: count it, merge its causes and demands, and apply its assessment —
    severity only ever raised, tier raised for new triggers, guidance refreshed."""
    require_time(now, case)
    require_actor(actor)
    require_role(role, CASE_WORKER_ROLES, "attaching a contact", system_allowed=True)
    if not case.is_open:
        raise CaseTransitionError(
            f"case {case.number} is {case.state.value}; reopen it or open a new case for this contact."
        )
    msg = message_id or (assessment.message_id if assessment else None)
    attached = replace(
        case,
        contact_count=case.contact_count + 1,
        last_contact_at=max(now, case.latest_contact_at),
        message_ids=merge_codes(case.message_ids, [msg] if msg else []),
        causes=merge_codes(case.causes, (c.code for c in assessment.causes) if assessment else ()),
        demands=merge_codes(case.demands, (d.code for d in assessment.demands) if assessment else ()),
    )
    events = [make_event(case, attached, CaseAction.CONTACT_ATTACHED, actor, role, now, msg)]
    if assessment is None:
        return CaseUpdate(attached, events)
    source = f"message {assessment.message_id}" if assessment.message_id else "later message"
    current = attached
    severity = severity_for(assessment)
    if severity.rank > current.severity.rank:
        current, more = set_severity(
            current,
            severity,
            SYSTEM_ACTOR,
            None,
            now,
            f"{source}: risk {assessment.risk_score} ({severity.value})",
        )
        events += more
    triggers = escalation_triggers(assessment)
    target = tier_for_triggers(triggers, current.tier)
    if target is not current.tier:
        labels = ", ".join(sorted(t.value for t in triggers))
        current, more = escalate(current, SYSTEM_ACTOR, None, now, f"{source}: {labels}", to_tier=target)
        events += more
    current, more = attach_guidance(current, assessment.recommended_handling, SYSTEM_ACTOR, None, now, source)
    events += more
    return CaseUpdate(current, events)
