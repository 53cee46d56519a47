"""Forms and customer type of a message (SPEC.md §2.2, §2.6); causes and demands: scoring/causes.py."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from complaint_radar.text.cues import Scan
from complaint_radar.text.lexicon import Lexicon
from complaint_radar.types import (
    PUBLIC_CHANNELS,
    Channel,
    CueCode,
    CueHit,
    CustomerType,
    Form,
    Stage,
    TypeDecision,
)

_NON_CONTENT = re.compile(r"[\s\W_]+")
_DIRECT_CHANNELS = frozenset(
    {Channel.CHAT, Channel.PHONE_TRANSCRIPT, Channel.BRANCH_NOTE, Channel.EMAIL, Channel.TICKET}
)


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
