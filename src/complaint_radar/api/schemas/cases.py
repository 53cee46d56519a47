"""Cases (SPEC.md §6): the case record with its SLA clocks, and the bodies of case actions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from complaint_radar.api.schemas.assessment import HandlingOut
from complaint_radar.api.schemas.common import Page, StoredText
from complaint_radar.services.cases.desk import (
    CaseState,
    FishboneCategory,
    ResolutionCode,
    ResponsibleParty,
    Severity,
    Tier,
)
from complaint_radar.types import Cause, Channel, Demand

REASON_CHARS = 2000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseIn(_Body):
    """Open a case by hand. An agent's case is their own; a supervisor may name the owner."""

    severity: Severity
    customer_id: StoredText | None = Field(default=None, min_length=1, max_length=128)
    channel: Channel | None = None
    causes: list[Cause] = Field(default_factory=list, max_length=20)
    demands: list[Demand] = Field(default_factory=list, max_length=20)
    issue_key: StoredText | None = Field(default=None, max_length=256)
    thread_id: StoredText | None = Field(default=None, max_length=256)
    order_id: StoredText | None = Field(default=None, max_length=256)
    owner: StoredText | None = Field(default=None, min_length=1, max_length=128)
    team: StoredText | None = Field(default=None, min_length=1, max_length=64)
    reason: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class ReasonIn(_Body):
    reason: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class RequiredReasonIn(_Body):
    reason: StoredText = Field(min_length=1, max_length=REASON_CHARS)


class TransitionIn(_Body):
    """Move to a state the lifecycle allows next (see the case's `next_states`)."""

    to_state: CaseState
    reason: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class AssignIn(_Body):
    owner: StoredText = Field(min_length=1, max_length=128)
    team: StoredText | None = Field(default=None, min_length=1, max_length=64)
    reason: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class EscalateIn(_Body):
    reason: StoredText = Field(min_length=1, max_length=REASON_CHARS)
    to_tier: Tier | None = Field(default=None, description="Default: one tier up.")


class SeverityIn(_Body):
    severity: Severity
    reason: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class FirstResponseIn(_Body):
    plan: StoredText = Field(min_length=1, max_length=4000, description="What will be done, by when.")


class RemedyIO(BaseModel):
    demand: Demand
    amount: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    currency: StoredText | None = Field(default=None, max_length=8)
    note: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class ResolveIn(_Body):
    code: ResolutionCode
    remedies: list[RemedyIO] = Field(default_factory=list, max_length=20)
    confirmed_causes: list[Cause] = Field(default_factory=list, max_length=20)
    responsible_party: ResponsibleParty = ResponsibleParty.UNDETERMINED
    fishbone_category: FishboneCategory | None = None
    notes: StoredText | None = Field(default=None, max_length=4000)


class FollowUpIn(_Body):
    """The customer's answer: satisfied closes the case; CSAT ≤ 2 or not resolved reopens it."""

    resolved: bool
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    comment: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class AttemptIn(_Body):
    note: StoredText | None = Field(default=None, max_length=REASON_CHARS)


class ResolutionOut(BaseModel):
    code: str
    recorded_at: datetime
    recorded_by: str
    remedies: list[RemedyIO]
    confirmed_causes: list[str]
    responsible_party: str
    fishbone_category: str | None
    root_cause_id: str | None
    notes: str | None


class FollowUpOut(BaseModel):
    attempts: list[datetime]
    reached_at: datetime | None
    csat: int | None
    resolved: bool | None
    nps: int | None
    comment: str | None


class SlaClockOut(BaseModel):
    milestone: str
    cycle: int
    started_at: datetime
    due_at: datetime
    done_at: datetime | None
    elapsed_fraction: float
    state: str = Field(description="ok, warning (75 % elapsed), breached or met.")
    target: str
    source: str


class CaseOut(BaseModel):
    id: str
    number: str
    customer_id: str | None
    state: str
    severity: str
    tier: str
    origin: str
    channel: str | None
    owner: str | None
    team: str | None
    supervisor_visible: bool
    issue_key: str | None
    thread_id: str | None
    order_id: str | None
    product: str | None
    language: str | None
    customer_type: str
    causes: list[str]
    demands: list[str]
    source_message_id: str | None
    message_ids: list[str]
    contact_count: int
    opened_at: datetime
    last_contact_at: datetime | None
    acknowledged_at: datetime | None
    first_response_at: datetime | None
    first_response_plan: str | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    reopen_count: int
    paused_since: datetime | None
    regulator_deadline: datetime | None
    resolution: ResolutionOut | None
    follow_up: FollowUpOut
    guidance: HandlingOut | None
    sla: list[SlaClockOut] = Field(description="SLA clocks as of the request.")
    next_states: list[str] = Field(description="States the lifecycle allows next.")


class CaseList(BaseModel):
    items: list[CaseOut]
    page: Page


class AuditRecordOut(BaseModel):
    at: datetime
    action: str
    actor: str
    role: str | None
    reason: str | None
    old: dict[str, str | None]
    new: dict[str, str | None]


class AuditTrail(BaseModel):
    case_number: str
    records: list[AuditRecordOut]


class SlaSweepOut(BaseModel):
    checked: int
    warnings: int
    breaches: int
    changed: list[str] = Field(description="Numbers of the cases that got a warning or breach now.")
