"""Causes and demands of a message from the cause model's label probabilities (SPEC.md §2.1, §2.5).

The cause model (models/cause_model.py) gives every label a probability and a threshold chosen by
cross-validation on the training corpus. A message at stage `none` has no cause (guideline G1); a
dissatisfied message gets every cause whose probability reaches its threshold, `other` only when no
concrete cause does (G7), and then the terms that made it read as dissatisfied as evidence, so
analysts can cluster what the taxonomy misses (SPEC.md §7.5). Evidence spans are the lexicon's match
for the cause where there is one, else the n-grams that pushed the model towards it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from complaint_radar.models.cause_corpus import CAUSE_CODES, DEMAND_CODES, DISSATISFIED, EXPLICIT
from complaint_radar.text.cues import Scan, spans_of
from complaint_radar.types import Cause, CueCode, CueHit, Demand, LabelScore, Span

Evidence = Callable[[str], list[Span]]
# Cues that state a demand outright (SPEC.md §2.4): the demand is given whatever the model says.
CUE_DEMANDS = {
    CueCode.REFUND_DEMAND: "refund",
    CueCode.CANCEL_DEMAND: "cancel_account",
    CueCode.ESCALATE_REQUEST: "escalate_to_manager",
}


@dataclass(frozen=True)
class CauseRules:
    """Which lexicon evidence decides on its own, besides the model (each measured by cross-validation
    on the training corpus, docs/benchmarks_causes.md)."""

    # A high-precision pattern (`strong:<code>`) or a device + failure composition gives the cause.
    lexical_causes: bool = True
    # A demand pattern (`demand:<code>`) outside a discounted clause gives the demand.
    lexical_demands: bool = True
    # Demands a cue or cause implies: a broken promise asks for amends and an explanation, a long wait
    # or repeated contact for speed, a complaint about an attitude for an apology (SPEC.md §8).
    implied_demands: bool = True


RULES = CauseRules()


@dataclass(frozen=True)
class CauseReading:
    """The cause model's reading of one message: each label's probability and threshold."""

    proba: Mapping[str, float]
    thresholds: Mapping[str, float]

    def passes(self, label: str) -> bool:
        return self.proba.get(label, 0.0) >= self.thresholds.get(label, 1.0)

    @property
    def dissatisfied(self) -> bool:
        """Reads as a problem or complaint (stage ≥ latent_grumble)."""
        return self.passes(DISSATISFIED)

    @property
    def explicit(self) -> bool:
        """Reads as an explicit grumble or more (stage ≥ explicit_grumble)."""
        return self.passes(EXPLICIT)


_CONCRETE = tuple(c for c in CAUSE_CODES if c not in (Cause.EXPECTATION_GAP, Cause.OTHER))


def concrete_cause_count(reading: CauseReading) -> int:
    """How many concrete causes (not `expectation_gap`, not `other`) the model reads in a message."""
    return sum(reading.passes(f"cause:{c}") for c in _CONCRETE)


def _lexical_spans(scan: Scan, text: str, family: str, code: str) -> list[Span]:
    if family == "cause":
        return spans_of(scan, f"cause:{code}", text) + spans_of(scan, f"composition:{code}", text)
    return spans_of(scan, f"{family}:{code}", text)


def decide_causes(
    reading: CauseReading, text: str, scan: Scan, evidence: Evidence, *, dissatisfied: bool
) -> list[LabelScore]:
    """The causes of a message whose stage is at least `latent_grumble` (`dissatisfied`)."""
    if not dissatisfied:
        return []
    codes = [
        c
        for c in CAUSE_CODES
        if c != Cause.OTHER and (reading.passes(f"cause:{c}") or (RULES.lexical_causes and _forced(scan, c)))
    ]
    if not codes:
        terms = evidence(DISSATISFIED) or _lexical_spans(scan, text, "cause", Cause.OTHER)
        confidence = 1.0 - max(reading.proba.get(f"cause:{c}", 0.0) for c in CAUSE_CODES if c != Cause.OTHER)
        return [LabelScore(Cause.OTHER, round(confidence, 3), tuple(terms))]
    found = []
    for code in codes:
        spans = spans_of(scan, f"strong:{code}", text) + _lexical_spans(scan, text, "cause", code)
        confidence = reading.proba.get(f"cause:{code}", 0.0)
        if _forced(scan, code):
            confidence = max(confidence, 0.8)
        found.append(LabelScore(code, round(confidence, 3), tuple(spans or evidence(f"cause:{code}"))))
    found.sort(key=lambda ls: (-ls.confidence, ls.code))
    return found


def _forced(scan: Scan, code: str) -> bool:
    return bool(scan.get(f"strong:{code}") or scan.get(f"composition:{code}"))


def decide_demands(
    reading: CauseReading,
    text: str,
    scan: Scan,
    cues: Sequence[CueHit],
    causes: Sequence[LabelScore],
    evidence: Evidence,
    *,
    dissatisfied: bool,
) -> list[LabelScore]:
    """Stated or clearly implied demands: the model's, those a pattern or cue states outright, and
    (with `RULES.implied_demands`) those a cue or cause implies."""
    scores: dict[str, float] = {}
    spans: dict[str, list[Span]] = {}

    def add(code: str, confidence: float, found: Sequence[Span] = ()) -> None:
        scores[code] = max(scores.get(code, 0.0), confidence)
        spans.setdefault(code, []).extend(found)

    for code in DEMAND_CODES:
        label = f"demand:{code}"
        lexical = _lexical_spans(scan, text, "demand", code)
        if reading.passes(label):
            add(code, reading.proba[label], lexical or evidence(label))
        elif dissatisfied and RULES.lexical_demands and lexical:
            add(code, 0.8, lexical)
    if not dissatisfied:
        return _ranked(scores, spans)
    counting = [c for c in cues if c.counts]
    for hit in counting:
        code = CUE_DEMANDS.get(hit.code)
        if code is not None:
            add(code, 0.85, [Span(hit.start, hit.end, hit.text)])
    if RULES.implied_demands:
        _implied(add, {c.code for c in counting}, {c.code for c in causes}, text)
    return _ranked(scores, spans)


def _implied(add: Callable[[str, float], None], cues: set[CueCode], causes: set[str], text: str) -> None:
    if CueCode.COMPLAINT_INTENT in cues and Cause.SERVICE_ATTITUDE in causes:
        add(Demand.APOLOGY, 0.6)
    if CueCode.BROKEN_PROMISE in cues:
        add(Demand.COMPENSATION, 0.55)
        add(Demand.EXPLANATION, 0.55)
    if cues & {CueCode.LONG_WAIT, CueCode.REPEAT_CONTACT, CueCode.HARDSHIP}:
        add(Demand.EXPEDITE, 0.5)
    if Cause.PRICE_BILLING in causes and cues & {CueCode.ACCUSATION, CueCode.ABSOLUTE_LANGUAGE}:
        add(Demand.REFUND, 0.5)
    if causes & {Cause.FACILITY_SYSTEM_FAILURE, Cause.PRODUCT_QUALITY} and ("坏" in text or "壞" in text):
        add(Demand.REPLACEMENT_REPAIR, 0.5)


def _ranked(scores: dict[str, float], spans: dict[str, list[Span]]) -> list[LabelScore]:
    result = [
        LabelScore(code, round(conf, 3), tuple(_dedupe(spans.get(code, [])))) for code, conf in scores.items()
    ]
    result.sort(key=lambda ls: (-ls.confidence, ls.code))
    return result


def _dedupe(spans: list[Span]) -> list[Span]:
    seen: set[tuple[int, int]] = set()
    out = []
    for span in spans:
        if (span.start, span.end) not in seen:
            seen.add((span.start, span.end))
            out.append(span)
    return out
