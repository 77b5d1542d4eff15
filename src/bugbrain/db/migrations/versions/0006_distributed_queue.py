"""distributed queue: procrastinate's schema on PostgreSQL, re-queue on worker loss

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue", sa.String(length=40), server_default="executions", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "requeue_on_worker_loss", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("executions", schema=None) as batch_op:
        # How many more times a lost worker's execution goes back to the queue.
        batch_op.add_column(
            sa.Column("requeues_left", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("queue", sa.String(length=40), server_default="executions", nullable=False)
        )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The job queue's own tables and functions, as this procrastinate version
        # ships them (pinned in pyproject: a newer one brings its migrations here).
        from procrastinate.schema import SchemaManager

        exists = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar()
        if exists is None:
            # Straight to the driver, without parameters: the schema's own "%"
            # must not be read as placeholders.
            cursor = bind.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(SchemaManager.get_schema())
            finally:
                cursor.close()


def downgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_column("queue")
        batch_op.drop_column("requeues_left")
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.drop_column("requeue_on_worker_loss")
        batch_op.drop_column("queue")
