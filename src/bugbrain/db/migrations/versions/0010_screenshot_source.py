"""screenshot source

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing plans get the new default: passing steps' screenshots are rendered
    # from DOM snapshots when first opened.
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "screenshot_source",
                sa.String(length=20),
                server_default="dom_snapshot",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.drop_column("screenshot_source")
