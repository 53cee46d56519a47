"""Resolving a case and following it up (SPEC.md §6, D0 跟进反馈, D1 确认满意度)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from complaint_radar.cases.audit import (
    ANALYSIS_ROLES,
    CASE_WORKER_ROLES,
    make_event,
    require_actor,
    require_role,
    require_time,
)
from complaint_radar.cases.lifecycle import ALLOWED_TRANSITIONS, apply_transition, follow_up_unreachable
from complaint_radar.cases.model import (
    Case,
    CaseAction,
    CaseState,
    CaseUpdate,
    FollowUp,
    Remedy,
    Resolution,
    ResolutionCode,
    ResponsibleParty,
)
from complaint_radar.cases.policy import SlaConfig, default_sla_config
from complaint_radar.errors import CaseInputError, CaseTransitionError
from complaint_radar.types import Cause, Demand, FishboneCategory, Role

_CAUSES = frozenset(c.value for c in Cause)
_DEMANDS = frozenset(d.value for d in Demand)


def _check_codes(codes: Iterable[str], known: frozenset[str], what: str) -> tuple[str, ...]:
    result = tuple(dict.fromkeys(codes))
    unknown = [c for c in result if c not in known]
    if unknown:
        raise CaseInputError(f"unknown {what} code(s) {', '.join(unknown)}; use codes from SPEC.md §2.")
    return result


def record_resolution(
    case: Case,
    code: ResolutionCode,
    actor: str,
    role: Role | None,
    now: datetime,
    *,
    remedies: tuple[Remedy, ...] = (),
    confirmed_causes: tuple[str, ...] = (),
    responsible_party: ResponsibleParty = ResponsibleParty.UNDETERMINED,
    fishbone_category: FishboneCategory | None = None,
    root_cause_id: str | None = None,
    notes: str | None = None,
) -> CaseUpdate:
    """Record how the case was resolved and move it to `resolved` (awaiting follow-up)."""
    require_time(now, case)
    require_actor(actor)
    require_role(role, CASE_WORKER_ROLES, "recording a resolution", system_allowed=False)
    if CaseState.RESOLVED not in ALLOWED_TRANSITIONS[case.state]:
        raise CaseTransitionError(
            f"case {case.number} is {case.state.value}; a resolution is recorded from in_progress "
            "or awaiting_customer."
        )
    for remedy in remedies:
        _check_codes([remedy.demand], _DEMANDS, "remedy demand")
        if remedy.amount is not None and remedy.amount < 0:
            raise CaseInputError(f"remedy {remedy.demand} has a negative amount {remedy.amount}.")
    resolution = Resolution(
        code=code,
        recorded_at=now,
        recorded_by=actor,
        remedies=remedies,
        confirmed_causes=_check_codes(confirmed_causes, _CAUSES, "cause"),
        responsible_party=responsible_party,
        fishbone_category=fishbone_category,
        root_cause_id=root_cause_id,
        notes=notes,
    )
    recorded = replace(case, resolution=resolution)
    events = [make_event(case, recorded, CaseAction.RESOLUTION_RECORDED, actor, role, now, notes)]
    resolved, more = apply_transition(
        recorded, CaseState.RESOLVED, actor, role, now, f"resolution {code.value}"
    )
    return CaseUpdate(resolved, events + more)


def amend_analysis(
    case: Case,
    actor: str,
    role: Role,
    now: datetime,
    *,
    confirmed_causes: tuple[str, ...] | None = None,
    responsible_party: ResponsibleParty | None = None,
    fishbone_category: FishboneCategory | None = None,
    root_cause_id: str | None = None,
    reason: str | None = None,
) -> CaseUpdate:
    """An analyst or supervisor corrects the root-cause fields of a resolution, even after closing."""
    require_time(now, case)
    require_actor(actor)
    require_role(role, ANALYSIS_ROLES, "amending a case analysis", system_allowed=False)
    if case.resolution is None:
        raise CaseTransitionError(f"case {case.number} has no resolution yet; record_resolution() first.")
    res = case.resolution
    amended = replace(
        res,
        confirmed_causes=res.confirmed_causes
        if confirmed_causes is None
        else _check_codes(confirmed_causes, _CAUSES, "cause"),
        responsible_party=responsible_party or res.responsible_party,
        fishbone_category=fishbone_category or res.fishbone_category,
        root_cause_id=root_cause_id or res.root_cause_id,
    )
    if amended == res:
        return CaseUpdate(case, [])
    new = replace(case, resolution=amended)
    return CaseUpdate(new, [make_event(case, new, CaseAction.ANALYSIS_AMENDED, actor, role, now, reason)])


def _require_resolved(case: Case, what: str) -> None:
    if case.state is not CaseState.RESOLVED:
        raise CaseTransitionError(
            f"case {case.number} is {case.state.value}; {what} is recorded only for a resolved case."
        )


def record_follow_up_attempt(
    case: Case,
    actor: str,
    role: Role | None,
    now: datetime,
    *,
    note: str | None = None,
    config: SlaConfig | None = None,
) -> CaseUpdate:
    """An unanswered follow-up attempt; after enough of them over enough days → closed_unconfirmed."""
    require_time(now, case)
    require_actor(actor)
    require_role(role, CASE_WORKER_ROLES, "recording a follow-up attempt", system_allowed=True)
    _require_resolved(case, "a follow-up attempt")
    cfg = config or default_sla_config()
    attempted = replace(case, follow_up=replace(case.follow_up, attempts=(*case.follow_up.attempts, now)))
    events = [make_event(case, attempted, CaseAction.FOLLOW_UP_ATTEMPTED, actor, role, now, note)]
    if not follow_up_unreachable(attempted, cfg):
        return CaseUpdate(attempted, events)
    n = len(attempted.follow_up.attempts)
    reason = f"customer unreachable after {n} follow-up attempts over {cfg.follow_up_attempt_days} days"
    closed, more = apply_transition(attempted, CaseState.CLOSED_UNCONFIRMED, actor, role, now, reason)
    return CaseUpdate(closed, events + more)


def record_follow_up(
    case: Case,
    actor: str,
    role: Role | None,
    now: datetime,
    *,
    resolved: bool,
    csat: int | None = None,
    nps: int | None = None,
    comment: str | None = None,
) -> CaseUpdate:
    """The customer's answer: CSAT ≤ 2 or "not resolved" reopens (and raises the tier); else it closes."""
    require_time(now, case)
    require_actor(actor)
    require_role(role, CASE_WORKER_ROLES, "recording a follow-up", system_allowed=True)
    _require_resolved(case, "a follow-up")
    if csat is not None and not 1 <= csat <= 5:
        raise CaseInputError(f"CSAT {csat} is out of range; use 1 (very dissatisfied) to 5 (very satisfied).")
    if nps is not None and not 0 <= nps <= 10:
        raise CaseInputError(f"NPS {nps} is out of range; use 0 to 10.")
    answered = replace(
        case,
        follow_up=FollowUp(
            attempts=case.follow_up.attempts,
            reached_at=now,
            csat=csat,
            resolved=resolved,
            nps=nps,
            comment=comment,
        ),
    )
    events = [make_event(case, answered, CaseAction.FOLLOW_UP_RECORDED, actor, role, now, comment)]
    summary = f"follow-up: resolved={'yes' if resolved else 'no'}" + (
        f", CSAT {csat}" if csat is not None else ""
    )
    target = CaseState.CLOSED if answered.follow_up.satisfied else CaseState.REOPENED
    final, more = apply_transition(answered, target, actor, role, now, summary)
    return CaseUpdate(final, events + more)
