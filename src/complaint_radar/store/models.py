"""ORM tables (SQLAlchemy 2, typed): customers, messages, events, cases, audit, users/keys, alerts, profiles.

Codes (channel, stage, state, severity, role …) are stored as their SPEC.md strings; this module knows
nothing about which values are valid or how they change: that is the domain packages' business.
Every datetime column is an aware UTC `UTCDateTime`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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
        CheckConstraint("risk_score BETWEEN 0 AND 100", name="risk_score_range"),
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


class Event(Base):
    """A non-text fact about a customer: purchase, visit, wait, survey answer, case event … (SPEC.md §4)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index(None, "customer_id", "occurred_at"),
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
    """An API key of a user. Only its SHA-256 hash is stored; `key_prefix` lets people tell keys apart."""

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


class AlertRule(Base):
    """A configured alert: `kind` names the rule logic, `params` its thresholds, `targets` where it goes."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(big_id(), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(json_document(), default=_empty_dict)
    targets: Mapped[list[Any]] = mapped_column(json_document(), default=_empty_list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Alert(Base):
    """One firing of an alert rule; (rule_id, dedup_key) is unique so a rule fires once per subject."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule_id", "dedup_key"),
        Index(None, "status", "fired_at"),
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


class RiskProfileSnapshot(Base):
    """A customer risk profile as computed at `computed_at` (SPEC.md §4); `profile` is the full record."""

    __tablename__ = "customer_risk_profiles"
    __table_args__ = (
        Index(None, "customer_id", "computed_at"),
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
