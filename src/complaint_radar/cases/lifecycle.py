"""The case state machine (SPEC.md §6): allowed transitions, who may make them, and opening a case."""

from __future__ import annotations

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
    TERMINAL_STATES,
    Case,
    CaseAction,
    CaseOrigin,
    CaseState,
    CaseUpdate,
    EscalationTrigger,
    FollowUp,
    Pause,
    Severity,
    Tier,
)
from complaint_radar.cases.policy import SlaConfig, default_sla_config, follow_up_required
from complaint_radar.cases.routing import escalate
from complaint_radar.errors import CaseInputError, CaseTransitionError
from complaint_radar.types import Channel, CustomerType, Handling, Role

S = CaseState
ALLOWED_TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED, S.CANCELLED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.AWAITING_CUSTOMER, S.RESOLVED, S.CANCELLED}),
    S.AWAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.CLOSED, S.CLOSED_UNCONFIRMED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.CLOSED_UNCONFIRMED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.CANCELLED: frozenset(),
}


def allowed_next_states(case: Case) -> tuple[CaseState, ...]:
    """States the case may move to next, in lifecycle order."""
    return tuple(s for s in CaseState if s in ALLOWED_TRANSITIONS[case.state])


def _transition_error(case: Case, to_state: CaseState) -> CaseTransitionError:
    allowed = allowed_next_states(case)
    hint = (
        f"allowed next states: {', '.join(s.value for s in allowed)}."
        if allowed
        else "it is final and cannot change."
    )
    return CaseTransitionError(
        f"case {case.number} is {case.state.value} and cannot move to {to_state.value}; {hint}"
    )


def follow_up_unreachable(case: Case, config: SlaConfig | None = None) -> bool:
    """SPEC.md §6: enough unanswered follow-up attempts, spread over enough days, to stop trying."""
    cfg = config or default_sla_config()
    attempts = case.follow_up.attempts
    days = {cfg.calendar.local_date(t) for t in attempts}
    return len(attempts) >= cfg.follow_up_max_attempts and len(days) >= cfg.follow_up_attempt_days


def move(case: Case, to_state: CaseState, now: datetime) -> Case:
    """The case in `to_state` with its timestamps, pause clock and reopen bookkeeping updated.

    No checks: `transition` and the follow-up functions check before calling it.
    """
    pauses, paused_since = case.pauses, case.paused_since
    if paused_since is not None and to_state is not S.AWAITING_CUSTOMER:
        if now > paused_since:
            pauses = (*pauses, Pause(paused_since, now))
        paused_since = None
    new = replace(case, state=to_state, pauses=pauses, paused_since=paused_since)
    if to_state is S.ACKNOWLEDGED:
        new = replace(new, acknowledged_at=now)
    elif to_state is S.AWAITING_CUSTOMER:
        new = replace(new, paused_since=now)
    elif to_state is S.RESOLVED:
        new = replace(new, resolved_at=now, first_response_at=case.first_response_at or now)
    elif to_state in TERMINAL_STATES:
        new = replace(new, closed_at=now)
    elif to_state is S.REOPENED:
        new = replace(
            new,
            reopened_at=now,
            reopen_count=case.reopen_count + 1,
            resolved_at=None,
            closed_at=None,
            resolution=None,
            prior_resolutions=(*case.prior_resolutions, *([case.resolution] if case.resolution else [])),
            follow_up=FollowUp(),
            prior_follow_ups=(*case.prior_follow_ups, case.follow_up),
        )
    return new


def apply_transition(
    case: Case, to_state: CaseState, actor: str, role: Role | None, now: datetime, reason: str | None
) -> CaseUpdate:
    """Move without guards and record it; reopening also raises the tier (first → l2, second → l3)."""
    new = move(case, to_state, now)
    events = [make_event(case, new, CaseAction.STATE_CHANGED, actor, role, now, reason)]
    if to_state is S.REOPENED:
        trigger = EscalationTrigger.FIRST_REOPEN if new.reopen_count == 1 else EscalationTrigger.SECOND_REOPEN
        new, more = escalate(new, actor, role, now, f"reopen #{new.reopen_count}", trigger=trigger)
        events += more
    return CaseUpdate(new, events)


def transition(
    case: Case,
    to_state: CaseState,
    actor: str,
    role: Role | None,
    now: datetime,
    reason: str | None = None,
    *,
    config: SlaConfig | None = None,
) -> CaseUpdate:
    """Move a case to `to_state` if the lifecycle and the actor's role allow it.

    Role None means the system. Cancelling needs a supervisor (or manager/admin) and a reason.
    `resolved` is reached through `record_resolution`; `closed` after a required follow-up through
    `record_follow_up` (a supervisor may close anyway, with a reason); `closed_unconfirmed` only
    once the follow-up attempts are exhausted.
    """
    require_time(now, case)
    require_actor(actor)
    if to_state not in ALLOWED_TRANSITIONS[case.state]:
        raise _transition_error(case, to_state)
    if to_state is S.CANCELLED:
        require_role(role, SUPERVISORY_ROLES, "cancelling a case", system_allowed=False)
        reason = require_reason(reason, "cancelling a case (duplicate or spam)")
    else:
        require_role(role, CASE_WORKER_ROLES, f"moving a case to {to_state.value}", system_allowed=True)
    if to_state is S.RESOLVED:
        raise CaseTransitionError(
            f"case {case.number}: resolve it with record_resolution(), which records the resolution code, "
            "remedies and confirmed causes."
        )
    if to_state is S.CLOSED and follow_up_required(case, config) and not case.follow_up.satisfied:
        supervisor_override = role in SUPERVISORY_ROLES and bool(reason and reason.strip())
        if not supervisor_override:
            raise CaseTransitionError(
                f"case {case.number} needs a follow-up before closing: record it with record_follow_up(), "
                "or have a supervisor close it with a reason."
            )
    if to_state is S.CLOSED_UNCONFIRMED and not follow_up_unreachable(case, config):
        cfg = config or default_sla_config()
        raise CaseTransitionError(
            f"case {case.number} can close unconfirmed only after {cfg.follow_up_max_attempts} unanswered "
            f"follow-up attempts over {cfg.follow_up_attempt_days} days; {len(case.follow_up.attempts)} "
            "recorded. Use record_follow_up_attempt()."
        )
    return apply_transition(case, to_state, actor, role, now, reason)


def acknowledge(case: Case, actor: str, role: Role | None, now: datetime) -> CaseUpdate:
    return transition(case, S.ACKNOWLEDGED, actor, role, now)


def cancel(case: Case, actor: str, role: Role, now: datetime, reason: str) -> CaseUpdate:
    """Void a duplicate or spam case (supervisor only)."""
    return transition(case, S.CANCELLED, actor, role, now, reason)


def reopen(case: Case, actor: str, role: Role | None, now: datetime, reason: str | None = None) -> CaseUpdate:
    return transition(case, S.REOPENED, actor, role, now, reason)


def record_first_response(case: Case, plan: str, actor: str, role: Role | None, now: datetime) -> CaseUpdate:
    """The first response with a plan (an SLA milestone); an acknowledged case moves to in_progress."""
    require_time(now, case)
    require_actor(actor)
    require_role(role, CASE_WORKER_ROLES, "recording the first response", system_allowed=False)
    if not plan.strip():
        raise CaseInputError("the first response needs a plan: say what will be done and by when.")
    if case.state not in (S.ACKNOWLEDGED, S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.REOPENED):
        hint = "acknowledge it first" if case.state is S.NEW else "it is no longer being worked"
        raise CaseTransitionError(f"case {case.number} is {case.state.value}: {hint}.")
    if case.first_response_at is not None:
        raise CaseInputError(
            f"case {case.number} already had its first response at {case.first_response_at.isoformat()}."
        )
    new = replace(case, first_response_at=now, first_response_plan=plan.strip())
    events = [make_event(case, new, CaseAction.FIRST_RESPONSE, actor, role, now)]
    if new.state is S.ACKNOWLEDGED:
        new, more = apply_transition(new, S.IN_PROGRESS, actor, role, now, "first response given")
        events += more
    return CaseUpdate(new, events)


def open_case(
    case_id: str,
    number: str,
    actor: str,
    role: Role | None,
    now: datetime,
    *,
    severity: Severity,
    customer_id: str | None = None,
    channel: str | None = None,
    origin: CaseOrigin = CaseOrigin.MANUAL,
    tier: Tier = Tier.L1_AGENT,
    customer_type: CustomerType = CustomerType.UNDETERMINED,
    causes: tuple[str, ...] = (),
    demands: tuple[str, ...] = (),
    issue_key: str | None = None,
    thread_id: str | None = None,
    order_id: str | None = None,
    product: str | None = None,
    language: str | None = None,
    source_message_id: str | None = None,
    regulator_deadline: datetime | None = None,
    guidance: Handling | None = None,
    owner: str | None = None,
    team: str | None = None,
    supervisor_visible: bool = False,
    reason: str | None = None,
) -> CaseUpdate:
    """A new case in state `new`. Manual opening needs a person (any role); the system opens automatically.

    Regulator referrals go straight to the external-liaison tier.
    """
    require_time(now)
    require_actor(actor)
    if not case_id.strip() or not number.strip():
        raise CaseInputError("a case needs an id and a number; the store assigns both.")
    if origin is CaseOrigin.MANUAL and role is None:
        raise CaseInputError(
            "a manual case needs the role of the person opening it; the system uses origin=automatic."
        )
    if regulator_deadline is not None:
        require_time(regulator_deadline)
    if origin is CaseOrigin.REGULATOR_REFERRAL or channel == Channel.REGULATOR_REFERRAL:
        origin, tier = CaseOrigin.REGULATOR_REFERRAL, Tier.EXTERNAL_LIAISON
    case = Case(
        id=case_id,
        number=number,
        customer_id=customer_id,
        state=S.NEW,
        severity=severity,
        tier=tier,
        opened_at=now,
        origin=origin,
        channel=channel,
        owner=owner,
        team=team,
        supervisor_visible=supervisor_visible or tier.rank > 0,
        issue_key=issue_key,
        thread_id=thread_id,
        order_id=order_id,
        product=product,
        language=language,
        customer_type=customer_type,
        causes=tuple(dict.fromkeys(causes)),
        demands=tuple(dict.fromkeys(demands)),
        source_message_id=source_message_id,
        message_ids=(source_message_id,) if source_message_id else (),
        last_contact_at=now,
        regulator_deadline=regulator_deadline,
        guidance=guidance,
    )
    return CaseUpdate(case, [make_event(None, case, CaseAction.OPENED, actor, role, now, reason)])
