"""Dashboard: settings an administrator changes at run time, and indexes for the newest-first pages.

Revision ID: 0005
Revises: 0002 (chained after the analysis migration this branch merged)
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settings_overrides",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_settings_overrides")),
    )
    op.create_index(op.f("ix_messages_occurred_at"), "messages", ["occurred_at"])
    op.create_index(op.f("ix_messages_risk_level_occurred_at"), "messages", ["risk_level", "occurred_at"])
    op.create_index(op.f("ix_customer_risk_profiles_computed_at"), "customer_risk_profiles", ["computed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_risk_profiles_computed_at"), table_name="customer_risk_profiles")
    op.drop_index(op.f("ix_messages_risk_level_occurred_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_occurred_at"), table_name="messages")
    op.drop_table("settings_overrides")
