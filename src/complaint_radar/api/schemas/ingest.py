"""Ingestion (/v1/messages, /v1/events) and stored messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from complaint_radar.api.schemas.common import Page

MESSAGE_EXAMPLE: JsonDict = {
    "message_id": "chat-1001",
    "customer_id": "c-42",
    "occurred_at": "2026-11-16T09:30:00+08:00",
    "channel": "chat",
    "text": "退款两周了还没到账,再拖我就去消协投诉!",
    "thread_id": "t-77",
    "attributes": {"order_id": "A123"},
}
EVENT_EXAMPLE: JsonDict = {
    "event_id": "crm-9",
    "customer_id": "c-42",
    "occurred_at": "2026-11-16T10:00:00+08:00",
    "kind": "queue_wait",
    "value": 45,
}


class MessagesIn(BaseModel):
    """Message rows, as in a JSONL file: `message_id`, `customer_id`, `occurred_at` (ISO 8601 with zone),
    `text`, and optionally `channel`, `speaker`, `thread_id`, `language`, `source`, `attributes`.
    Rows are checked one by one: a bad row is reported in `problems` and the others go on."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"items": [MESSAGE_EXAMPLE]}]})

    items: list[dict[str, Any]] = Field(min_length=1)


class EventsIn(BaseModel):
    """Behaviour event rows: `event_id`, `customer_id`, `occurred_at`, `kind` (purchase, queue_wait,
    survey_csat, page_visit, …), `value`, `attributes`. Unknown kinds are reported and skipped."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"items": [EVENT_EXAMPLE]}]})

    items: list[dict[str, Any]] = Field(min_length=1)


class RowProblemOut(BaseModel):
    index: int = Field(description="Position of the row in `items` (from 0).")
    reason: str


class ItemOutcomeOut(BaseModel):
    """What a new item did: the customer's risk right after it, and the case it opened or joined."""

    kind: str
    item_id: str
    customer_id: str | None
    occurred_at: datetime
    message_risk: int | None
    customer_risk: int | None
    customer_risk_level: str | None
    customer_stage: str | None
    top_signal: str | None
    case_number: str | None
    case_action: str | None = Field(description="opened or attached, when a case moved.")


class IngestOut(BaseModel):
    received: int
    new: int
    duplicates: int
    cases_opened: int
    contacts_attached: int
    problems: list[RowProblemOut]
    unknown_kinds: dict[str, int]
    items: list[ItemOutcomeOut]


class MessageOut(BaseModel):
    id: int
    source: str
    message_id: str
    customer_id: str | None
    thread_id: str | None
    channel: str
    speaker: str
    text: str
    language: str | None
    occurred_at: datetime
    received_at: datetime
    stage: str | None
    risk_score: int | None
    risk_level: str | None
    attributes: dict[str, Any]
    assessment: dict[str, Any] | None = Field(description="The stored Assessment (with ?assessment=true).")
    dimensions: dict[str, Any] = Field(
        default_factory=dict,
        description="product, sku, branch, region, team, agent_id, segment, tenure_days, new_or_returning "
        "(those known).",
    )


class MessageList(BaseModel):
    items: list[MessageOut]
    page: Page
