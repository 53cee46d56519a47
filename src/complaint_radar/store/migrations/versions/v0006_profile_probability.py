"""Customer risk profiles keep the 7-day complaint probability in a column (ranked by outreach queues).

Revision ID: 0006
Revises: 0001
Create Date: 2026-12-02

Nullable: snapshots stored before this revision have no probability (their `profile` JSON has none
either). Indexed so that a queue can rank customers by it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customer_risk_profiles", sa.Column("complaint_probability_7d", sa.Double(), nullable=True))
    op.create_index(
        op.f("ix_customer_risk_profiles_complaint_probability_7d"),
        "customer_risk_profiles",
        ["complaint_probability_7d"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_risk_profiles_complaint_probability_7d"), "customer_risk_profiles")
    with op.batch_alter_table("customer_risk_profiles") as batch:
        batch.drop_column("complaint_probability_7d")
