"""schedules: a test plan run on a cron expression; executions know their tick

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bugbrain.db.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.String(length=40), nullable=False),
        sa.Column("test_plan_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("cron", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=100), nullable=False),
        sa.Column("environment", sa.String(length=100), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_execution_id", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_schedules_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_schedules_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["test_plan_id"],
            ["test_plans.id"],
            name="fk_schedules_test_plan_id_test_plans",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_schedules"),
    )
    op.create_index("ix_schedules_project_created", "schedules", ["project_id", "created_at"])
    op.create_index("ix_schedules_next_run", "schedules", ["next_run_at"])
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("scheduled_for", UTCDateTime(), nullable=True))
    op.create_index(
        "ix_executions_schedule_tick",
        "executions",
        ["schedule_id", "scheduled_for"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_executions_schedule_tick", table_name="executions")
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_column("scheduled_for")
        batch_op.drop_column("schedule_id")
    op.drop_index("ix_schedules_next_run", table_name="schedules")
    op.drop_index("ix_schedules_project_created", table_name="schedules")
    op.drop_table("schedules")
