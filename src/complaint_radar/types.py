"""Domain codes (SPEC.md §2) as StrEnums and the frozen Assessment record (SPEC.md §3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from enum import IntEnum, StrEnum
from typing import Any


class Channel(StrEnum):
    PHONE_TRANSCRIPT = "phone_transcript"
    CHAT = "chat"
    EMAIL = "email"
    TICKET = "ticket"
    REVIEW = "review"
    SOCIAL_POST = "social_post"
    SURVEY = "survey"
    BRANCH_NOTE = "branch_note"
    REGULATOR_REFERRAL = "regulator_referral"
    EVENT = "event"


PUBLIC_CHANNELS = frozenset({Channel.REVIEW, Channel.SOCIAL_POST})


class Stage(StrEnum):
    NONE = "none"
    LATENT_GRUMBLE = "latent_grumble"
    EXPLICIT_GRUMBLE = "explicit_grumble"
    POTENTIAL_COMPLAINT = "potential_complaint"
    FORMAL_COMPLAINT = "formal_complaint"

    @property
    def rank(self) -> int:
        return _STAGE_ORDER.index(self)

    @classmethod
    def from_rank(cls, rank: int) -> Stage:
        return _STAGE_ORDER[max(0, min(rank, len(_STAGE_ORDER) - 1))]


_STAGE_ORDER = [
    Stage.NONE,
    Stage.LATENT_GRUMBLE,
    Stage.EXPLICIT_GRUMBLE,
    Stage.POTENTIAL_COMPLAINT,
    Stage.FORMAL_COMPLAINT,
]


class Cause(StrEnum):
    EXPECTATION_GAP = "expectation_gap"
    SERVICE_INCONSISTENCY = "service_inconsistency"
    SERVICE_ATTITUDE = "service_attitude"
    WAITING_TIME = "waiting_time"
    SERVICE_PROCESS = "service_process"
    STAFF_COMPETENCE = "staff_competence"
    COMMUNICATION = "communication"
    PRODUCT_QUALITY = "product_quality"
    UNFULFILLED_PROMISE = "unfulfilled_promise"
    DELIVERY_LOGISTICS = "delivery_logistics"
    FACILITY_SYSTEM_FAILURE = "facility_system_failure"
    PRICE_BILLING = "price_billing"
    POLICY_TERMS = "policy_terms"
    OTHER = "other"


class Form(StrEnum):
    DIRECT_COMPLAINT = "direct_complaint"
    DIRECT_GRUMBLE = "direct_grumble"
    NEGATIVE_REVIEW = "negative_review"
    NEGATIVE_WORD_OF_MOUTH = "negative_word_of_mouth"
    REDUCED_PURCHASE = "reduced_purchase"
    SILENT_CHURN = "silent_churn"
    EXTERNAL_COMPLAINT = "external_complaint"


class CueCode(StrEnum):
    COMPLAINT_INTENT = "complaint_intent"
    REGULATOR_THREAT = "regulator_threat"
    MEDIA_THREAT = "media_threat"
    LEGAL_THREAT = "legal_threat"
    EXTERNAL_COMPLAINT_FILED = "external_complaint_filed"
    ESCALATE_REQUEST = "escalate_request"
    STAFF_ID_REQUEST = "staff_id_request"
    DEADLINE_ULTIMATUM = "deadline_ultimatum"
    REFUND_DEMAND = "refund_demand"
    CANCEL_DEMAND = "cancel_demand"
    CHURN_THREAT = "churn_threat"
    NEGATIVE_REVIEW_THREAT = "negative_review_threat"
    REPEAT_CONTACT = "repeat_contact"
    PRIOR_REFERENCE = "prior_reference"
    BROKEN_PROMISE = "broken_promise"
    LONG_WAIT = "long_wait"
    ACCUSATION = "accusation"
    PROFANITY = "profanity"
    SARCASM = "sarcasm"
    DISAPPOINTMENT_STATEMENT = "disappointment_statement"
    PUBLIC_APPEAL = "public_appeal"
    EXCLAMATION_INTENSITY = "exclamation_intensity"
    ABSOLUTE_LANGUAGE = "absolute_language"
    URGENCY = "urgency"
    HARDSHIP = "hardship"


THREAT_CUES = frozenset({CueCode.REGULATOR_THREAT, CueCode.MEDIA_THREAT, CueCode.LEGAL_THREAT})
INTENSITY_ONLY_CUES = frozenset(
    {CueCode.EXCLAMATION_INTENSITY, CueCode.ABSOLUTE_LANGUAGE, CueCode.URGENCY, CueCode.HARDSHIP}
)


class Demand(StrEnum):
    REFUND = "refund"
    REPLACEMENT_REPAIR = "replacement_repair"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    EXPLANATION = "explanation"
    EXPEDITE = "expedite"
    ESCALATE_TO_MANAGER = "escalate_to_manager"
    CANCEL_ACCOUNT = "cancel_account"
    STAFF_ACCOUNTABILITY = "staff_accountability"
    FIX_PROCESS = "fix_process"


class CustomerType(StrEnum):
    EXTREMELY_ANGRY = "extremely_angry"
    WELL_PREPARED = "well_prepared"
    TALKATIVE = "talkative"
    TACITURN = "taciturn"
    UNDETERMINED = "undetermined"


class Emotion(StrEnum):
    ANGER = "anger"
    DISAPPOINTMENT_SADNESS = "disappointment_sadness"
    ANXIETY_FEAR = "anxiety_fear"
    DISGUST = "disgust"
    SURPRISE = "surprise"
    NEUTRAL = "neutral"
    HAPPINESS = "happiness"


NEGATIVE_EMOTIONS = (
    Emotion.ANGER,
    Emotion.DISAPPOINTMENT_SADNESS,
    Emotion.ANXIETY_FEAR,
    Emotion.DISGUST,
)


class Polarity(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def from_score(cls, score: int) -> RiskLevel:
        if score >= 80:
            return cls.CRITICAL
        if score >= 60:
            return cls.HIGH
        if score >= 30:
            return cls.MEDIUM
        return cls.LOW


class Priority(IntEnum):
    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


class HandlingStep(StrEnum):
    LISTEN = "listen"
    UNDERSTAND = "understand"
    EXPLORE = "explore"
    PROPOSE = "propose"
    CONFIRM = "confirm"
    FOLLOW_UP = "follow_up"


class FishboneCategory(StrEnum):
    """Root-cause categories of the fishbone diagram (SPEC.md §7.6, 人机料法环测)."""

    MAN = "man"
    MACHINE = "machine"
    MATERIAL = "material"
    METHOD = "method"
    ENVIRONMENT = "environment"
    MEASUREMENT = "measurement"


class Role(StrEnum):
    FRONTLINE_AGENT = "frontline_agent"
    SUPERVISOR = "supervisor"
    QUALITY_ANALYST = "quality_analyst"
    MANAGER = "manager"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Span:
    """A `[start, end)` code-point span into the original text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class CueHit:
    code: CueCode
    start: int
    end: int
    text: str
    negated: bool = False
    hypothetical: bool = False
    reported: bool = False
    conditional: bool = False
    inquiry: bool = False

    @property
    def counts(self) -> bool:
        """Whether the cue may move stage or risk (SPEC.md R6)."""
        return not (self.negated or self.hypothetical or self.reported)


@dataclass(frozen=True, slots=True)
class LabelScore:
    """A multi-label decision (cause or demand) with its confidence and evidence spans."""

    code: str
    confidence: float
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Sentiment:
    polarity: Polarity
    score: float


@dataclass(frozen=True, slots=True)
class TypeDecision:
    code: CustomerType
    confidence: float


@dataclass(frozen=True, slots=True)
class ExplanationItem:
    kind: str
    code: str
    reason_zh: str
    reason_en: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Opener:
    id: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Handling:
    priority: str
    route_to: str
    create_case: bool
    case_severity: str | None
    steps: tuple[str, ...]
    opener_ids: tuple[str, ...]
    avoid_ids: tuple[str, ...]
    questions: tuple[str, ...]
    guidance_zh: tuple[str, ...] = ()
    guidance_en: tuple[str, ...] = ()
    openers: tuple[Opener, ...] = ()


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything Complaint Radar concludes about one message (SPEC.md §3)."""

    message_id: str | None
    customer_id: str | None
    text: str
    channel: str | None
    language: str
    sentiment: Sentiment
    dissatisfaction_probability: float
    complaint_probability: float
    is_complaint: bool
    emotions: dict[str, float]
    dominant_emotion: str
    cues: tuple[CueHit, ...]
    stage: Stage
    stage_evidence: tuple[str, ...]
    forms: tuple[str, ...]
    causes: tuple[LabelScore, ...]
    demands: tuple[LabelScore, ...]
    customer_type: TypeDecision
    risk_score: int
    risk_level: RiskLevel
    explanation: tuple[ExplanationItem, ...]
    recommended_handling: Handling
    model_version: str
    taxonomy_version: str
    context_risk_score: int | None = None
    assessed_at: str | None = None
    valid: bool = True
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def anger(self) -> float:
        return self.emotions.get(Emotion.ANGER, 0.0)

    def cue_codes(self, *, counting_only: bool = True) -> set[str]:
        return {c.code for c in self.cues if c.counts or not counting_only}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (enums become their codes): `dataclasses.asdict` without its deep copies,
        which cost more than assessing the message when assessments are stored in bulk."""
        return _plain(self)  # type: ignore[no-any-return]

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


_SCALARS = (str, int, float, bool)
_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _plain(value: Any) -> Any:
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, IntEnum):
        return int(value)
    # Scalars are tested inline: most leaves are strings and floats, and a call per leaf is the cost.
    if isinstance(value, dict):
        return {str(k): v if type(v) in _SCALARS else _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _SCALARS else _plain(v) for v in value]
    names = _field_names(type(value))
    if names is not None:
        return {name: v if type(v := getattr(value, name)) in _SCALARS else _plain(v) for name in names}
    return value


def _field_names(cls: type) -> tuple[str, ...] | None:
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None
    return _FIELD_NAMES[cls]
