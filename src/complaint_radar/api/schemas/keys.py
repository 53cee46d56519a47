"""API keys: issue, list, rotate, revoke (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from complaint_radar.api.schemas.common import StoredText

RoleIn = Literal["frontline_agent", "supervisor", "quality_analyst", "manager", "admin", "agent", "analyst"]


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StoredText = Field(
        min_length=1, max_length=128, description="User the key is for (created if new)."
    )
    role: RoleIn = Field(
        description="agent and analyst are short for frontline_agent and quality_analyst; "
        "an existing user keeps its role.",
        examples=["frontline_agent"],
    )
    team: StoredText | None = Field(default=None, max_length=64)
    label: StoredText | None = Field(default=None, max_length=128, description="What the key is for.")
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    expires_at: AwareDatetime | None = None


class KeyOut(BaseModel):
    id: int
    prefix: str = Field(description="First characters of the key, to tell keys apart.")
    label: str | None
    name: str
    role: str
    team: str | None
    active: bool
    rate_limit_per_minute: int | None
    created_at: datetime
    expires_at: datetime | None
    replaced_by: int | None = Field(default=None, description="The key that replaced this one (rotation).")


class IssuedKeyOut(KeyOut):
    key: str = Field(description="The API key. Shown only now: store it safely.")


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: int = Field(
        default=7 * 86400,
        ge=0,
        le=366 * 86400,
        description="How long the old key keeps working (default 7 days; 0: it stops at once).",
    )


class KeyList(BaseModel):
    items: list[KeyOut]
