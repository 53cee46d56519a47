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
from complaint_radar.types import Cause, CueCode, CueHit, LabelScore, Span

Evidence = Callable[[str], list[Span]]
# Cues that state a demand outright (SPEC.md §2.4): the demand is given whatever the model says.
CUE_DEMANDS = {
    CueCode.REFUND_DEMAND: "refund",
    CueCode.CANCEL_DEMAND: "cancel_account",
    CueCode.ESCALATE_REQUEST: "escalate_to_manager",
}


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
    codes = [c for c in CAUSE_CODES if c != Cause.OTHER and reading.passes(f"cause:{c}")]
    if not codes:
        terms = evidence(DISSATISFIED) or _lexical_spans(scan, text, "cause", Cause.OTHER)
        confidence = 1.0 - max(reading.proba.get(f"cause:{c}", 0.0) for c in CAUSE_CODES if c != Cause.OTHER)
        return [LabelScore(Cause.OTHER, round(confidence, 3), tuple(terms))]
    found = []
    for code in codes:
        spans = _lexical_spans(scan, text, "cause", code) or evidence(f"cause:{code}")
        found.append(LabelScore(code, round(reading.proba[f"cause:{code}"], 3), tuple(spans)))
    found.sort(key=lambda ls: (-ls.confidence, ls.code))
    return found


def decide_demands(
    reading: CauseReading,
    text: str,
    scan: Scan,
    cues: Sequence[CueHit],
    evidence: Evidence,
    *,
    dissatisfied: bool,
) -> list[LabelScore]:
    """Stated or clearly implied demands: the model's, and those a counting cue states outright."""
    scores: dict[str, float] = {}
    spans: dict[str, list[Span]] = {}
    for code in DEMAND_CODES:
        label = f"demand:{code}"
        if reading.passes(label):
            scores[code] = reading.proba[label]
            spans[code] = _lexical_spans(scan, text, "demand", code) or evidence(label)
    if dissatisfied:
        for hit in cues:
            code = CUE_DEMANDS.get(hit.code) if hit.counts else None
            if code is not None:
                scores[code] = max(scores.get(code, 0.0), 0.85)
                spans.setdefault(code, []).append(Span(hit.start, hit.end, hit.text))
    result = [LabelScore(code, round(conf, 3), tuple(_dedupe(spans[code]))) for code, conf in scores.items()]
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
