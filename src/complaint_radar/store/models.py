"""ORM tables (SQLAlchemy 2, typed): customers, messages, events, cases, audit, users/keys, alerts, profiles.

Codes (channel, stage, state, severity, role …) are stored as their SPEC.md strings; this module knows
nothing about which values are valid or how they change: that is the domain packages' business.
Every datetime column is an aware UTC `UTCDateTime`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from complaint_radar.store.columns import UTCDateTime, big_id, json_document, utcnow

# Deterministic constraint names: Alembic migrations (and SQLite batch rebuilds) refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


ANALYSIS_COLUMNS = (
    "day",
    "speaker",
    "stage",
    "risk_level",
    "channel",
    "severity_weight",
    "customer_id",
    "occurred_at",
    "product",
    "sku",
    "branch",
    "region",
    "team",
    "agent_id",
    "segment",
    "new_or_returning",
)
"""What the analysis cube reads of a message (the covering index `ix_messages_analysis`)."""


COMPLAINT_INDEX_COLUMNS = (
    "day",
    "customer_id",
    "occurred_at",
    "stage",
    "speaker",
    "channel",
    "risk_level",
    "product",
    "sku",
    "branch",
    "region",
    "team",
    "agent_id",
    "segment",
)
"""The columns of `ix_messages_complaint_days` (what the conversion and complainant queries read)."""
COMPLAINT_STAGES_SQL = "stage IN ('potential_complaint', 'formal_complaint')"
"""The condition of the partial index `ix_messages_complaint_days` (queries repeat it word for word)."""


def _empty_dict() -> dict[str, Any]:
    return {}


def _empty_list() -> list[Any]:
    return []


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Customer(Base):
    """A customer, keyed by the id the source systems use; rows are created on first sight."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(256))
    attributes: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Message(Base):
    """One contact turn from any channel, with its stored Assessment (SPEC.md §3)."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index(None, "customer_id", "occurred_at"),
        Index(None, "thread_id"),
        # The dashboard's newest-first lists: all messages, and the live radar's high-risk ones.
        Index(None, "occurred_at"),
        Index(None, "risk_level", "occurred_at"),
        # Every column the analysis reads of a message, so its scans of a period never touch the rows
        # themselves (text and Assessment make them kilobytes wide): index-only, several times faster.
        Index("ix_messages_analysis", *ANALYSIS_COLUMNS),
        CheckConstraint("risk_score BETWEEN 0 AND 100", name="risk_score_range"),
        Index(None, "day"),
        Index(None, "product", "day"),
        Index(None, "branch", "day"),
        Index(None, "region", "day"),
        Index(None, "agent_id", "day"),
        # Complaint-stage messages of a period alone (conversion), without the other stages. Partial, so
        # that a newest-first list filtered by stage keeps walking the day index and stops after a page;
        # a query uses it only when it names exactly these two stages as inline constants. It holds every
        # column a scope filters by, so a filtered conversion never reads the rows themselves.
        Index(
            "ix_messages_complaint_days",
            *COMPLAINT_INDEX_COLUMNS,
            sqlite_where=sql_text(COMPLAINT_STAGES_SQL),
            postgresql_where=sql_text(COMPLAINT_STAGES_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(256))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    thread_id: Mapped[str | None] = mapped_column(String(256))
    channel: Mapped[str] = mapped_column(String(32))
    speaker: Mapped[str] = mapped_column(String(16), default="customer")
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    attributes: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    assessment: Mapped[dict[str, Any] | None] = mapped_column(json_document())
    stage: Mapped[str | None] = mapped_column(String(32))
    risk_score: Mapped[int | None] = mapped_column(SmallInteger)
    risk_level: Mapped[str | None] = mapped_column(String(16))
    assessed_at: Mapped[datetime | None]
    severity_weight: Mapped[int | None] = mapped_column(SmallInteger)
    """SPEC.md §7.4 weight of the risk level (critical 4, high 3, medium 2, low 1), for weighted Pareto."""
    day: Mapped[date | None] = mapped_column(Date)
    """The local calendar day of `occurred_at` in the reporting time zone (Settings.analysis_timezone)."""
    product: Mapped[str | None] = mapped_column(String(128))
    sku: Mapped[str | None] = mapped_column(String(128))
    branch: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    segment: Mapped[str | None] = mapped_column(String(128))
    tenure_days: Mapped[int | None] = mapped_column(Integer)
    new_or_returning: Mapped[str | None] = mapped_column(String(16))


class Event(Base):
    """A non-text fact about a customer: purchase, visit, wait, survey answer, case event … (SPEC.md §4)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index(None, "customer_id", "occurred_at"),
        Index(None, "kind", "day"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(256))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    value_num: Mapped[float | None] = mapped_column(Double)
    value_text: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    day: Mapped[date | None] = mapped_column(Date)
    product: Mapped[str | None] = mapped_column(String(128))
    sku: Mapped[str | None] = mapped_column(String(128))
    branch: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    segment: Mapped[str | None] = mapped_column(String(128))
    tenure_days: Mapped[int | None] = mapped_column(Integer)
    new_or_returning: Mapped[str | None] = mapped_column(String(16))


class Case(Base):
    """A complaint case (SPEC.md §6). `id` is a store-issued opaque string (see `new_case_identity`).

    `due` maps SLA clock names to ISO 8601 UTC deadlines; `attributes` holds the domain's fields that
    have no column of their own (pauses, SLA marks, prior resolutions …), so the case can round-trip.
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index(None, "customer_id", "state"),
        Index(None, "state", "opened_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    state: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    due: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[datetime | None]
    contact_count: Mapped[int] = mapped_column(Integer, default=1)
    causes: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    demands: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    issue_key: Mapped[str | None] = mapped_column(String(256))
    resolution: Mapped[dict[str, Any] | None] = mapped_column(json_document())
    follow_up: Mapped[dict[str, Any] | None] = mapped_column(json_document())
    handling: Mapped[dict[str, Any] | None] = mapped_column(json_document())
    attributes: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseNumberCounter(Base):
    """The last public case number handed out per year (CR-<year>-<n>)."""

    __tablename__ = "case_number_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class AuditEvent(Base):
    """Append-only audit trail for cases, assessments and profiles (SPEC.md §6); role None = the system.

    The migration installs triggers that reject UPDATE and DELETE on this table in both backends.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "entity_type", "entity_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    old_values: Mapped[dict[str, Any] | None] = mapped_column(json_document())
    new_values: Mapped[dict[str, Any] | None] = mapped_column(json_document())
    reason: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """A person or service that calls the API; `role` decides what it may do."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    team: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key of a user. Only its hash is stored (`hash_scheme`: hmac-sha256 under the server secret,
    or sha256 for keys issued before it); `key_prefix` lets people tell keys apart. A rotated key names
    the key that replaced it (`replaced_by_id`) and works until its `expires_at` (the grace period)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    hash_scheme: Mapped[str] = mapped_column(String(16), default="hmac-sha256", server_default="sha256")
    replaced_by_id: Mapped[int | None] = mapped_column(
        big_id(), ForeignKey("api_keys.id", ondelete="SET NULL")
    )


class AlertRule(Base):
    """A configured alert: `kind` names the rule logic, `params` its thresholds, `targets` where it goes.

    `params` is the rule's `when` mapping and `targets` its `notify` names (docs/alerts.md); `origin`
    says who manages it: `file` (the rules file, synced at start) or `api` (`/v1/alert-rules`).
    """

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    targets: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cooldown_minutes: Mapped[float] = mapped_column(Double, default=60.0, server_default="60")
    severity: Mapped[str | None] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16), default="api", server_default="api")


class Alert(Base):
    """One firing of an alert rule; (rule_id, dedup_key) is unique so a rule fires once per subject.

    `cooldown_key` (the customer, or the issue) is what the rule's cool-down counts per; a firing
    suppressed by the cool-down adds one to the last alert's `repeats` instead of paging again.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule_id", "dedup_key"),
        Index(None, "status", "fired_at"),
        Index(None, "rule_id", "cooldown_key", "fired_at"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id"))
    dedup_key: Mapped[str | None] = mapped_column(String(256))
    fired_at: Mapped[datetime] = mapped_column(default=utcnow)
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    acknowledged_at: Mapped[datetime | None]
    cooldown_key: Mapped[str | None] = mapped_column(String(256))
    repeats: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AlertDelivery(Base):
    """The outbox: one alert to one destination (a webhook or e-mail name of the rules file).

    Rows are written in the transaction that stores the alert; a delivery loop claims due rows
    (`lease_until`), sends, and records each attempt, so a receiver that is down never holds up
    ingestion and delivery resumes after a restart. `status`: pending, delivered or failed.
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "destination"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class AlertDeliveryAttempt(Base):
    """The delivery log: one row per attempt (outcome, HTTP status, error, duration)."""

    __tablename__ = "alert_delivery_attempts"
    __table_args__ = (Index(None, "delivery_id", "attempt"),)

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alert_deliveries.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    duration_ms: Mapped[float] = mapped_column(Double)
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class RiskProfileSnapshot(Base):
    """A customer risk profile as computed at `computed_at` (SPEC.md §4); `profile` is the full record."""

    __tablename__ = "customer_risk_profiles"
    __table_args__ = (
        Index(None, "customer_id", "computed_at"),
        Index(None, "computed_at"),
        Index(None, "complaint_probability_7d"),
        CheckConstraint("risk_score BETWEEN 0 AND 100", name="risk_score_range"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    computed_at: Mapped[datetime]
    risk_score: Mapped[int] = mapped_column(SmallInteger)
    risk_level: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32))
    trend: Mapped[str] = mapped_column(String(16))
    complaint_probability_7d: Mapped[float | None] = mapped_column(Double)
    predicted_form: Mapped[str] = mapped_column(String(32))
    recommended_action: Mapped[str | None] = mapped_column(String(32))
    reasons: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    profile: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)


# Aggregate analysis (SPEC.md §7): causes as rows, denominators, issues, root causes, improvement actions.


class MessageCause(Base):
    """One cause of one assessed message, with the message's day, so cause group-bys need no JSON scan."""

    __tablename__ = "message_causes"
    __table_args__ = (Index(None, "day", "cause"),)

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    cause: Mapped[str] = mapped_column(String(32), primary_key=True)
    confidence: Mapped[float | None] = mapped_column(Double)
    day: Mapped[date | None] = mapped_column(Date)


class MessageRollup(Base):
    """Assessed customer messages counted per day and grain (`store.rollups`): what the analysis sums
    instead of scanning messages. Key columns a grain does not keep, and missing values, are ''."""

    __tablename__ = "message_rollups"
    # SQLite keeps the rows in key order (no rowid): a period of a grain is one contiguous read.
    __table_args__ = (Index(None, "grain", "value", "second_value", "day"), {"sqlite_with_rowid": False})

    grain: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    """The value of the grain's dimension (product, branch …); '' for the grain without one."""
    second_value: Mapped[str] = mapped_column(String(128), primary_key=True)
    """The value of the grain's second dimension (a pair grain such as region+segment); else ''."""
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    risk_level: Mapped[str] = mapped_column(String(16), primary_key=True)
    new_or_returning: Mapped[str] = mapped_column(String(16), primary_key=True)
    messages: Mapped[int] = mapped_column(BigInteger, default=0)
    weighted: Mapped[int] = mapped_column(BigInteger, default=0)
    """Sum of the messages' severity weights."""


class CauseRollup(Base):
    """Message × cause pairs counted like `MessageRollup` (one per message and distinct cause)."""

    __tablename__ = "cause_rollups"
    __table_args__ = (Index(None, "grain", "value", "second_value", "day"), {"sqlite_with_rowid": False})

    grain: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    second_value: Mapped[str] = mapped_column(String(128), primary_key=True)
    cause: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    risk_level: Mapped[str] = mapped_column(String(16), primary_key=True)
    new_or_returning: Mapped[str] = mapped_column(String(16), primary_key=True)
    messages: Mapped[int] = mapped_column(BigInteger, default=0)
    weighted: Mapped[int] = mapped_column(BigInteger, default=0)


class MetricValue(Base):
    """A denominator (orders, contacts, active customers, surveys sent …) for one day and dimensions.

    Absent dimensions are stored as '' (not NULL) so the unique key makes re-sent rows an update.
    """

    __tablename__ = "metrics"
    __table_args__ = (
        UniqueConstraint(
            "day", "metric", "channel", "product", "sku", "branch", "region", "team", "agent_id", "segment"
        ),
        Index(None, "metric", "day"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Double)
    channel: Mapped[str] = mapped_column(String(32), default="")
    product: Mapped[str] = mapped_column(String(128), default="")
    sku: Mapped[str] = mapped_column(String(128), default="")
    branch: Mapped[str] = mapped_column(String(128), default="")
    region: Mapped[str] = mapped_column(String(128), default="")
    team: Mapped[str] = mapped_column(String(128), default="")
    agent_id: Mapped[str] = mapped_column(String(128), default="")
    segment: Mapped[str] = mapped_column(String(128), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Issue(Base):
    """An emerging issue (SPEC.md §7.5): one per key; a growing issue is updated, never duplicated."""

    __tablename__ = "issues"
    __table_args__ = (Index(None, "status", "last_detected"),)

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    kind: Mapped[str] = mapped_column(String(16), default="key")
    cause: Mapped[str | None] = mapped_column(String(64))
    product: Mapped[str | None] = mapped_column(String(128))
    branch: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="new")
    window_start: Mapped[date]
    window_end: Mapped[date]
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Double)
    p_value: Mapped[float | None] = mapped_column(Double)
    ratio: Mapped[float | None] = mapped_column(Double)
    merged_keys: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    top_terms: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    example_ids: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    first_detected: Mapped[date]
    last_detected: Mapped[date]
    detections: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IssueKey(Base):
    """Every key an issue stands for (its own and those merged into it), so a later run finds it again."""

    __tablename__ = "issue_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)


class RootCauseRecord(Base):
    """A fishbone, 5-whys or qualitative note attached to an issue (SPEC.md §7.6)."""

    __tablename__ = "root_cause_records"

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    record: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImprovementAction(Base):
    """An improvement action and its before/after windows (SPEC.md §7.9)."""

    __tablename__ = "improvement_actions"

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id", ondelete="SET NULL"), index=True)
    root_cause_id: Mapped[int | None] = mapped_column(
        ForeignKey("root_cause_records.id", ondelete="SET NULL")
    )
    fishbone_category: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    start_date: Mapped[date]
    baseline_start: Mapped[date]
    baseline_end: Mapped[date]
    ramp_up_days: Mapped[int] = mapped_column(Integer)
    target_metric: Mapped[str] = mapped_column(String(64))
    target_value: Mapped[float | None] = mapped_column(Double)
    filters: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SettingOverride(Base):
    """A setting an administrator changed at run time (the SLA targets …): `value` replaces the default
    from files and environment until changed again; each change is also in the audit trail."""

    __tablename__ = "settings_overrides"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
