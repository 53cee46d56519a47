"""Initial schema: customers, messages, events, cases, audit trail, users/API keys, alerts, risk profiles.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written from `alembic revision --autogenerate`, then checked by hand; the append-only triggers on
audit_events are not visible to autogenerate. A later SQLite batch migration of audit_events rebuilds
the table and so must re-create them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "customers",
        _str("id", 128),
        _str("display_name", 256, nullable=True),
        _json("attributes"),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "messages",
        _id(),
        _str("source", 64),
        _str("external_id", 256),
        _str("customer_id", 128, nullable=True),
        _str("thread_id", 256, nullable=True),
        _str("channel", 32),
        _str("speaker", 16),
        sa.Column("text", sa.Text(), nullable=False),
        _str("language", 16, nullable=True),
        _time("occurred_at"),
        _time("received_at"),
        _json("attributes"),
        _json("assessment", nullable=True),
        _str("stage", 32, nullable=True),
        sa.Column("risk_score", sa.SmallInteger(), nullable=True),
        _str("risk_level", 16, nullable=True),
        _time("assessed_at", nullable=True),
        sa.CheckConstraint("risk_score BETWEEN 0 AND 100", name=op.f("ck_messages_risk_score_range")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_messages_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_messages_source_external_id")),
    )
    op.create_index(op.f("ix_messages_customer_id_occurred_at"), "messages", ["customer_id", "occurred_at"])
    op.create_index(op.f("ix_messages_thread_id"), "messages", ["thread_id"])
    op.create_table(
        "events",
        _id(),
        _str("source", 64),
        _str("external_id", 256),
        _str("customer_id", 128),
        _time("occurred_at"),
        _str("kind", 64),
        sa.Column("value_num", sa.Double(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        _json("attributes"),
        _time("received_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_events_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_events_source_external_id")),
    )
    op.create_index(op.f("ix_events_customer_id_occurred_at"), "events", ["customer_id", "occurred_at"])
    op.create_table(
        "cases",
        _str("id", 32),
        _str("case_number", 32),
        _str("customer_id", 128, nullable=True),
        _str("state", 32),
        _str("severity", 16),
        _str("tier", 32),
        _str("owner_id", 128, nullable=True),
        _str("team", 64, nullable=True),
        _str("channel", 32, nullable=True),
        _time("opened_at"),
        _time("acknowledged_at", nullable=True),
        _time("first_response_at", nullable=True),
        _time("resolved_at", nullable=True),
        _time("closed_at", nullable=True),
        _json("due"),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        _time("paused_since", nullable=True),
        sa.Column("contact_count", sa.Integer(), nullable=False),
        _json("causes"),
        _json("demands"),
        _id("source_message_id", nullable=True),
        _str("issue_key", 256, nullable=True),
        _json("resolution", nullable=True),
        _json("follow_up", nullable=True),
        _json("handling", nullable=True),
        _json("attributes"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cases_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["source_message_id"],
            ["messages.id"],
            name=op.f("fk_cases_source_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_number", name=op.f("uq_cases_case_number")),
    )
    op.create_index(op.f("ix_cases_customer_id_state"), "cases", ["customer_id", "state"])
    op.create_index(op.f("ix_cases_state_opened_at"), "cases", ["state", "opened_at"])
    op.create_table(
        "case_number_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_number_counters")),
    )
    op.create_table(
        "audit_events",
        _id(),
        _str("entity_type", 32),
        _str("entity_id", 128),
        _str("action", 64),
        _str("actor", 128),
        _str("role", 32, nullable=True),
        _time("occurred_at"),
        _json("old_values", nullable=True),
        _json("new_values", nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_entity_type_entity_id_occurred_at"),
        "audit_events",
        ["entity_type", "entity_id", "occurred_at"],
    )
    _create_append_only_triggers()
    op.create_table(
        "users",
        _id(),
        _str("username", 128),
        _str("display_name", 256, nullable=True),
        _str("role", 32),
        _str("team", 64, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_keys",
        _id(),
        _id("user_id"),
        _str("key_hash", 64),
        _str("key_prefix", 16),
        _str("label", 128, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("expires_at", nullable=True),
        _time("last_used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"])
    op.create_table(
        "alert_rules",
        _id(),
        _str("name", 128),
        _str("kind", 64),
        _json("params"),
        _json("targets"),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_rules_name")),
    )
    op.create_table(
        "alerts",
        _id(),
        _id("rule_id"),
        _str("dedup_key", 256, nullable=True),
        _time("fired_at"),
        _str("severity", 16),
        _str("status", 16),
        _str("customer_id", 128, nullable=True),
        _str("case_id", 32, nullable=True),
        _id("message_id", nullable=True),
        _json("payload"),
        _str("acknowledged_by", 128, nullable=True),
        _time("acknowledged_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_alerts_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_alerts_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_alerts_message_id_messages"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["rule_id"], ["alert_rules.id"], name=op.f("fk_alerts_rule_id_alert_rules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("rule_id", "dedup_key", name=op.f("uq_alerts_rule_id_dedup_key")),
    )
    op.create_index(op.f("ix_alerts_status_fired_at"), "alerts", ["status", "fired_at"])
    op.create_table(
        "customer_risk_profiles",
        _id(),
        _str("customer_id", 128),
        _time("computed_at"),
        sa.Column("risk_score", sa.SmallInteger(), nullable=False),
        _str("risk_level", 16),
        _str("stage", 32),
        _str("trend", 16),
        _str("predicted_form", 32),
        _str("recommended_action", 32, nullable=True),
        _json("reasons"),
        _json("profile"),
        sa.CheckConstraint(
            "risk_score BETWEEN 0 AND 100", name=op.f("ck_customer_risk_profiles_risk_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_risk_profiles_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_risk_profiles")),
    )
    op.create_index(
        op.f("ix_customer_risk_profiles_customer_id_computed_at"),
        "customer_risk_profiles",
        ["customer_id", "computed_at"],
    )


def downgrade() -> None:
    for table in (
        "customer_risk_profiles",
        "alerts",
        "alert_rules",
        "api_keys",
        "users",
        "audit_events",
        "case_number_counters",
        "cases",
        "events",
        "messages",
        "customers",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_events_append_only()")


def _create_append_only_triggers() -> None:
    """Reject UPDATE and DELETE (and TRUNCATE on PostgreSQL) of audit rows in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{operation.lower()} BEFORE {operation} ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: {operation} is not allowed'); END"
        )
