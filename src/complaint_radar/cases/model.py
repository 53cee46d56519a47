"""Case records (SPEC.md §6): codes as StrEnums, the immutable Case and its append-only CaseEvent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from complaint_radar.types import CustomerType, FishboneCategory, Handling, RiskLevel, Role


class CaseState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    AWAITING_CUSTOMER = "awaiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CLOSED_UNCONFIRMED = "closed_unconfirmed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Work is still owed: SLA clocks run, escalation and severity changes are allowed."""
        return self in OPEN_STATES

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


OPEN_STATES = frozenset(
    {
        CaseState.NEW,
        CaseState.ACKNOWLEDGED,
        CaseState.IN_PROGRESS,
        CaseState.AWAITING_CUSTOMER,
        CaseState.REOPENED,
    }
)
TERMINAL_STATES = frozenset({CaseState.CLOSED, CaseState.CLOSED_UNCONFIRMED, CaseState.CANCELLED})


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    @classmethod
    def from_risk_level(cls, level: RiskLevel) -> Severity:
        return cls(level.value)


_SEVERITY_ORDER = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


class Tier(StrEnum):
    """Who carries the case (SPEC.md §6 escalation tiers); only ever raised automatically."""

    L1_AGENT = "l1_agent"
    L2_SUPERVISOR = "l2_supervisor"
    L3_MANAGER = "l3_manager"
    EXTERNAL_LIAISON = "external_liaison"

    @property
    def rank(self) -> int:
        return _TIER_ORDER.index(self)

    def next_internal(self) -> Tier:
        """One tier up the internal chain; l3 is its top (external liaison is for regulator cases only)."""
        if self in (Tier.L3_MANAGER, Tier.EXTERNAL_LIAISON):
            return self
        return _TIER_ORDER[self.rank + 1]


_TIER_ORDER = [Tier.L1_AGENT, Tier.L2_SUPERVISOR, Tier.L3_MANAGER, Tier.EXTERNAL_LIAISON]


class CaseOrigin(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"
    REGULATOR_REFERRAL = "regulator_referral"


class ResolutionCode(StrEnum):
    RESOLVED_REMEDY = "resolved_remedy"
    RESOLVED_EXPLANATION = "resolved_explanation"
    PARTIALLY_RESOLVED = "partially_resolved"
    NOT_SUBSTANTIATED = "not_substantiated"
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"


class ResponsibleParty(StrEnum):
    COMPANY = "company"
    THIRD_PARTY = "third_party"
    CUSTOMER = "customer"
    UNDETERMINED = "undetermined"


class EscalationTrigger(StrEnum):
    """Why a case moved up a tier (SPEC.md §6)."""

    MANAGER_REQUESTED = "manager_requested"
    REGULATOR_THREAT = "regulator_threat"
    MEDIA_THREAT = "media_threat"
    LEGAL_THREAT = "legal_threat"
    EXTERNAL_COMPLAINT_FILED = "external_complaint_filed"
    SLA_BREACH = "sla_breach"
    REMEDY_BEYOND_AUTHORITY = "remedy_beyond_authority"
    COMPENSATION_ABOVE_LIMIT = "compensation_above_limit"
    FIRST_REOPEN = "first_reopen"
    SECOND_REOPEN = "second_reopen"
    REGULATOR_CASE = "regulator_case"
    MANUAL = "manual"


class CaseAction(StrEnum):
    """What an audit event records."""

    OPENED = "opened"
    STATE_CHANGED = "state_changed"
    ASSIGNED = "assigned"
    SEVERITY_CHANGED = "severity_changed"
    TIER_CHANGED = "tier_changed"
    CONTACT_ATTACHED = "contact_attached"
    FIRST_RESPONSE = "first_response"
    GUIDANCE_ATTACHED = "guidance_attached"
    RESOLUTION_RECORDED = "resolution_recorded"
    ANALYSIS_AMENDED = "analysis_amended"
    FOLLOW_UP_ATTEMPTED = "follow_up_attempted"
    FOLLOW_UP_RECORDED = "follow_up_recorded"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"


class Milestone(StrEnum):
    """The SLA clocks of SPEC.md §6."""

    ACKNOWLEDGE = "acknowledge"
    FIRST_RESPONSE = "first_response"
    RESOLVE = "resolve"
    FOLLOW_UP = "follow_up"


class SlaState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"


@dataclass(frozen=True, slots=True)
class Pause:
    """A closed interval in `awaiting_customer`, when SLA clocks stood still."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SlaMark:
    """A warning or breach already reported, so `check_sla` never reports it twice."""

    milestone: Milestone
    state: SlaState
    cycle: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Remedy:
    """A remedy given: the demand it answers (`refund`, `compensation`…), with an amount if any."""

    demand: str
    amount: float | None = None
    currency: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    code: ResolutionCode
    recorded_at: datetime
    recorded_by: str
    remedies: tuple[Remedy, ...] = ()
    confirmed_causes: tuple[str, ...] = ()
    responsible_party: ResponsibleParty = ResponsibleParty.UNDETERMINED
    fishbone_category: FishboneCategory | None = None
    root_cause_id: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Post-resolution follow-up (D0 跟进反馈): unanswered attempts, then the customer's answer."""

    attempts: tuple[datetime, ...] = ()
    reached_at: datetime | None = None
    csat: int | None = None
    resolved: bool | None = None
    nps: int | None = None
    comment: str | None = None

    @property
    def first_contact_at(self) -> datetime | None:
        """When follow-up first happened (an attempt counts: the SLA asks that we try in time)."""
        times = [*self.attempts, *([self.reached_at] if self.reached_at else [])]
        return min(times) if times else None

    @property
    def satisfied(self) -> bool:
        return self.reached_at is not None and self.resolved is True and (self.csat is None or self.csat > 2)


@dataclass(frozen=True, slots=True)
class Case:
    """One complaint case. Immutable: every action returns a new Case plus its audit events."""

    id: str
    number: str
    customer_id: str | None
    state: CaseState
    severity: Severity
    tier: Tier
    opened_at: datetime
    origin: CaseOrigin
    channel: str | None = None
    owner: str | None = None
    team: str | None = None
    supervisor_visible: bool = False
    issue_key: str | None = None
    thread_id: str | None = None
    order_id: str | None = None
    product: str | None = None
    language: str | None = None
    customer_type: CustomerType = CustomerType.UNDETERMINED
    causes: tuple[str, ...] = ()
    demands: tuple[str, ...] = ()
    source_message_id: str | None = None
    message_ids: tuple[str, ...] = ()
    contact_count: int = 1
    last_contact_at: datetime | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    first_response_plan: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    reopen_count: int = 0
    pauses: tuple[Pause, ...] = ()
    paused_since: datetime | None = None
    regulator_deadline: datetime | None = None
    resolution: Resolution | None = None
    prior_resolutions: tuple[Resolution, ...] = ()
    follow_up: FollowUp = field(default_factory=FollowUp)
    prior_follow_ups: tuple[FollowUp, ...] = ()
    guidance: Handling | None = None
    sla_marks: tuple[SlaMark, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def cycle_started_at(self) -> datetime:
        """Start of the current resolve cycle: opening, or the latest reopen."""
        return self.reopened_at or self.opened_at

    @property
    def latest_contact_at(self) -> datetime:
        return self.last_contact_at or self.opened_at

    @property
    def paused_seconds(self) -> float:
        """Wall-clock seconds spent in finished `awaiting_customer` pauses."""
        return sum(
            (p.end.astimezone(UTC) - p.start.astimezone(UTC) for p in self.pauses), timedelta()
        ).total_seconds()

    def has_mark(self, milestone: Milestone, state: SlaState, cycle: int) -> bool:
        return any(m.milestone is milestone and m.state is state and m.cycle == cycle for m in self.sla_marks)


@dataclass(frozen=True, slots=True)
class Change:
    """One field's `old → new` in an audit event, values as display strings.

    Appending to a list field (`message_ids`, `pauses`, `sla_marks`…) is recorded as the field name with
    `[+]`, no old value and the appended items as new value, so events stay small.
    """

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """An append-only audit record: who (actor, role; role None = the system) did what, when and why."""

    case_id: str
    at: datetime
    actor: str
    role: Role | None
    action: CaseAction
    changes: tuple[Change, ...]
    reason: str | None = None

    def change(self, field_name: str) -> Change | None:
        return next((c for c in self.changes if c.field == field_name), None)


class CaseUpdate(NamedTuple):
    """What every case action returns: the new case and the audit events that explain it."""

    case: Case
    events: list[CaseEvent]
