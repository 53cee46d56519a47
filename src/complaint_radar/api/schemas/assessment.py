"""Message assessment (SPEC.md §3): the /v1/assess request and the Assessment JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

from complaint_radar.types import Channel, CustomerType, Polarity, RiskLevel, Stage

MAX_TEXT_CHARS = 20_000
Speaker = Literal["customer", "agent", "system"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty or only whitespace; send the message's text")
    return value


class MessageIn(BaseModel):
    """One message to assess; only customer turns are scored (agent/system turns come back stage none)."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, AfterValidator(_not_blank)] = Field(
        max_length=MAX_TEXT_CHARS, examples=["三天了还没人回复,再不处理我就去消协投诉!"]
    )
    channel: Channel | None = Field(default=None, examples=["chat"])
    message_id: str | None = Field(default=None, max_length=256)
    customer_id: str | None = Field(default=None, max_length=128)
    speaker: Speaker = "customer"


class BatchIn(BaseModel):
    """Several messages at once (at most `api_max_batch`, default 100), assessed in one pass."""

    model_config = ConfigDict(extra="forbid")

    items: list[MessageIn] = Field(min_length=1)


def _request_kind(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "items" in value else "message"


AssessIn = Annotated[
    Annotated[MessageIn, Tag("message")] | Annotated[BatchIn, Tag("batch")],
    Discriminator(_request_kind),
]
"""`{"text": …}` for one message, `{"items": [{"text": …}, …]}` for a batch."""


class SpanOut(BaseModel):
    start: int
    end: int
    text: str


class SentimentOut(BaseModel):
    polarity: Polarity
    score: float


class CueOut(BaseModel):
    code: str
    start: int
    end: int
    text: str
    negated: bool
    hypothetical: bool
    reported: bool
    conditional: bool
    inquiry: bool


class LabelOut(BaseModel):
    code: str
    confidence: float
    spans: list[SpanOut]


class CustomerTypeOut(BaseModel):
    code: CustomerType
    confidence: float


class ExplanationOut(BaseModel):
    kind: str
    code: str
    reason_zh: str
    reason_en: str
    spans: list[SpanOut]


class OpenerOut(BaseModel):
    id: str
    zh: str
    en: str


class HandlingOut(BaseModel):
    priority: str
    route_to: str
    create_case: bool
    case_severity: str | None
    steps: list[str]
    opener_ids: list[str]
    avoid_ids: list[str]
    questions: list[str]
    guidance_zh: list[str]
    guidance_en: list[str]
    openers: list[OpenerOut]


class AssessmentOut(BaseModel):
    """Everything concluded about one message (SPEC.md §3); spans index the text as sent."""

    message_id: str | None
    customer_id: str | None
    text: str
    channel: str | None
    language: str
    sentiment: SentimentOut
    dissatisfaction_probability: float
    complaint_probability: float
    is_complaint: bool
    emotions: dict[str, float]
    dominant_emotion: str
    cues: list[CueOut]
    stage: Stage
    stage_evidence: list[str]
    forms: list[str]
    causes: list[LabelOut]
    demands: list[LabelOut]
    customer_type: CustomerTypeOut
    risk_score: int = Field(ge=0, le=100)
    risk_level: RiskLevel
    context_risk_score: int | None
    explanation: list[ExplanationOut]
    recommended_handling: HandlingOut
    model_version: str
    taxonomy_version: str
    assessed_at: str | None
    valid: bool
    error: str | None


class BatchOut(BaseModel):
    count: int
    items: list[AssessmentOut]
