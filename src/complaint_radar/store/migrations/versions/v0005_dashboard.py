"""Dashboard: settings an administrator changes at run time, indexes for the newest-first pages, and a
covering index of the columns the analysis reads (its period scans stay off the wide rows).

Revision ID: 0005
Revises: 0002 (chained after the analysis migration this branch merged)
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Frozen here (a migration must not change when the models do): the columns of ix_messages_analysis.
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

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
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
    op.create_index("ix_messages_analysis", "messages", list(ANALYSIS_COLUMNS))


def downgrade() -> None:
    op.drop_index("ix_messages_analysis", table_name="messages")
    op.drop_index(op.f("ix_customer_risk_profiles_computed_at"), table_name="customer_risk_profiles")
    op.drop_index(op.f("ix_messages_risk_level_occurred_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_occurred_at"), table_name="messages")
    op.drop_table("settings_overrides")
