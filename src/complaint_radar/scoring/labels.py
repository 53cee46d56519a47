"""Multi-label decisions with evidence: causes, demands, forms and customer type (SPEC.md §2)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from complaint_radar.text.cues import Scan, spans_of
from complaint_radar.text.lexicon import Lexicon
from complaint_radar.types import (
    PUBLIC_CHANNELS,
    Cause,
    Channel,
    CueCode,
    CueHit,
    CustomerType,
    Demand,
    Form,
    LabelScore,
    Span,
    Stage,
    TypeDecision,
)

_NON_CONTENT = re.compile(r"[\s\W_]+")
_SENTENCE = re.compile(r"[^.!?;。！？；\n]+[.!?;。！？；\n]*")
_POSITIVE_NEAR = re.compile(r"很好|不错|满意|挺好|给力|感谢|谢谢|\bgood\b|\bgreat\b|\bthanks?\b|\bnice\b")
_CONCRETE_CAUSES = frozenset(c.value for c in Cause) - {Cause.EXPECTATION_GAP.value, Cause.OTHER.value}
_CUE_DEMANDS = {
    CueCode.REFUND_DEMAND: Demand.REFUND,
    CueCode.CANCEL_DEMAND: Demand.CANCEL_ACCOUNT,
    CueCode.ESCALATE_REQUEST: Demand.ESCALATE_TO_MANAGER,
}
_DIRECT_CHANNELS = frozenset(
    {Channel.CHAT, Channel.PHONE_TRANSCRIPT, Channel.BRANCH_NOTE, Channel.EMAIL, Channel.TICKET}
)


def sentence_bounds(norm: str) -> list[tuple[int, int]]:
    return [m.span() for m in _SENTENCE.finditer(norm)] or [(0, len(norm))]


def _sentence_of(bounds: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for start, end in bounds:
        if start <= pos < end:
            return start, end
    return 0, 0


def detect_causes(
    text: str,
    norm: str,
    scan: Scan,
    negative_spans: Sequence[tuple[int, int]],
    *,
    negative: bool,
) -> list[LabelScore]:
    """Causes whose evidence sits in a sentence that also carries negative evidence."""
    if not negative:
        return []
    bounds = sentence_bounds(norm)
    found: list[LabelScore] = []
    for code in _present(scan, "cause:"):
        spans = spans_of(scan, f"cause:{code}", text)
        kept: list[Span] = []
        confidence = 0.0
        for span in spans:
            s_start, s_end = _sentence_of(bounds, span.start)
            supported = any(s_start <= a < s_end or s_start < b <= s_end for a, b in negative_spans)
            if supported:
                kept.append(span)
                confidence = max(confidence, 0.85)
            elif not _POSITIVE_NEAR.search(norm, s_start, s_end):
                kept.append(span)
                confidence = max(confidence, 0.6)
        if kept:
            found.append(
                LabelScore(code, round(confidence + min(0.1, 0.03 * (len(kept) - 1)), 3), tuple(kept))
            )
    found.sort(key=lambda ls: (-ls.confidence, ls.code))
    return found


def _present(scan: Scan, prefix: str) -> list[str]:
    """Codes of one lexicon family (`cause:`, `demand:`) with hits in `scan` (a scan has few keys)."""
    return [key[len(prefix) :] for key in scan if key.startswith(prefix)]


def concrete_cause_count(causes: Sequence[LabelScore]) -> int:
    return sum(1 for c in causes if c.code in _CONCRETE_CAUSES)


def detect_demands(
    text: str,
    norm: str,
    scan: Scan,
    cues: Sequence[CueHit],
    causes: Sequence[LabelScore],
    *,
    negative: bool,
) -> list[LabelScore]:
    """Stated positions, plus the ones a cue or cause implies (a broken promise asks to be honoured)."""
    scores: dict[str, float] = {}
    spans: dict[str, list[Span]] = {}

    def add(code: str, confidence: float, evidence: Sequence[Span] = ()) -> None:
        scores[code] = max(scores.get(code, 0.0), confidence)
        spans.setdefault(code, []).extend(evidence)

    if not negative:
        return []
    for code in _present(scan, "demand:"):
        add(code, 0.8, spans_of(scan, f"demand:{code}", text))
    counting = [c for c in cues if c.counts]
    codes = {c.code for c in counting}
    cause_codes = {c.code for c in causes}
    for hit in counting:
        if hit.code in _CUE_DEMANDS:
            add(_CUE_DEMANDS[hit.code], 0.85, [Span(hit.start, hit.end, hit.text)])
    if CueCode.COMPLAINT_INTENT in codes and Cause.SERVICE_ATTITUDE in cause_codes:
        add(Demand.APOLOGY, 0.6)
    if CueCode.BROKEN_PROMISE in codes:
        add(Demand.COMPENSATION, 0.55)
        add(Demand.EXPLANATION, 0.55)
    if codes & {CueCode.LONG_WAIT, CueCode.REPEAT_CONTACT, CueCode.HARDSHIP}:
        add(Demand.EXPEDITE, 0.5)
    if Cause.PRICE_BILLING in cause_codes and codes & {CueCode.ACCUSATION, CueCode.ABSOLUTE_LANGUAGE}:
        add(Demand.REFUND, 0.5)
    if cause_codes & {Cause.FACILITY_SYSTEM_FAILURE, Cause.PRODUCT_QUALITY} and "坏" in norm:
        add(Demand.REPLACEMENT_REPAIR, 0.5)
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


def detect_forms(cues: Sequence[CueHit], stage: Stage, channel: str | None) -> list[str]:
    codes = {c.code for c in cues if c.counts}
    forms: list[str] = []
    public = channel in PUBLIC_CHANNELS
    if stage is Stage.FORMAL_COMPLAINT and not public:
        forms.append(Form.DIRECT_COMPLAINT)
    if CueCode.EXTERNAL_COMPLAINT_FILED in codes:
        forms.append(Form.EXTERNAL_COMPLAINT)
    if public and stage.rank >= 2:
        forms.append(Form.NEGATIVE_REVIEW)
    if CueCode.PUBLIC_APPEAL in codes:
        forms.append(Form.NEGATIVE_WORD_OF_MOUTH)
    if stage.rank in (2, 3) and channel in _DIRECT_CHANNELS:
        forms.append(Form.DIRECT_GRUMBLE)
    return forms


def decide_customer_type(
    text: str,
    norm: str,
    lexicon: Lexicon,
    scan: Scan,
    cues: Sequence[CueHit],
    anger: float,
    *,
    talkative_min_chars: int,
    threshold: float,
) -> TypeDecision:
    """SPEC.md §2.6: the best-supported type, or `undetermined` below `threshold`."""
    codes = {c.code for c in cues if c.counts}
    profanity = CueCode.PROFANITY in codes
    accusation = CueCode.ACCUSATION in codes
    exclaiming = CueCode.EXCLAMATION_INTENSITY in codes
    # High anger alone is not enough: an extremely angry customer also shows it (!!, swearing, accusing).
    shows_it = profanity or accusation or exclaiming
    angry = (
        anger
        if anger >= 0.7 and shows_it
        else min(
            0.69,
            0.5 * anger
            + 0.25 * profanity
            + 0.2 * accusation
            + 0.15 * exclaiming
            + 0.1 * (CueCode.ABSOLUTE_LANGUAGE in codes),
        )
    )
    prepared_hits = {norm[a:b] for a, b, _ in scan.get("type:well_prepared", ())}
    prepared = min(1.0, 0.2 * len(prepared_hits) + 0.15 * (CueCode.DEADLINE_ULTIMATUM in codes))
    content = _NON_CONTENT.sub("", norm)
    talkative = 0.0
    if len(content) >= talkative_min_chars:
        talkative = 0.6 + (0.2 if _repeats_itself(content) else 0.0)
    taciturn = 0.0
    if len(content) <= 12:
        taciturn = 0.7 if scan.get("type:taciturn") else 0.4
    candidates = [
        (CustomerType.EXTREMELY_ANGRY, angry),
        (CustomerType.WELL_PREPARED, prepared),
        (CustomerType.TALKATIVE, talkative),
        (CustomerType.TACITURN, taciturn),
    ]
    code, confidence = candidates[0]
    for candidate in candidates[1:]:
        if candidate[1] > confidence:
            code, confidence = candidate
    if confidence < threshold:
        return TypeDecision(CustomerType.UNDETERMINED, round(1.0 - confidence, 3))
    return TypeDecision(code, round(min(1.0, confidence), 3))


def _repeats_itself(content: str) -> bool:
    """The same 3-character phrase three or more times: the point is being repeated."""
    grams = Counter(content[i : i + 3] for i in range(len(content) - 2))
    return any(n >= 3 for n in grams.values())
