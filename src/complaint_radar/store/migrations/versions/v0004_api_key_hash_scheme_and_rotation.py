"""API keys: the hash scheme of each stored key (keyed HMAC-SHA256) and the key that replaced a rotated one.

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-02

Keys stored before this revision keep working: they get `hash_scheme = 'sha256'` (plain SHA-256, the only
scheme before) and are re-hashed under the server secret the first time they are used.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("hash_scheme", sa.String(length=16), server_default="sha256", nullable=False)
        )
        batch.add_column(
            sa.Column("replaced_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch.create_foreign_key(
            op.f("fk_api_keys_replaced_by_id_api_keys"),
            "api_keys",
            ["replaced_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Keys hashed under the secret stop working after a downgrade: re-issue them."""
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint(op.f("fk_api_keys_replaced_by_id_api_keys"), type_="foreignkey")
        batch.drop_column("replaced_by_id")
        batch.drop_column("hash_scheme")
