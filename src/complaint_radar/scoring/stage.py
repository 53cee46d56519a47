"""Escalation stage (SPEC.md §2.3): the highest stage whose entry criteria the evidence meets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from complaint_radar.types import Channel, CueCode, CueHit, Stage

# Stage floor of each counting cue (SPEC.md §2.4). Intensity-only cues have none.
CUE_FLOOR: dict[CueCode, int] = {
    CueCode.COMPLAINT_INTENT: 4,
    CueCode.REGULATOR_THREAT: 3,
    CueCode.MEDIA_THREAT: 3,
    CueCode.LEGAL_THREAT: 3,
    CueCode.EXTERNAL_COMPLAINT_FILED: 4,
    CueCode.ESCALATE_REQUEST: 3,
    CueCode.STAFF_ID_REQUEST: 3,
    CueCode.DEADLINE_ULTIMATUM: 3,
    CueCode.REFUND_DEMAND: 2,
    CueCode.CANCEL_DEMAND: 2,
    CueCode.CHURN_THREAT: 2,
    CueCode.NEGATIVE_REVIEW_THREAT: 2,
    CueCode.REPEAT_CONTACT: 2,
    CueCode.PRIOR_REFERENCE: 2,
    CueCode.BROKEN_PROMISE: 2,
    CueCode.LONG_WAIT: 1,
    CueCode.ACCUSATION: 2,
    CueCode.PROFANITY: 2,
    CueCode.SARCASM: 2,
    CueCode.DISAPPOINTMENT_STATEMENT: 2,
    CueCode.PUBLIC_APPEAL: 2,
}

# Cues whose words are also used calmly or casually (退款到账了, 上次谢谢你, 呵呵, "holy crap"):
# full floor only with negative context.
CONTEXT_DEPENDENT = frozenset(
    {
        CueCode.PRIOR_REFERENCE,
        CueCode.REFUND_DEMAND,
        CueCode.CANCEL_DEMAND,
        CueCode.SARCASM,
        CueCode.PROFANITY,
    }
)


@dataclass(frozen=True, slots=True)
class StageEvidence:
    """What the stage rules look at, besides cues (all already decided upstream)."""

    negative_context: bool
    positive_tone: bool
    negative_evaluation: bool
    problem_fact: bool
    model_grumble: bool
    model_problem: bool
    concrete_causes: int
    repeat_contacts: int
    channel: str | None


@dataclass(frozen=True, slots=True)
class StageDecision:
    stage: Stage
    evidence: tuple[str, ...]


def cue_floor(hit: CueHit, *, negative_context: bool, positive_tone: bool, repeat_contacts: int) -> int:
    """The stage a single counting cue supports on its own."""
    if not hit.counts:
        return 0
    floor = CUE_FLOOR.get(hit.code, 0)
    if hit.code is CueCode.COMPLAINT_INTENT and hit.inquiry:
        floor = 3 if negative_context else 1
    elif hit.code is CueCode.COMPLAINT_INTENT and hit.conditional:
        floor = 3  # a conditional or hesitant complaint is a potential complaint
    elif hit.code is CueCode.REPEAT_CONTACT and repeat_contacts >= 3:
        floor = 3
    elif hit.code in CONTEXT_DEPENDENT and not negative_context:
        floor = 0 if positive_tone else 1
    return floor


def decide_stage(cues: Iterable[CueHit], ev: StageEvidence) -> StageDecision:
    best = 0
    evidence: list[tuple[int, str]] = []

    def consider(rank: int, ref: str) -> None:
        nonlocal best
        if rank > 0:
            evidence.append((rank, ref))
            best = max(best, rank)

    for hit in cues:
        floor = cue_floor(
            hit,
            negative_context=ev.negative_context,
            positive_tone=ev.positive_tone,
            repeat_contacts=ev.repeat_contacts,
        )
        consider(floor, f"cue:{hit.code}@{hit.start}-{hit.end}")
    if ev.channel == Channel.REGULATOR_REFERRAL:
        consider(4, "channel:regulator_referral")
    if ev.repeat_contacts >= 3:
        consider(3, f"signal:repeat_contact={ev.repeat_contacts}")
    if ev.negative_evaluation:
        consider(2, "lexicon:negative_evaluation")
    if ev.model_grumble:
        consider(2, "model:negative_evaluation")
    if ev.concrete_causes >= 2 and ev.negative_context:
        consider(2, "causes:multiple")
    if ev.problem_fact and not ev.positive_tone:
        consider(1, "lexicon:problem_fact")
    if ev.model_problem:
        consider(1, "model:dissatisfaction")
    evidence.sort(key=lambda item: -item[0])
    return StageDecision(stage=Stage.from_rank(best), evidence=tuple(ref for _, ref in evidence))
