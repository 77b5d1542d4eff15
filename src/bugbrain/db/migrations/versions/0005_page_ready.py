"""page ready

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing plans get the new default: steps in words wait for a quiet network.
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "page_ready", sa.String(length=20), server_default="network_quiet", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.drop_column("page_ready")
