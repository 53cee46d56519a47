"""Builders shared by the case tests: frozen Shanghai times, cases driven to any state, assessments."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from complaint_radar.cases import (
    Case,
    CaseState,
    ResolutionCode,
    Severity,
    acknowledge,
    cancel,
    open_case,
    record_follow_up,
    record_follow_up_attempt,
    record_resolution,
    transition,
)
from complaint_radar.scoring.playbook import recommend_handling
from complaint_radar.types import (
    Assessment,
    CueCode,
    CueHit,
    CustomerType,
    LabelScore,
    Polarity,
    RiskLevel,
    Role,
    Sentiment,
    Stage,
    TypeDecision,
)

SH = ZoneInfo("Asia/Shanghai")
AGENT = Role.FRONTLINE_AGENT
SUP = Role.SUPERVISOR


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026, Asia/Shanghai. The 20th is a Friday, the 23rd a Monday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


T0 = at(16, 10)  # Monday 10:00


def new_case(
    severity: Severity = Severity.HIGH,
    *,
    now: datetime = T0,
    case_id: str = "case-1",
    customer_type: CustomerType = CustomerType.UNDETERMINED,
    channel: str = "chat",
    **kwargs: object,
) -> Case:
    case, _ = open_case(
        case_id,
        f"CR-{case_id}",
        "alice",
        AGENT,
        now,
        severity=severity,
        customer_id="cust-1",
        channel=channel,
        customer_type=customer_type,
        **kwargs,  # type: ignore[arg-type]
    )
    return case


def drive(case: Case, state: CaseState, now: datetime = T0) -> Case:
    """Walk a new case along the ordinary path to `state` (all at `now`, except multi-day follow-ups)."""
    if state is CaseState.NEW:
        return case
    if state is CaseState.CANCELLED:
        return cancel(case, "sam", SUP, now, "duplicate of CR-0").case
    case = acknowledge(case, "alice", AGENT, now).case
    if state is CaseState.ACKNOWLEDGED:
        return case
    case = transition(case, CaseState.IN_PROGRESS, "alice", AGENT, now).case
    if state is CaseState.IN_PROGRESS:
        return case
    if state is CaseState.AWAITING_CUSTOMER:
        return transition(case, CaseState.AWAITING_CUSTOMER, "alice", AGENT, now).case
    case = record_resolution(case, ResolutionCode.RESOLVED_REMEDY, "alice", AGENT, now).case
    if state is CaseState.RESOLVED:
        return case
    if state is CaseState.CLOSED:
        return record_follow_up(case, "alice", AGENT, now, resolved=True, csat=5).case
    if state is CaseState.REOPENED:
        return transition(case, CaseState.REOPENED, "alice", AGENT, now, "customer called back").case
    for day in range(3):
        case = record_follow_up_attempt(case, "alice", AGENT, now + timedelta(days=day)).case
    assert case.state is CaseState.CLOSED_UNCONFIRMED
    return case


def assessment(
    *,
    stage: Stage = Stage.EXPLICIT_GRUMBLE,
    risk: int = 40,
    cues: tuple[CueCode, ...] = (),
    causes: tuple[str, ...] = ("waiting_time",),
    demands: tuple[str, ...] = (),
    channel: str = "chat",
    customer_type: CustomerType = CustomerType.UNDETERMINED,
    context_risk: int | None = None,
    message_id: str = "m-1",
    customer_id: str = "cust-1",
) -> Assessment:
    level = RiskLevel.from_score(risk)
    cause_scores = tuple(LabelScore(c, 0.9) for c in causes)
    demand_scores = tuple(LabelScore(d, 0.9) for d in demands)
    return Assessment(
        message_id=message_id,
        customer_id=customer_id,
        text="…",
        channel=channel,
        language="zh-Hans",
        sentiment=Sentiment(Polarity.NEGATIVE, -0.6),
        dissatisfaction_probability=0.8,
        complaint_probability=0.5,
        is_complaint=stage.rank >= 3,
        emotions={"anger": 0.4},
        dominant_emotion="anger",
        cues=tuple(CueHit(c, 0, 1, "…") for c in cues),
        stage=stage,
        stage_evidence=(),
        forms=(),
        causes=cause_scores,
        demands=demand_scores,
        customer_type=TypeDecision(customer_type, 0.8),
        risk_score=risk,
        risk_level=level,
        explanation=(),
        recommended_handling=recommend_handling(
            stage=stage,
            risk_level=level,
            customer_type=customer_type,
            causes=cause_scores,
            demands=demand_scores,
            cue_codes={str(c) for c in cues},
            case_risk_threshold=60,
            risk_score=risk,
        ),
        model_version="test",
        taxonomy_version="test",
        context_risk_score=context_risk,
    )
