"""Table definitions (SQLAlchemy Core). The database is the source of truth for
status, progress, leases and cancel requests; the queue only carries ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from bugbrain.settings import DEFAULT_QUEUE
from bugbrain.vocabulary import HealingMode, PageReady, ScreenshotSource, TraceMode


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, on every backend alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id(name: str = "id") -> sa.Column[Any]:
    return sa.Column(name, sa.String(40), primary_key=True)


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[Any]:
    table = target.split(".")[0]
    name = {"workspaces": "workspace_id", "projects": "project_id"}.get(table, f"{table}_id")
    return sa.Column(
        name, sa.String(40), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable
    )


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


workspaces = sa.Table(
    "workspaces",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    _id(),
    _fk("workspaces.id"),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("environment", sa.String(10), nullable=False),
    # First characters of the key, shown in listings so people can tell keys apart.
    sa.Column("display_prefix", sa.String(40), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=True),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Column("last_used_at", UTCDateTime(), nullable=True),
)

projects = sa.Table(
    "projects",
    metadata,
    _id(),
    _fk("workspaces.id"),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("base_url", sa.String(2000), nullable=True),
    sa.Column("environments", sa.JSON(), nullable=False),
    sa.Column("default_environment", sa.String(100), nullable=True),
    sa.Column("variables", sa.JSON(), nullable=False),
    *_timestamps(),
)

test_cases = sa.Table(
    "test_cases",
    metadata,
    _id(),
    _fk("workspaces.id"),
    _fk("projects.id"),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("priority", sa.String(20), nullable=False),
    sa.Column("tags", sa.JSON(), nullable=False),
    sa.Column("steps", sa.JSON(), nullable=False),
    *_timestamps(),
    sa.Index("ix_test_cases_project_created", "project_id", "created_at"),
)

test_plans = sa.Table(
    "test_plans",
    metadata,
    _id(),
    _fk("workspaces.id"),
    _fk("projects.id"),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("test_case_ids", sa.JSON(), nullable=False),
    sa.Column("parallelism", sa.Integer(), nullable=False),
    sa.Column("stop_on_first_failure", sa.Boolean(), nullable=False),
    sa.Column("screenshot_mode", sa.String(20), nullable=False),
    sa.Column(
        "screenshot_source",
        sa.String(20),
        nullable=False,
        server_default=ScreenshotSource.DOM_SNAPSHOT,
    ),
    sa.Column("element_wait_timeout_ms", sa.Integer(), nullable=False),
    sa.Column("browser", sa.String(20), nullable=False),
    sa.Column("retries", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("trace_mode", sa.String(20), nullable=False, server_default=TraceMode.ON_FAILURE),
    sa.Column("trace_snapshots", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("healing", sa.String(20), nullable=False, server_default=HealingMode.SUGGEST),
    sa.Column("page_ready", sa.String(20), nullable=False, server_default=PageReady.NETWORK_QUIET),
    sa.Column("queue", sa.String(40), nullable=False, server_default=DEFAULT_QUEUE),
    sa.Column("requeue_on_worker_loss", sa.Boolean(), nullable=False, server_default=sa.false()),
    *_timestamps(),
    sa.Index("ix_test_plans_project_created", "project_id", "created_at"),
)

executions = sa.Table(
    "executions",
    metadata,
    _id(),
    _fk("workspaces.id"),
    _fk("projects.id"),
    # Plain column, no FK: an execution outlives edits and deletion of its plan.
    sa.Column("test_plan_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("environment", sa.String(100), nullable=True),
    sa.Column("timeout_seconds", sa.Integer(), nullable=False),
    # Everything the runner needs, frozen at creation: later edits of the plan
    # or its tests do not change a run that is already queued.
    sa.Column("spec", sa.JSON(), nullable=False),
    sa.Column("total_tests", sa.Integer(), nullable=False),
    sa.Column("passed_tests", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("failed_tests", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("skipped_tests", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("flaky_tests", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("failure_reason", sa.String(40), nullable=True),
    sa.Column("failure_message", sa.Text(), nullable=True),
    sa.Column("cancellation_reason", sa.String(40), nullable=True),
    sa.Column("browser_version", sa.String(100), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("completed_at", UTCDateTime(), nullable=True),
    sa.Column("cancelled_at", UTCDateTime(), nullable=True),
    sa.Column("worker_id", sa.String(60), nullable=True),
    sa.Column("lease_token", sa.String(40), nullable=True),
    sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
    # How many more times the execution goes back to the queue when its worker is lost.
    sa.Column("requeues_left", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("queue", sa.String(40), nullable=False, server_default=DEFAULT_QUEUE),
    # Started by a schedule's tick (plain column: the execution outlives the
    # schedule); the unique pair makes a second start of one tick impossible.
    sa.Column("schedule_id", sa.String(40), nullable=True),
    sa.Column("scheduled_for", UTCDateTime(), nullable=True),
    # Started again from another execution (``POST /executions/{id}/rerun``);
    # plain column: the rerun outlives the execution it repeated.
    sa.Column("rerun_of", sa.String(40), nullable=True),
    sa.Index("ix_executions_project_created", "project_id", "created_at"),
    sa.Index("ix_executions_schedule_tick", "schedule_id", "scheduled_for", unique=True),
    sa.Index("ix_executions_status_created", "status", "created_at"),
)

schedules = sa.Table(
    "schedules",
    metadata,
    _id(),
    _fk("workspaces.id"),
    _fk("projects.id"),
    sa.Column(
        "test_plan_id",
        sa.String(40),
        sa.ForeignKey("test_plans.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("cron", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(100), nullable=False),
    sa.Column("environment", sa.String(100), nullable=True),
    sa.Column("variables", sa.JSON(), nullable=False),
    sa.Column("timeout_seconds", sa.Integer(), nullable=True),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    # The tick to fire next (null while disabled); moved on by whoever fires it.
    sa.Column("next_run_at", UTCDateTime(), nullable=True),
    sa.Column("last_run_at", UTCDateTime(), nullable=True),
    sa.Column("last_execution_id", sa.String(40), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    *_timestamps(),
    sa.Index("ix_schedules_project_created", "project_id", "created_at"),
    sa.Index("ix_schedules_next_run", "next_run_at"),
)

test_results = sa.Table(
    "test_results",
    metadata,
    sa.Column(
        "execution_id",
        sa.String(40),
        sa.ForeignKey("executions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.Integer(), primary_key=True),
    sa.Column("test_case_id", sa.String(40), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("duration_ms", sa.Integer(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),  # not vocabulary: a column
    sa.Column("error_type", sa.String(40), nullable=True),
    sa.Column("failed_step_id", sa.String(40), nullable=True),
    sa.Column("screenshot", sa.String(500), nullable=True),
    sa.Column("final_url", sa.String(2000), nullable=True),
    sa.Column("steps", sa.JSON(), nullable=False),
    sa.Column("flaky", sa.Boolean(), nullable=False, server_default=sa.false()),
    # Console errors, page errors, failed requests, trace path.
    sa.Column("evidence", sa.JSON(), nullable=True),
    # Every attempt's result when the plan retried the test.
    sa.Column("attempts", sa.JSON(), nullable=True),
)

# What a step's words resolved to in its last passing run, tried first next time.
# step_key fingerprints the step's text, so editing the step invalidates it.
locator_cache = sa.Table(
    "locator_cache",
    metadata,
    sa.Column(
        "test_case_id",
        sa.String(40),
        sa.ForeignKey("test_cases.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("step_id", sa.String(40), primary_key=True),
    sa.Column("step_key", sa.String(64), nullable=False),
    sa.Column("selector", sa.Text(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# The element each step touched in its latest passing run (healing compares to it).
element_fingerprints = sa.Table(
    "element_fingerprints",
    metadata,
    sa.Column(
        "test_case_id",
        sa.String(40),
        sa.ForeignKey("test_cases.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("step_id", sa.String(40), primary_key=True),
    sa.Column("step_key", sa.String(64), nullable=False),
    sa.Column("fingerprint", sa.JSON(), nullable=False),
    sa.Column("execution_id", sa.String(40), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# Every heal: a missing element replaced by another in some execution.
heals = sa.Table(
    "heals",
    metadata,
    _id(),
    _fk("workspaces.id"),
    sa.Column(
        "execution_id",
        sa.String(40),
        sa.ForeignKey("executions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "test_case_id",
        sa.String(40),
        sa.ForeignKey("test_cases.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("step_id", sa.String(40), nullable=False),
    sa.Column("original_selector", sa.Text(), nullable=False),
    sa.Column("healed_selector", sa.Text(), nullable=False),
    sa.Column("score", sa.Float(), nullable=True),
    # "applied" (the run used it), "accepted" (the step was rewritten to it).
    sa.Column("status", sa.String(20), nullable=False),
    # Reused from an earlier heal rather than found by a new search.
    sa.Column("reused", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("accepted_at", UTCDateTime(), nullable=True),
    sa.Index("ix_heals_test_case_created", "test_case_id", "created_at"),
    sa.Index("ix_heals_execution", "execution_id"),
)

# Webhook endpoints: where events are posted, signed with the endpoint's secret
# (sealed by the vault: it must be opened again to sign).
webhooks = sa.Table(
    "webhooks",
    metadata,
    _id(),
    _fk("workspaces.id"),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("events", sa.JSON(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("secret", sa.Text(), nullable=False),
    *_timestamps(),
    sa.Index("ix_webhooks_workspace_created", "workspace_id", "created_at"),
)

# The outbox: one row per event and endpoint, written in the transaction of the
# change that caused the event. ``next_attempt_at`` is when a sender may take it
# (null once it is done); a sender that takes it moves it a lease ahead, so a
# sender that dies mid-post leaves it due again, never lost.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    _id(),
    sa.Column(
        "webhook_id",
        sa.String(40),
        sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("event_id", sa.String(40), nullable=False),
    # The JSON body exactly as posted (every attempt posts the same bytes).
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("lease_token", sa.String(40), nullable=True),
    sa.Column("redelivery_of", sa.String(40), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("completed_at", UTCDateTime(), nullable=True),
    sa.Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
    sa.Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
)

# Every attempt of a delivery: what the receiver answered, and how fast.
webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column(
        "delivery_id",
        sa.String(40),
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("number", sa.Integer(), primary_key=True),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("status_code", sa.Integer(), nullable=True),
    sa.Column("latency_ms", sa.Integer(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),  # not vocabulary: a column
    sa.Column("succeeded", sa.Boolean(), nullable=False),
    # The process that posted it (host:pid:token).
    sa.Column("sender", sa.String(80), nullable=False),
)
