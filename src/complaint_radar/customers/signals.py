"""Profile inputs from messages and cases: what the customer profile needs from each, as frozen records."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime

from complaint_radar.customers.timeline import parse_time
from complaint_radar.scoring.stage import CUE_FLOOR
from complaint_radar.text.normalize import normalize
from complaint_radar.types import PUBLIC_CHANNELS, Assessment, Channel, CueCode, RiskLevel, Stage

# An order, ticket or booking number names the issue a message is about (SPEC.md §6: "same thread, order").
_TOPIC = re.compile(
    r"(?:订单|单号|工单|运单|快递单|预订|order|ticket|case|booking|tracking)\s*"
    r"(?:号码|编号|号|no\.?|number|id|#)?\s*[:：#]?\s*([a-z]{0,4}\d[\w-]{4,})",
    re.IGNORECASE,
)
OPEN_CASE_STATES = frozenset({"new", "acknowledged", "in_progress", "awaiting_customer", "reopened"})
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z]{3,}")
_STOPWORDS = frozenset(
    {
        "the",
        "and",
        "you",
        "your",
        "for",
        "are",
        "was",
        "were",
        "this",
        "that",
        "with",
        "have",
        "has",
        "had",
        "not",
        "but",
        "can",
        "could",
        "would",
        "will",
        "just",
        "they",
        "them",
        "their",
        "what",
        "when",
        "where",
        "why",
        "how",
        "still",
        "again",
        "please",
        "thanks",
        "about",
        "from",
        "been",
        "any",
        "there",
    }
)
FINGERPRINT_BITS = 256


@dataclass(frozen=True, slots=True)
class MessageSignal:
    """What one assessed customer message contributes to the profile (SPEC.md §3 fields, trimmed)."""

    message_id: str
    at: datetime
    channel: str | None
    risk_score: int
    stage: Stage
    dissatisfaction_probability: float
    is_complaint: bool
    causes: tuple[str, ...] = ()
    demands: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    anger: float = 0.0
    topic: str | None = None
    inquiry_only: bool = False
    sentiment_score: float = 0.0
    customer_type: str | None = None
    fingerprint: int = 0
    thread_id: str | None = None

    @property
    def public(self) -> bool:
        return self.channel in PUBLIC_CHANNELS

    @classmethod
    def from_assessment(
        cls,
        assessment: Assessment,
        at: datetime | str,
        *,
        topic: str | None = None,
        thread_id: str | None = None,
    ) -> MessageSignal:
        """The profile's view of an Assessment; `topic` (order id) defaults to one in the text.

        `thread_id` (the conversation or e-mail thread) and the text's `fingerprint` let the profile tell
        whether two messages are about the same issue.

        `cues` keeps only cues that count (R6: negated, hypothetical and reported cues never move risk).
        `inquiry_only` marks a message whose stage ≥ potential_complaint rests only on a question about how
        to complain (投诉电话多少): on its own that is a request for information, not an intent.
        """
        counting = [c for c in assessment.cues if c.counts]
        firm = assessment.channel == Channel.REGULATOR_REFERRAL or any(
            (c.code is CueCode.COMPLAINT_INTENT and not c.inquiry)
            or (c.code is not CueCode.COMPLAINT_INTENT and CUE_FLOOR.get(c.code, 0) >= 3)
            or c.code is CueCode.REPEAT_CONTACT
            for c in counting
        )
        asked = any(c.code is CueCode.COMPLAINT_INTENT and c.inquiry for c in counting)
        return cls(
            message_id=str(assessment.message_id or ""),
            at=parse_time(at, what=f"message {assessment.message_id!r} time"),
            channel=assessment.channel,
            risk_score=int(assessment.risk_score),
            stage=assessment.stage,
            dissatisfaction_probability=float(assessment.dissatisfaction_probability),
            is_complaint=bool(assessment.is_complaint),
            causes=tuple(c.code for c in assessment.causes),
            demands=tuple(d.code for d in assessment.demands),
            cues=tuple(dict.fromkeys(str(c.code) for c in counting)),
            anger=float(assessment.anger),
            topic=topic if topic is not None else find_topic(assessment.text),
            inquiry_only=assessment.stage.rank >= Stage.POTENTIAL_COMPLAINT.rank and asked and not firm,
            sentiment_score=float(assessment.sentiment.score),
            customer_type=assessment.customer_type.code.value,
            fingerprint=text_fingerprint(assessment.text),
            thread_id=thread_id or None,
        )


@dataclass(frozen=True, slots=True)
class CaseSignal:
    """A case (SPEC.md §6) as the profile sees it; `due_at` is its resolve deadline from the SLA clock."""

    case_id: str
    opened_at: datetime
    state: str
    severity: RiskLevel
    sla_breached: bool = False
    resolved_at: datetime | None = None
    satisfied: bool | None = None
    due_at: datetime | None = None
    topic: str | None = None
    formal_complaint: bool = False

    @property
    def open(self) -> bool:
        return self.state in OPEN_CASE_STATES


def find_topic(text: str) -> str | None:
    """The first order/ticket/booking number in the text, upper-cased, or None."""
    match = _TOPIC.search(text or "")
    return match.group(1).upper() if match else None


def text_fingerprint(text: str) -> int:
    """A bit set of the text's Chinese character bigrams and English content words (繁/简 and case
    folded), hashed into `FINGERPRINT_BITS` bits: compact enough to cache for every stored message."""
    folded = normalize(text or "")
    grams = [run[i : i + 2] for run in _CJK_RUN.findall(folded) for i in range(len(run) - 1)]
    grams += [word for word in _WORD.findall(folded) if word not in _STOPWORDS]
    bits = 0
    for gram in grams:
        bits |= 1 << (zlib.crc32(gram.encode("utf-8")) % FINGERPRINT_BITS)
    return bits


def similarity(a: int, b: int) -> float:
    """Jaccard overlap of two text fingerprints (0 when either is empty)."""
    union = (a | b).bit_count()
    return (a & b).bit_count() / union if union else 0.0
