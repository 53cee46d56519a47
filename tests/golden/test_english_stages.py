"""English messages per escalation stage (SPEC.md §2.3, §2.4, R2, R3, R6): the English counterpart of the
§8 scenarios, with negated, hypothetical and reported-speech controls. Written from the SPEC's
definitions; none of these texts is in the cause corpus."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from complaint_radar import Analyzer
from complaint_radar.types import Stage

LEVEL = ["low", "medium", "high", "critical"]


@dataclass
class Case:
    text: str
    min_stage: str
    max_stage: str
    causes: set[str] = field(default_factory=set)
    cues: set[str] = field(default_factory=set)
    min_level: str = "low"
    max_level: str = "critical"


CASES = {
    # none: questions, thanks, and escalation words that are negated, hypothetical or someone else's
    "question": Case("Could you tell me when my new card will arrive?", "none", "none", max_level="low"),
    "thanks": Case(
        "Thanks, the refund came through this morning. Great job!", "none", "none", max_level="low"
    ),
    "negated complaint": Case(
        "I'm not complaining, just asking how the new tariff works.", "none", "none", max_level="low"
    ),
    "reported threat": Case(
        "My friend says he'd report you to the regulator, but I'm happy, I just want to know my balance.",
        "none",
        "latent_grumble",
        max_level="low",
    ),
    "hypothetical worry": Case(
        "If my flight gets cancelled, would the hotel keep my room?", "none", "none", max_level="low"
    ),
    # latent_grumble: a problem or delay stated without evaluation, or a withdrawal
    "parcel not here": Case(
        "My parcel still hasn't arrived.", "latent_grumble", "explicit_grumble", causes={"delivery_logistics"}
    ),
    "refund pending": Case(
        "Still waiting on my refund from the 3rd.",
        "latent_grumble",
        "explicit_grumble",
        causes={"waiting_time"},
    ),
    "double charge": Case(
        "I was charged twice for the coffee machine",
        "latent_grumble",
        "explicit_grumble",
        causes={"price_billing"},
    ),
    "withdrawal": Case("never mind, I'll sort it out myself", "latent_grumble", "explicit_grumble"),
    # explicit_grumble: negative evaluation, rude staff, long holds, crashes, broken promises, sarcasm
    "rude agent": Case(
        "Your agent was rude and hung up on me",
        "explicit_grumble",
        "explicit_grumble",
        causes={"service_attitude"},
        min_level="medium",
    ),
    "long hold": Case(
        "I waited on hold for over an hour",
        "explicit_grumble",
        "explicit_grumble",
        causes={"waiting_time"},
        cues={"long_wait"},
        min_level="medium",
    ),
    "crash": Case(
        "The app keeps crashing when I try to log in, this is ridiculous",
        "explicit_grumble",
        "explicit_grumble",
        causes={"facility_system_failure"},
        min_level="medium",
    ),
    "broken promise": Case(
        "You promised a callback within 24 hours. That was last Tuesday.",
        "explicit_grumble",
        "explicit_grumble",
        causes={"unfulfilled_promise"},
        cues={"broken_promise"},
        min_level="medium",
    ),
    "sarcasm": Case(
        "Three weeks for a parcel. Great service, thanks a lot.",
        "explicit_grumble",
        "explicit_grumble",
        causes={"delivery_logistics"},
        min_level="medium",
    ),
    "negated legal threat": Case(
        # A stated problem and a refund demand without a negative evaluation: latent or explicit
        # (SPEC §2.3); the negated threat must not lift it to a potential complaint.
        "I'm not going to sue anyone, I just want my money back for the broken kettle.",
        "latent_grumble",
        "explicit_grumble",
        causes={"product_quality"},
    ),
    "reported legal threat": Case(
        "My brother keeps saying I should get a lawyer, but honestly the late delivery was just annoying.",
        "latent_grumble",
        "explicit_grumble",
        causes={"delivery_logistics"},
    ),
    # potential_complaint: conditional threats, manager, staff ID, third contact, ultimatums
    "regulator if not fixed": Case(
        "If this isn't fixed by Friday I'll report you to the FCC.",
        "potential_complaint",
        "potential_complaint",
        cues={"regulator_threat"},
        min_level="high",
    ),
    "manager": Case(
        "This is going nowhere. I want to speak to your manager right now.",
        "potential_complaint",
        "potential_complaint",
        cues={"escalate_request"},
        min_level="high",
    ),
    "staff id": Case(
        "What's your employee ID? I'm not happy with how you spoke to me.",
        "potential_complaint",
        "potential_complaint",
        cues={"staff_id_request"},
        min_level="high",
    ),
    "third call": Case(
        "This is the third time I'm calling about the same broken router.",
        "potential_complaint",
        "potential_complaint",
        cues={"repeat_contact"},
        min_level="high",
    ),
    "press ultimatum": Case(
        "Refund me by tomorrow or I'm going to the press with this.",
        "potential_complaint",
        "potential_complaint",
        cues={"media_threat"},
        min_level="high",
    ),
    "chargeback": Case(
        "Two weeks and no refund for the cancelled order. Next I'm filing a chargeback with my bank.",
        "potential_complaint",
        "potential_complaint",
        min_level="high",
    ),
    # formal_complaint: an unconditional complaint, or one already filed outside
    "formal": Case(
        "I am filing a formal complaint about the overcharge on my account.",
        "formal_complaint",
        "formal_complaint",
        causes={"price_billing"},
        cues={"complaint_intent"},
        min_level="high",
    ),
    "consider this": Case(
        "Consider this a formal complaint: your driver reversed into my car and drove off.",
        "formal_complaint",
        "formal_complaint",
        min_level="high",
    ),
    "cfpb filed": Case(
        "I've already reported you to the CFPB over these fees.",
        "formal_complaint",
        "formal_complaint",
        cues={"external_complaint_filed"},
        min_level="critical",
    ),
    "ombudsman filed": Case(
        "My complaint is now with the ombudsman, since nobody here answered my letters.",
        "formal_complaint",
        "formal_complaint",
        min_level="critical",
    ),
}


# Known gaps (strict xfail, so a case fails loudly once it starts passing). The "sarcasm" case passed
# from the issue-13 sixth batch's retrain (praise turning to a problem) to the eleventh; it is listed
# again since the twelfth (reason below).
# Cases the bundled models miss today, each with why (strict: a case that passes again must leave the list).
# The broken kettle ("negated legal threat") was listed from the seventh batches' retrain until the
# eighth (2026-12-03), which reads its cause as product_quality again. The reported legal threat was listed
# from the English logistic head (2026-12-03) until the best guess read causes relative to their thresholds
# (2026-12-04: `other` 0.24 / 0.36 no longer outranks `delivery_logistics` 0.21 / 0.30), and again since
# the cause model reads its nearest training messages (2026-12-05).
KNOWN_GAPS: dict[str, str] = {
    "reported legal threat": (
        "since the cause model reads its nearest training messages (2026-12-05), the lawyer talk makes this "
        "message a neighbour of threats whose cause is `other`: `other` 0.55 over its threshold 0.47, "
        "`delivery_logistics` 0.10 against 0.38 (before: 0.12 and 0.20 against 0.42 and 0.27)"
    ),
    "sarcasm": (
        "since the twelfth batches (2026-12-03: frequent customers' thanks after a settled wait, "
        "a transfer or a repeat call), the gate reads a delay followed by 'Great service, thanks a lot' "
        "as thanks; the English sarcasm cue counts only in a negative context, and this message has no "
        "negative word (the blind sarcasm and backhanded-praise probe, bench/praise_probe.py, kept 9/13 "
        "English complaints)"
    ),
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[n])) if n in KNOWN_GAPS else n
        for n in sorted(CASES)
    ],
)
def test_english_message_reaches_its_stage(analyzer: Analyzer, name: str) -> None:
    case = CASES[name]
    a = analyzer.assess(case.text, channel="chat")
    rank = a.stage.rank
    problems = []
    if not Stage(case.min_stage).rank <= rank <= Stage(case.max_stage).rank:
        problems.append(f"stage {a.stage.value} not in [{case.min_stage}, {case.max_stage}]")
    causes = {c.code for c in a.causes}
    if not case.causes <= causes:
        problems.append(f"causes missing {case.causes - causes} (got {causes})")
    cues = {c.code.value for c in a.cues if c.counts}
    if not case.cues <= cues:
        problems.append(f"cues missing {case.cues - cues} (got {cues})")
    level = LEVEL.index(a.risk_level.value)
    if not LEVEL.index(case.min_level) <= level <= LEVEL.index(case.max_level):
        problems.append(f"risk level {a.risk_level.value} not in [{case.min_level}, {case.max_level}]")
    if rank >= 1 and a.risk_score == 0:
        problems.append("a grumble with risk 0")
    assert problems == []
