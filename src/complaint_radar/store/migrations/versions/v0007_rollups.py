"""Daily rollups of assessed customer messages (`message_rollups`, `cause_rollups`, see `store.rollups`),
filled from the stored messages; and a partial index of the complaint-stage messages by day.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

The tables are created empty: revision 0008 (pair grains) recreates and fills them, with the code of the
release that runs it (`store.rollups.rebuild_rollups`, whose columns are 0008's). A later revision that
changes these tables must refill them itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(name: str, length: int) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=False)


def _rollup_columns(*, cause: bool) -> list[sa.Column[Any]]:
    return [
        _key("grain", 32),
        sa.Column("day", sa.Date(), nullable=False),
        _key("value", 128),
        *((_key("cause", 32),) if cause else ()),
        _key("channel", 32),
        _key("stage", 32),
        _key("risk_level", 16),
        _key("new_or_returning", 16),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.Column("weighted", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    for table, cause in (("message_rollups", False), ("cause_rollups", True)):
        columns = _rollup_columns(cause=cause)
        key = [c.name for c in columns if c.name not in ("messages", "weighted")]
        op.create_table(
            table,
            *columns,
            sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{table}")),
            sqlite_with_rowid=False,  # rows in key order: a period of a grain is one contiguous read
        )
        op.create_index(op.f(f"ix_{table}_grain_value_day"), table, ["grain", "value", "day"])
    complaints = sa.text("stage IN ('potential_complaint', 'formal_complaint')")
    op.create_index(
        op.f("ix_messages_complaint_days"),
        "messages",
        ["day", "customer_id", "occurred_at", "stage", "speaker"],
        sqlite_where=complaints,
        postgresql_where=complaints,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_messages_complaint_days"), "messages")
    for table in ("cause_rollups", "message_rollups"):
        op.drop_index(op.f(f"ix_{table}_grain_value_day"), table)
        op.drop_table(table)
