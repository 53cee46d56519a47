"""Alerts: what fired, about whom, and who acknowledged it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from complaint_radar.api.schemas.common import Page


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


class AlertList(BaseModel):
    items: list[AlertOut]
    page: Page
