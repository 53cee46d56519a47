"""Message risk 0–100 (SPEC.md §3 R1–R4): stage floors plus monotone evidence points."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from complaint_radar.types import THREAT_CUES, CueCode, RiskLevel

# Per stage: the floor (R2), how far evidence can lift risk above it, and how fast it saturates.
# Together these keep risk non-decreasing in stage and in every evidence point (R1).
STAGE_FLOOR = (0, 10, 30, 60, 65)
STAGE_SPAN = (29, 45, 60, 38, 35)
STAGE_SCALE = (30.0, 40.0, 55.0, 60.0, 60.0)

CUE_POINTS: dict[CueCode, float] = {
    CueCode.COMPLAINT_INTENT: 6,
    CueCode.REGULATOR_THREAT: 8,
    CueCode.MEDIA_THREAT: 8,
    CueCode.LEGAL_THREAT: 8,
    CueCode.EXTERNAL_COMPLAINT_FILED: 10,
    CueCode.ESCALATE_REQUEST: 5,
    CueCode.STAFF_ID_REQUEST: 4,
    CueCode.DEADLINE_ULTIMATUM: 5,
    CueCode.REFUND_DEMAND: 3,
    CueCode.CANCEL_DEMAND: 4,
    CueCode.CHURN_THREAT: 4,
    CueCode.NEGATIVE_REVIEW_THREAT: 4,
    CueCode.REPEAT_CONTACT: 5,
    CueCode.PRIOR_REFERENCE: 2,
    CueCode.BROKEN_PROMISE: 3,
    CueCode.LONG_WAIT: 2,
    CueCode.ACCUSATION: 5,
    CueCode.PROFANITY: 5,
    CueCode.SARCASM: 2,
    CueCode.DISAPPOINTMENT_STATEMENT: 2,
    CueCode.PUBLIC_APPEAL: 4,
    CueCode.EXCLAMATION_INTENSITY: 2,
    CueCode.ABSOLUTE_LANGUAGE: 1,
    CueCode.URGENCY: 1,
    CueCode.HARDSHIP: 5,
}


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """Everything message risk depends on; every field can only push risk up (R1)."""

    stage_rank: int
    dissatisfaction: float = 0.0
    anger: float = 0.0
    disgust: float = 0.0
    sadness: float = 0.0
    anxiety: float = 0.0
    cues: frozenset[CueCode] = field(default_factory=frozenset)
    repeat_contacts: int = 0
    n_causes: int = 0
    public_channel: bool = False


@dataclass(frozen=True, slots=True)
class RiskResult:
    score: int
    level: RiskLevel
    contributions: dict[str, float]
    floor_reason: str | None


def compute_risk(inp: RiskInputs) -> RiskResult:
    stage = max(0, min(4, inp.stage_rank))
    parts: dict[str, float] = {
        "dissatisfaction": 18.0 * _unit(inp.dissatisfaction),
        "anger_disgust": 8.0 * max(_unit(inp.anger), _unit(inp.disgust)),
        "sadness_anxiety": 4.0 * max(_unit(inp.sadness), _unit(inp.anxiety)),
        "causes": 2.0 * min(inp.n_causes, 3),
        "public_channel": 5.0 if inp.public_channel else 0.0,
        "high_intensity": 5.0 if max(inp.anger, inp.disgust) >= 0.7 else 0.0,
        "repeat_count": 2.0 if inp.repeat_contacts >= 3 else 0.0,
    }
    for code in inp.cues:
        parts[f"cue:{code}"] = CUE_POINTS.get(code, 0.0)
    points = sum(parts.values())
    score = STAGE_FLOOR[stage] + STAGE_SPAN[stage] * (1.0 - math.exp(-points / STAGE_SCALE[stage]))
    floor_reason = None
    threats = inp.cues & THREAT_CUES
    if threats:
        score = max(score, 60.0)
        floor_reason = "threat"
        if stage == 4 or inp.anger >= 0.8 or CueCode.REPEAT_CONTACT in inp.cues or inp.repeat_contacts >= 2:
            score = max(score, 80.0)
            floor_reason = "threat_escalated"
    if CueCode.EXTERNAL_COMPLAINT_FILED in inp.cues:
        score = max(score, 80.0)
        floor_reason = "external_complaint_filed"
    final = int(min(100, round(score)))
    return RiskResult(
        score=final, level=RiskLevel.from_score(final), contributions=parts, floor_reason=floor_reason
    )


def _unit(x: float) -> float:
    return 0.0 if x != x else max(0.0, min(1.0, x))
