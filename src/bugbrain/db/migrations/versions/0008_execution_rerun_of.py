"""rerun_of: an execution started again from another (``POST /executions/{id}/rerun``)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        # Plain column, no FK: a rerun outlives the execution it repeated.
        batch_op.add_column(sa.Column("rerun_of", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_column("rerun_of")
