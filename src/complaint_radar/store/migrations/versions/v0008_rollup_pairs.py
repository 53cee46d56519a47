"""Rollup grains for pairs of dimensions (a `second_value` key column) and a complaint-stage index that
holds every column a scope filters by.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

`message_rollups` and `cause_rollups` are recreated with `second_value` in their key (a new primary key:
SQLite cannot alter one in place) and refilled by `store.rollups.rebuild_rollups` (what `complaint-radar
rollups rebuild` runs): a few minutes for a million stored messages on SQLite (2 shared cores).
`ix_messages_complaint_days` is recreated with the dimension columns. A later revision that changes these
tables must refill them itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (("message_rollups", False), ("cause_rollups", True))
COMPLAINTS = "stage IN ('potential_complaint', 'formal_complaint')"
COMPLAINT_INDEX_BEFORE = ["day", "customer_id", "occurred_at", "stage", "speaker"]
COMPLAINT_INDEX_AFTER = [
    *COMPLAINT_INDEX_BEFORE,
    "channel",
    "risk_level",
    "product",
    "sku",
    "branch",
    "region",
    "team",
    "agent_id",
    "segment",
]


def _key(name: str, length: int) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=False)


def _columns(*, cause: bool, pairs: bool) -> list[sa.Column[Any]]:
    return [
        _key("grain", 32),
        sa.Column("day", sa.Date(), nullable=False),
        _key("value", 128),
        *((_key("second_value", 128),) if pairs else ()),
        *((_key("cause", 32),) if cause else ()),
        _key("channel", 32),
        _key("stage", 32),
        _key("risk_level", 16),
        _key("new_or_returning", 16),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.Column("weighted", sa.BigInteger(), nullable=False),
    ]


def _recreate(*, pairs: bool) -> None:
    for table, cause in TABLES:
        old_index = "grain_value_day" if pairs else "grain_value_second_value_day"
        op.drop_index(op.f(f"ix_{table}_{old_index}"), table)
        op.drop_table(table)
        columns = _columns(cause=cause, pairs=pairs)
        key = [c.name for c in columns if c.name not in ("messages", "weighted")]
        op.create_table(
            table,
            *columns,
            sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{table}")),
            sqlite_with_rowid=False,  # rows in key order: a period of a grain is one contiguous read
        )
        indexed = ["grain", "value", *(("second_value",) if pairs else ()), "day"]
        op.create_index(op.f(f"ix_{table}_{'_'.join(indexed)}"), table, indexed)


def _complaint_index(columns: list[str]) -> None:
    op.drop_index(op.f("ix_messages_complaint_days"), "messages")
    where = sa.text(COMPLAINTS)
    op.create_index(
        op.f("ix_messages_complaint_days"), "messages", columns, sqlite_where=where, postgresql_where=where
    )


def upgrade() -> None:
    from complaint_radar.store.rollups import rebuild_rollups

    _recreate(pairs=True)
    _complaint_index(COMPLAINT_INDEX_AFTER)
    rebuild_rollups(op.get_bind())


def downgrade() -> None:
    _complaint_index(COMPLAINT_INDEX_BEFORE)
    _recreate(pairs=False)  # empty: `complaint-radar rollups rebuild` of the older release refills them
