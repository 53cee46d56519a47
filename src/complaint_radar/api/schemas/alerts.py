"""Alerts: what fired, about whom, and who acknowledged it; the rules that fire them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from complaint_radar.api.schemas.common import Page, StoredText


class AlertOut(BaseModel):
    id: int
    rule: str
    rule_kind: str
    severity: str
    status: str
    fired_at: datetime
    customer_id: str | None
    case_id: str | None
    message_id: int | None
    payload: dict[str, Any]
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    repeats: int = Field(
        0, description="Firings of the same rule for the same customer within its cool-down."
    )


class AlertList(BaseModel):
    items: list[AlertOut]
    page: Page


class AlertRuleIn(BaseModel):
    """A new alert rule (docs/alerts.md): `when` holds its conditions, `notify` destination names of the
    server's rules file."""

    model_config = ConfigDict(extra="forbid")

    name: StoredText = Field(min_length=1, max_length=128, examples=["about-to-complain"])
    when: dict[str, Any] = Field(examples=[{"stage_at_least": "potential_complaint", "channel": ["chat"]}])
    notify: list[StoredText] = Field(default_factory=list, max_length=32, examples=[["ops"]])
    cooldown_minutes: float = Field(60.0, ge=0, le=525_600)
    severity: Literal["low", "medium", "high", "critical"] | None = None
    enabled: bool = True


class AlertRulePatch(BaseModel):
    """The fields to change; a new `when` replaces the old one whole."""

    model_config = ConfigDict(extra="forbid")

    name: StoredText | None = Field(None, min_length=1, max_length=128)
    when: dict[str, Any] | None = None
    notify: list[StoredText] | None = Field(None, max_length=32)
    cooldown_minutes: float | None = Field(None, ge=0, le=525_600)
    severity: Literal["low", "medium", "high", "critical"] | None = None
    enabled: bool | None = None


class AlertRuleOut(BaseModel):
    id: int
    name: str
    kind: str = Field(description="message, customer, sla or emerging_issue (from the conditions).")
    when: dict[str, Any]
    notify: list[str]
    cooldown_minutes: float
    severity: str | None
    enabled: bool
    origin: str = Field(description="file (the rules file; read-only here) or api.")
    created_at: datetime
    updated_at: datetime


class AlertRuleList(BaseModel):
    items: list[AlertRuleOut]
