"""Alert delivery: rule cool-down, severity and origin; alert cool-down keys; the delivery outbox and log.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-30

Adds columns with server defaults (existing rows get them), so SQLite needs no table rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column(
        "alert_rules", sa.Column("cooldown_minutes", sa.Double(), server_default="60", nullable=False)
    )
    op.add_column("alert_rules", sa.Column("severity", sa.String(length=16), nullable=True))
    op.add_column(
        "alert_rules", sa.Column("origin", sa.String(length=16), server_default="api", nullable=False)
    )
    op.add_column("alerts", sa.Column("cooldown_key", sa.String(length=256), nullable=True))
    op.add_column("alerts", sa.Column("repeats", sa.Integer(), server_default="0", nullable=False))
    op.create_index(
        op.f("ix_alerts_rule_id_cooldown_key_fired_at"), "alerts", ["rule_id", "cooldown_key", "fired_at"]
    )
    op.create_table(
        "alert_deliveries",
        _id(),
        _id("alert_id"),
        sa.Column("destination", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("next_attempt_at"),
        _time("lease_until", nullable=True),
        _time("created_at"),
        _time("delivered_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("alert_id", "destination", name=op.f("uq_alert_deliveries_alert_id_destination")),
    )
    op.create_index(
        op.f("ix_alert_deliveries_status_next_attempt_at"), "alert_deliveries", ["status", "next_attempt_at"]
    )
    op.create_table(
        "alert_delivery_attempts",
        _id(),
        _id("delivery_id"),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _time("started_at"),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["alert_deliveries.id"],
            name=op.f("fk_alert_delivery_attempts_delivery_id_alert_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_delivery_attempts")),
    )
    op.create_index(
        op.f("ix_alert_delivery_attempts_delivery_id_attempt"),
        "alert_delivery_attempts",
        ["delivery_id", "attempt"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_alert_delivery_attempts_delivery_id_attempt"), table_name="alert_delivery_attempts"
    )
    op.drop_table("alert_delivery_attempts")
    op.drop_index(op.f("ix_alert_deliveries_status_next_attempt_at"), table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_alerts_rule_id_cooldown_key_fired_at"), table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("repeats")
        batch.drop_column("cooldown_key")
    with op.batch_alter_table("alert_rules") as batch:
        batch.drop_column("origin")
        batch.drop_column("severity")
        batch.drop_column("cooldown_minutes")
