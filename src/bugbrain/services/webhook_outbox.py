"""The webhook outbox: events written in the transaction of the change that
causes them, and taken from there by the senders (``worker/webhook_sender.py``).

An event becomes one ``webhook_deliveries`` row per enabled endpoint of the
workspace subscribed to it, in the caller's transaction: a change that commits
has its deliveries, one that rolls back has none, and a crash loses neither.
The payload is built from what is stored (secret values are already ``••••``
there) and frozen as the exact bytes every attempt posts.

A sender takes a due delivery by moving its ``next_attempt_at`` a lease ahead
with a conditional update (and a fresh lease token), so of several processes
exactly one takes each attempt; a sender that dies mid-post leaves the delivery
due again when the lease runs out (at least once). The outcome is written only
under that lease token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bugbrain import ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db.tables import (
    executions,
    test_results,
    webhook_attempts,
    webhook_deliveries,
    webhooks,
)
from bugbrain.vault import SecretUnreadable, Vault
from bugbrain.vocabulary import DeliveryStatus, ExecutionStatus, WebhookEvent

# What each status an execution reaches tells its endpoints.
STATUS_EVENTS: Final = {
    ExecutionStatus.QUEUED: WebhookEvent.EXECUTION_QUEUED,
    ExecutionStatus.RUNNING: WebhookEvent.EXECUTION_STARTED,
    ExecutionStatus.COMPLETED: WebhookEvent.EXECUTION_COMPLETED,
    ExecutionStatus.FAILED: WebhookEvent.EXECUTION_FAILED,
    ExecutionStatus.CANCELLED: WebhookEvent.EXECUTION_CANCELLED,
}


# ---- writing events ---------------------------------------------------------------


def _subscribed(conn: Connection, execution_id: str, event: WebhookEvent) -> list[str]:
    """The enabled endpoints of the execution's workspace that take ``event``."""
    workspace = (
        sa.select(executions.c.workspace_id)
        .where(executions.c.id == execution_id)
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(webhooks.c.id, webhooks.c.events).where(
            webhooks.c.workspace_id == workspace, webhooks.c.enabled.is_(True)
        )
    ).all()
    return [webhook_id for webhook_id, events in rows if event.value in (events or [])]


def _write(
    conn: Connection, endpoints: list[str], event: WebhookEvent, data: dict[str, Any]
) -> str:
    now = utcnow()
    event_id = ids.new_id("evt")
    payload = {"event": event.value, "id": event_id, "timestamp": isoformat(now), "data": data}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    conn.execute(
        webhook_deliveries.insert(),
        [
            {
                "id": ids.new_id("whd"),
                "webhook_id": webhook_id,
                "event": event.value,
                "event_id": event_id,
                "body": body,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for webhook_id in endpoints
        ],
    )
    return event_id


def _execution_data(conn: Connection, execution_id: str) -> dict[str, Any]:
    row = (
        conn.execute(sa.select(executions).where(executions.c.id == execution_id)).mappings().one()
    )
    began, ended = row["started_at"], row["completed_at"]
    duration = None if began is None or ended is None else (ended - began).total_seconds()
    return {
        "execution_id": row["id"],
        "project_id": row["project_id"],
        "test_plan_id": row["test_plan_id"],
        "status": row["status"],
        "environment": row["environment"],
        "total_tests": row["total_tests"],
        "passed_tests": row["passed_tests"],
        "failed_tests": row["failed_tests"],
        "skipped_tests": row["skipped_tests"],
        "flaky_tests": row["flaky_tests"],
        "duration_seconds": duration,
        "failure_reason": row["failure_reason"],
        "failure_message": row["failure_message"],
        "cancellation_reason": row["cancellation_reason"],
        "schedule_id": row["schedule_id"],
        "rerun_of": row["rerun_of"],
        "created_at": isoformat(row["created_at"]),
        "started_at": isoformat(began),
        "completed_at": isoformat(ended),
    }


def execution_status(conn: Connection, execution_id: str, status: ExecutionStatus) -> None:
    """The execution just reached ``status`` (in this transaction): tell its endpoints."""
    event = STATUS_EVENTS[status]
    endpoints = _subscribed(conn, execution_id, event)
    if endpoints:
        _write(conn, endpoints, event, _execution_data(conn, execution_id))


def _test_data(conn: Connection, execution_id: str, position: int) -> dict[str, Any]:
    test = (
        conn.execute(
            sa.select(test_results).where(
                test_results.c.execution_id == execution_id,
                test_results.c.position == position,
            )
        )
        .mappings()
        .one()
    )
    plan = conn.execute(
        sa.select(executions.c.project_id, executions.c.test_plan_id).where(
            executions.c.id == execution_id
        )
    ).one()
    return {
        "execution_id": execution_id,
        "project_id": plan.project_id,
        "test_plan_id": plan.test_plan_id,
        "test_case_id": test["test_case_id"],
        "test_name": test["name"],
        "position": position,
        "status": test["status"],
        "error": test["error"],
        "error_type": test["error_type"],
        "failed_step_id": test["failed_step_id"],
        "duration_ms": test["duration_ms"],
        "final_url": test["final_url"],
    }


def failed_test(conn: Connection, execution_id: str, position: int) -> None:
    """The test at ``position`` was just recorded failed."""
    endpoints = _subscribed(conn, execution_id, WebhookEvent.TEST_FAILED)
    if endpoints:
        _write(conn, endpoints, WebhookEvent.TEST_FAILED, _test_data(conn, execution_id, position))


def healed_step(conn: Connection, execution_id: str, heal: dict[str, Any]) -> None:
    """A heal was just recorded (``heal``: the row's values)."""
    endpoints = _subscribed(conn, execution_id, WebhookEvent.TEST_HEALED)
    if not endpoints:
        return
    plan = conn.execute(
        sa.select(executions.c.project_id, executions.c.test_plan_id).where(
            executions.c.id == execution_id
        )
    ).one()
    data = {
        "execution_id": execution_id,
        "project_id": plan.project_id,
        "test_plan_id": plan.test_plan_id,
        "test_case_id": heal["test_case_id"],
        "heal_id": heal["id"],
        "step_id": heal["step_id"],
        "original_selector": heal["original_selector"],
        "healed_selector": heal["healed_selector"],
        "score": heal["score"],
        "reused": heal["reused"],
    }
    _write(conn, endpoints, WebhookEvent.TEST_HEALED, data)


# ---- sending ----------------------------------------------------------------------


@dataclass(frozen=True)
class Taken:
    """A delivery a sender holds for one attempt, with what it posts."""

    delivery_id: str
    lease_token: str
    attempt: int  # this attempt's number, from 1
    event: str
    body: bytes
    url: str
    secret: str | None  # None: this server's key cannot open it (nothing is posted)


@dataclass(frozen=True)
class Outcome:
    started_at: datetime
    latency_ms: int
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        webhook_deliveries.c.status == DeliveryStatus.PENDING,
        webhook_deliveries.c.next_attempt_at <= now,
    )


def any_due(conn: Connection, now: datetime) -> bool:
    """Whether a delivery is due: a read, so an idle sender never takes the write lock."""
    query = (
        sa.select(webhook_deliveries.c.id)
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(_due(now), webhooks.c.enabled.is_(True))
        .limit(1)
    )
    return conn.execute(query).first() is not None


def take_due(
    conn: Connection, vault: Vault, *, now: datetime, lease_seconds: float, limit: int
) -> list[Taken]:
    """Take up to ``limit`` due deliveries of enabled endpoints for one attempt
    each, in the caller's write transaction. Several processes may call this at
    once: each delivery is taken by one (a conditional move of
    ``next_attempt_at``; on PostgreSQL rows another sender is taking are skipped)."""
    query = (
        sa.select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.next_attempt_at,
            webhook_deliveries.c.attempts,
            webhook_deliveries.c.event,
            webhook_deliveries.c.body,
            webhooks.c.url,
            webhooks.c.secret,
        )
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(_due(now), webhooks.c.enabled.is_(True))
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=webhook_deliveries)
    taken = []
    lease_until = now + timedelta(seconds=lease_seconds)
    for row in conn.execute(query).all():
        token = ids.base58_token(20)
        moved = conn.execute(
            webhook_deliveries.update()
            .where(
                webhook_deliveries.c.id == row.id,
                webhook_deliveries.c.next_attempt_at == row.next_attempt_at,
                _due(now),
            )
            .values(next_attempt_at=lease_until, lease_token=token)
        )
        if moved.rowcount != 1:
            continue
        taken.append(
            Taken(
                delivery_id=row.id,
                lease_token=token,
                attempt=row.attempts + 1,
                event=row.event,
                body=row.body.encode(),
                url=row.url,
                secret=_open(vault, row.secret),
            )
        )
    return taken


def _open(vault: Vault, sealed: str) -> str | None:
    try:
        return vault.open(sealed)
    except SecretUnreadable:
        return None


def retry_delay(attempt: int, delays: tuple[float, ...]) -> float | None:
    """Seconds before the attempt after failed attempt number ``attempt``; None
    when it was the last (``len(delays) + 1`` attempts in all)."""
    if attempt > len(delays):
        return None
    return delays[attempt - 1]


def record(
    conn: Connection,
    taken: Taken,
    outcome: Outcome,
    *,
    delays: tuple[float, ...],
    sender: str,
    now: datetime | None = None,
) -> bool:
    """Log the attempt and move the delivery on: done, retried after its delay,
    or given up. False (nothing written) when the lease was lost meanwhile."""
    now = now or utcnow()
    values: dict[str, Any] = {"attempts": taken.attempt, "lease_token": None}
    if outcome.succeeded:
        values |= {"status": DeliveryStatus.SUCCEEDED, "next_attempt_at": None}
        values["completed_at"] = now
    else:
        delay = retry_delay(taken.attempt, delays)
        if delay is None:
            values |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
            values["completed_at"] = now
        else:
            values["next_attempt_at"] = now + timedelta(seconds=delay)
    moved = conn.execute(
        webhook_deliveries.update()
        .where(
            webhook_deliveries.c.id == taken.delivery_id,
            webhook_deliveries.c.lease_token == taken.lease_token,
        )
        .values(values)
    )
    if moved.rowcount != 1:
        return False
    conn.execute(
        webhook_attempts.insert().values(
            delivery_id=taken.delivery_id,
            number=taken.attempt,
            started_at=outcome.started_at,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
            succeeded=outcome.succeeded,
            sender=sender[:80],
        )
    )
    return True
