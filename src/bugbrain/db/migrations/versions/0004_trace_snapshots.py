"""trace snapshots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 14:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trace_snapshots", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.drop_column("trace_snapshots")
