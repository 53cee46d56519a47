"""Aggregate analysis: dimension columns and local day on messages/events, message causes as rows, severity
weight, metrics (denominators), issues and their keys, root-cause records, improvement actions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Rows stored before this revision get their day (in the reporting time zone of the settings at upgrade
time), severity weight and cause rows from the stored Assessment, in batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = ("product", "sku", "branch", "region", "team", "agent_id", "segment")
_BATCH = 5_000


def _id(name: str = "id", *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _dimension_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("day", sa.Date(), nullable=True),
        *(_str(name, 128, nullable=True) for name in DIMENSIONS),
        sa.Column("tenure_days", sa.Integer(), nullable=True),
        _str("new_or_returning", 16, nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("severity_weight", sa.SmallInteger(), nullable=True))
        for column in _dimension_columns():
            batch.add_column(column)
    for columns in (["day"], ["product", "day"], ["branch", "day"], ["region", "day"], ["agent_id", "day"]):
        op.create_index(op.f(f"ix_messages_{'_'.join(columns)}"), "messages", columns)
    with op.batch_alter_table("events") as batch:
        for column in _dimension_columns():
            batch.add_column(column)
    op.create_index(op.f("ix_events_kind_day"), "events", ["kind", "day"])
    op.create_table(
        "message_causes",
        _id("message_id"),
        _str("cause", 32),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_causes_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "cause", name=op.f("pk_message_causes")),
    )
    op.create_index(op.f("ix_message_causes_day_cause"), "message_causes", ["day", "cause"])
    metric_dims = ("channel", *DIMENSIONS)
    op.create_table(
        "metrics",
        _id(),
        sa.Column("day", sa.Date(), nullable=False),
        _str("metric", 64),
        sa.Column("value", sa.Double(), nullable=False),
        _str("channel", 32),
        *(_str(name, 128) for name in DIMENSIONS),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metrics")),
        sa.UniqueConstraint(
            "day", "metric", *metric_dims, name=op.f(f"uq_metrics_day_metric_{'_'.join(metric_dims)}")
        ),
    )
    op.create_index(op.f("ix_metrics_metric_day"), "metrics", ["metric", "day"])
    op.create_table(
        "issues",
        _id(),
        _str("key_hash", 64),
        _json("key"),
        _str("kind", 16),
        _str("cause", 64, nullable=True),
        _str("product", 128, nullable=True),
        _str("branch", 128, nullable=True),
        _str("region", 128, nullable=True),
        _str("status", 16),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Double(), nullable=False),
        sa.Column("p_value", sa.Double(), nullable=True),
        sa.Column("ratio", sa.Double(), nullable=True),
        _json("merged_keys"),
        _json("top_terms"),
        _json("example_ids"),
        sa.Column("first_detected", sa.Date(), nullable=False),
        sa.Column("last_detected", sa.Date(), nullable=False),
        sa.Column("detections", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_issues_key_hash")),
    )
    op.create_index(op.f("ix_issues_status_last_detected"), "issues", ["status", "last_detected"])
    op.create_table(
        "issue_keys",
        _str("key_hash", 64),
        _id("issue_id"),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_issue_keys_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_issue_keys")),
    )
    op.create_index(op.f("ix_issue_keys_issue_id"), "issue_keys", ["issue_id"])
    op.create_table(
        "root_cause_records",
        _id(),
        _id("issue_id"),
        _str("kind", 16),
        _json("record"),
        _str("author", 128),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_root_cause_records_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_root_cause_records")),
    )
    op.create_index(op.f("ix_root_cause_records_issue_id"), "root_cause_records", ["issue_id"])
    op.create_table(
        "improvement_actions",
        _id(),
        _str("title", 256),
        sa.Column("description", sa.Text(), nullable=True),
        _id("issue_id", nullable=True),
        _id("root_cause_id", nullable=True),
        _str("fishbone_category", 16, nullable=True),
        _str("type", 32),
        _str("owner", 128),
        _str("status", 16),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("baseline_start", sa.Date(), nullable=False),
        sa.Column("baseline_end", sa.Date(), nullable=False),
        sa.Column("ramp_up_days", sa.Integer(), nullable=False),
        _str("target_metric", 64),
        sa.Column("target_value", sa.Double(), nullable=True),
        _json("filters"),
        _str("created_by", 128),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_improvement_actions_issue_id_issues"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["root_cause_id"],
            ["root_cause_records.id"],
            name=op.f("fk_improvement_actions_root_cause_id_root_cause_records"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_actions")),
    )
    op.create_index(op.f("ix_improvement_actions_issue_id"), "improvement_actions", ["issue_id"])
    _backfill()


def downgrade() -> None:
    for table in (
        "improvement_actions",
        "root_cause_records",
        "issue_keys",
        "issues",
        "metrics",
        "message_causes",
    ):
        op.drop_table(table)
    op.drop_index(op.f("ix_events_kind_day"), table_name="events")
    for columns in (["day"], ["product", "day"], ["branch", "day"], ["region", "day"], ["agent_id", "day"]):
        op.drop_index(op.f(f"ix_messages_{'_'.join(columns)}"), table_name="messages")
    names = ["day", *DIMENSIONS, "tenure_days", "new_or_returning"]
    with op.batch_alter_table("events") as batch:
        for name in names:
            batch.drop_column(name)
    with op.batch_alter_table("messages") as batch:
        for name in ["severity_weight", *names]:
            batch.drop_column(name)


def _backfill() -> None:
    """Day, severity weight and cause rows for messages stored before this revision; day for events."""
    from complaint_radar.store.analysis_rows import cause_rows, local_day, severity_weight

    bind = op.get_bind()
    messages = sa.table(
        "messages",
        sa.column("id", sa.Integer()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("assessment", sa.JSON()),
        sa.column("risk_level", sa.String()),
        sa.column("day", sa.Date()),
        sa.column("severity_weight", sa.SmallInteger()),
    )
    events = sa.table(
        "events",
        sa.column("id", sa.Integer()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("day", sa.Date()),
    )
    causes = sa.table(
        "message_causes",
        sa.column("message_id", sa.Integer()),
        sa.column("cause", sa.String()),
        sa.column("confidence", sa.Double()),
        sa.column("day", sa.Date()),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(messages.c.id, messages.c.occurred_at, messages.c.assessment, messages.c.risk_level)
            .where(messages.c.id > last)
            .order_by(messages.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        updates = [
            {"pk": pk, "d": local_day(_aware(at)), "w": severity_weight(level)} for pk, at, _, level in rows
        ]
        bind.execute(
            messages.update()
            .where(messages.c.id == sa.bindparam("pk"))
            .values(day=sa.bindparam("d"), severity_weight=sa.bindparam("w")),
            updates,
        )
        new_causes = [
            row
            for (pk, at, assessment, _) in rows
            for row in cause_rows(pk, assessment, local_day(_aware(at)))
        ]
        if new_causes:
            bind.execute(causes.insert(), new_causes)
    last = 0
    while True:
        event_rows = bind.execute(
            sa.select(events.c.id, events.c.occurred_at)
            .where(events.c.id > last)
            .order_by(events.c.id)
            .limit(_BATCH)
        ).all()
        if not event_rows:
            break
        last = event_rows[-1][0]
        bind.execute(
            events.update().where(events.c.id == sa.bindparam("pk")).values(day=sa.bindparam("d")),
            [{"pk": pk, "d": local_day(_aware(at))} for pk, at in event_rows],
        )


def _aware(at: datetime | str) -> datetime:
    from datetime import UTC

    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
