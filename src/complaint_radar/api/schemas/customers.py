"""A customer: the latest risk profile (SPEC.md §4), recent timeline and cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TimelineEntryOut(BaseModel):
    kind: str = Field(description="message or event")
    id: str
    source: str
    at: datetime
    channel: str | None
    text: str | None
    stage: str | None
    risk_score: int | None
    event_kind: str | None
    value: float | str | None
    attributes: dict[str, Any]


class CaseSummaryOut(BaseModel):
    id: str
    number: str
    state: str
    severity: str
    tier: str
    owner: str | None
    team: str | None
    opened_at: datetime
    closed_at: datetime | None


class CustomerOut(BaseModel):
    customer_id: str
    complaint_probability_7d: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Calibrated probability that the customer files a formal complaint within 7 days, "
        "from the latest profile (1.0 once a formal complaint is on record in the last 7 days; null "
        "before the first profile). The profile's risk level is read from it.",
    )
    profile: dict[str, Any] | None = Field(
        description="The latest risk profile: risk score and level, 7-day complaint probability, trend, "
        "stage, reasons with evidence, recommended action (null before the customer's first message or "
        "event)."
    )
    timeline: list[TimelineEntryOut] = Field(description="Newest entries, oldest first.")
    cases: list[CaseSummaryOut]
