"""Case rules over assessments: when to open, severity, escalation triggers, guidance, assignment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from complaint_radar.cases.model import Case, EscalationTrigger, Severity, Tier
from complaint_radar.scoring.playbook import recommend_handling
from complaint_radar.settings import Settings, get_settings
from complaint_radar.types import (
    Assessment,
    Channel,
    CueCode,
    CustomerType,
    Demand,
    Handling,
    LabelScore,
    RiskLevel,
    Role,
    Stage,
)

_CUE_TRIGGERS = {
    CueCode.ESCALATE_REQUEST: EscalationTrigger.MANAGER_REQUESTED,
    CueCode.REGULATOR_THREAT: EscalationTrigger.REGULATOR_THREAT,
    CueCode.MEDIA_THREAT: EscalationTrigger.MEDIA_THREAT,
    CueCode.LEGAL_THREAT: EscalationTrigger.LEGAL_THREAT,
    CueCode.EXTERNAL_COMPLAINT_FILED: EscalationTrigger.EXTERNAL_COMPLAINT_FILED,
}


def _level_rank(level: RiskLevel) -> int:
    return Severity.from_risk_level(level).rank


def should_open(
    assessment: Assessment, customer_risk_level: RiskLevel | None = None, settings: Settings | None = None
) -> tuple[bool, str]:
    """SPEC.md §6 automatic opening: stage ≥ potential_complaint, a regulator referral, or risk ≥ threshold.

    Risk is the larger of the message's risk and its context risk; a customer profile at or above the
    threshold's level also opens a case. Returns the decision and a reason for the audit trail.
    """
    if not assessment.valid:
        return False, f"assessment is invalid ({assessment.error or 'no reason given'})"
    if assessment.stage.rank >= Stage.POTENTIAL_COMPLAINT.rank:
        return True, f"stage {assessment.stage.value} ≥ potential_complaint"
    if assessment.channel == Channel.REGULATOR_REFERRAL:
        return True, "regulator referral"
    threshold = (settings or get_settings()).case_risk_threshold
    risk = max(assessment.risk_score, assessment.context_risk_score or 0)
    if risk >= threshold:
        return True, f"risk {risk} ≥ case threshold {threshold}"
    level = RiskLevel.from_score(threshold)
    if customer_risk_level is not None and _level_rank(customer_risk_level) >= _level_rank(level):
        return True, f"customer risk {customer_risk_level.value} ≥ {level.value}"
    return False, f"stage {assessment.stage.value} < potential_complaint and risk {risk} < {threshold}"


def severity_for(assessment: Assessment, customer_risk_level: RiskLevel | None = None) -> Severity:
    """Severity = the risk level at creation: message, context or customer level, whichever is highest."""
    levels = [assessment.risk_level, RiskLevel.from_score(assessment.context_risk_score or 0)]
    if customer_risk_level is not None:
        levels.append(customer_risk_level)
    return max((Severity.from_risk_level(level) for level in levels), key=lambda s: s.rank)


def escalation_triggers(assessment: Assessment) -> frozenset[EscalationTrigger]:
    """Automatic escalation triggers in a message: manager requested, threats, external complaint filed."""
    triggers = {_CUE_TRIGGERS[CueCode(c)] for c in assessment.cue_codes() if c in _CUE_TRIGGERS}
    if any(d.code == Demand.ESCALATE_TO_MANAGER for d in assessment.demands):
        triggers.add(EscalationTrigger.MANAGER_REQUESTED)
    if assessment.channel == Channel.REGULATOR_REFERRAL:
        triggers.add(EscalationTrigger.REGULATOR_CASE)
    return frozenset(triggers)


def guidance_for_assessment(assessment: Assessment) -> Handling:
    """The playbook handling the pipeline already attached to the message (SPEC.md §5)."""
    return assessment.recommended_handling


def case_guidance(
    case: Case, stage: Stage = Stage.FORMAL_COMPLAINT, settings: Settings | None = None
) -> Handling:
    """Playbook handling for a case opened without an assessment (customer type + stage, SPEC.md §5)."""
    threshold = (settings or get_settings()).case_risk_threshold
    return recommend_handling(
        stage=stage,
        risk_level=RiskLevel(case.severity.value),
        customer_type=case.customer_type,
        causes=[LabelScore(c, 1.0) for c in case.causes],
        demands=[LabelScore(d, 1.0) for d in case.demands],
        cue_codes=set(),
        case_risk_threshold=threshold,
        risk_score=threshold,
    )


class Seniority(StrEnum):
    AGENT = "agent"
    SENIOR = "senior"
    SPECIALIST = "specialist"


@dataclass(frozen=True, slots=True)
class AgentInfo:
    """What assignment needs to know about a person who can own cases."""

    id: str
    team: str | None = None
    role: Role = Role.FRONTLINE_AGENT
    seniority: Seniority = Seniority.AGENT
    channels: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    open_cases: int = 0
    open_critical_cases: int = 0
    available: bool = True


@dataclass(frozen=True, slots=True)
class AssignmentSuggestion:
    agent_id: str
    team: str | None
    supervisor_visible: bool
    reasons: tuple[str, ...]


def _lang(code: str) -> str:
    return code.split("-")[0].lower()


def suggest_assignee(
    case: Case,
    customer_type: CustomerType | None,
    agents: Sequence[AgentInfo],
    *,
    previous_owner: str | None = None,
    max_critical_per_agent: int | None = None,
    settings: Settings | None = None,
) -> AssignmentSuggestion | None:
    """Who should own the case (SPEC.md §6), or None when nobody is available.

    Filters: available; under the cap of concurrent critical cases (for a critical case); speaks the
    customer's language when anyone does; senior or specialist for well-prepared and extremely angry
    customers when anyone is. Then prefers the customer's previous owner (continuity), more matching
    skills (channel, product; a specialist for well-prepared customers), and fewer open cases.
    """
    kind = customer_type or case.customer_type
    cap = max_critical_per_agent or (settings or get_settings()).case_max_critical_per_agent
    pool = [a for a in agents if a.available]
    reasons: list[str] = []
    if case.severity is Severity.CRITICAL:
        pool = [a for a in pool if a.open_critical_cases < cap]
        reasons.append(f"under {cap} concurrent critical cases")
    if case.language:
        speakers = [
            a for a in pool if not a.languages or _lang(case.language) in {_lang(x) for x in a.languages}
        ]
        if speakers:
            pool = speakers
    needs_senior = kind in (CustomerType.WELL_PREPARED, CustomerType.EXTREMELY_ANGRY)
    if needs_senior:
        seniors = [a for a in pool if a.seniority is not Seniority.AGENT]
        if seniors:
            pool = seniors
            reasons.append(f"{kind.value} customer → experienced/senior agent")
    if not pool:
        return None

    def rank(agent: AgentInfo) -> tuple[bool, int, bool, int, str]:
        skills = (case.channel in agent.channels) + (case.product in agent.products)
        specialist = kind is CustomerType.WELL_PREPARED and agent.seniority is Seniority.SPECIALIST
        return (agent.id != previous_owner, -skills, not specialist, agent.open_cases, agent.id)

    best = min(pool, key=rank)
    if best.id == previous_owner:
        reasons.append("continuity: owned this customer's previous case")
    skills = {"channel": case.channel in best.channels, "product": case.product in best.products}
    matched = [name for name, ok in skills.items() if ok]
    if matched:
        reasons.append("skills: " + ", ".join(matched))
    reasons.append(f"{best.open_cases} open cases")
    visible = (
        kind is CustomerType.EXTREMELY_ANGRY or case.tier is not Tier.L1_AGENT or case.supervisor_visible
    )
    return AssignmentSuggestion(best.id, best.team, visible, tuple(reasons))
