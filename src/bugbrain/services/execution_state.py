"""The execution state machine, as conditional updates.

    queued ──claim──▶ pending ──browser up──▶ running ──▶ completed
       │                 │                       │
       └──────cancel─────┴───────────────────────┴──▶ cancelled
                         └──── crash/timeout/lost ────▶ failed (failure_reason)

Every transition names the states it may leave, and once claimed also the
lease token, so a duplicate delivery, a reaped worker or a late event can never
overwrite a final state. A transition that happens writes its webhook event
(``webhook_outbox``) in the same transaction: one that did not, writes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain import ids
from bugbrain.clock import utcnow
from bugbrain.db import jobs
from bugbrain.db.tables import executions, test_cases, test_results
from bugbrain.services import webhook_outbox
from bugbrain.vocabulary import (
    ACTIVE,
    CLAIMED,
    UNFINISHED_TESTS,
    ExecutionStatus,
    FailureReason,
    TestStatus,
)


@dataclass(frozen=True)
class Claim:
    execution_id: str
    lease_token: str
    workspace_id: str
    spec: dict[str, Any]
    timeout_seconds: int
    claimed_at: datetime

    @property
    def deadline(self) -> datetime:
        return self.claimed_at + timedelta(seconds=self.timeout_seconds)


def _leased(execution_id: str, lease_token: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        executions.c.id == execution_id,
        executions.c.lease_token == lease_token,
        executions.c.status.in_(CLAIMED),
    )


class ProjectBusy(Exception):
    """The execution's project already runs as many executions as it may."""


def _room_in_project(project_limit: int) -> sa.ColumnElement[bool]:
    """True for a queued execution whose project runs fewer than ``project_limit``
    executions (0: no limit)."""
    if project_limit <= 0:
        return sa.true()
    claimed = executions.alias("claimed")
    running = (
        sa.select(sa.func.count())
        .select_from(claimed)
        .where(claimed.c.project_id == executions.c.project_id, claimed.c.status.in_(CLAIMED))
        .scalar_subquery()
    )
    return running < project_limit


def claim_next(conn: Connection, worker_id: str, project_limit: int = 0) -> Claim | None:
    """Take the oldest queued execution whose project has room (the embedded
    queue). Call inside a write transaction (on SQLite it holds the write lock,
    so the count of a project's running executions cannot change under it)."""
    query = (
        sa.select(executions.c.id)
        .where(executions.c.status == ExecutionStatus.QUEUED, _room_in_project(project_limit))
        .order_by(executions.c.created_at, executions.c.id)
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    execution_id = conn.execute(query).scalar()
    if execution_id is None:
        return None
    return _take(conn, execution_id, worker_id)


def claim(
    conn: Connection, execution_id: str, worker_id: str, project_limit: int = 0
) -> Claim | None:
    """Take ``execution_id`` for ``worker_id`` (a job of the PostgreSQL queue):
    None when it is no longer queued (cancelled, or another delivery of the job
    took it); ProjectBusy when its project has no room. Call inside a write
    transaction."""
    project_id = conn.execute(
        sa.select(executions.c.project_id).where(
            executions.c.id == execution_id, executions.c.status == ExecutionStatus.QUEUED
        )
    ).scalar()
    if project_id is None:
        return None
    if project_limit > 0:
        if jobs.on_postgres(conn):
            jobs.lock_project(conn, project_id)  # one claim at a time per project
        running = conn.execute(
            sa.select(sa.func.count())
            .select_from(executions)
            .where(executions.c.project_id == project_id, executions.c.status.in_(CLAIMED))
        ).scalar_one()
        if running >= project_limit:
            raise ProjectBusy(project_id)
    return _take(conn, execution_id, worker_id)


def _take(conn: Connection, execution_id: str, worker_id: str) -> Claim | None:
    now = utcnow()
    token = ids.base58_token(20)
    result = conn.execute(
        executions.update()
        .where(executions.c.id == execution_id, executions.c.status == ExecutionStatus.QUEUED)
        .values(
            status=ExecutionStatus.PENDING, worker_id=worker_id, lease_token=token, heartbeat_at=now
        )
    )
    if result.rowcount != 1:
        return None
    row = conn.execute(
        sa.select(executions.c.spec, executions.c.timeout_seconds, executions.c.workspace_id).where(
            executions.c.id == execution_id
        )
    ).one()
    return Claim(execution_id, token, row.workspace_id, row.spec, row.timeout_seconds, now)


def mark_running(conn: Connection, claim: Claim, browser_version: str | None) -> bool:
    result = conn.execute(
        executions.update()
        .where(
            _leased(claim.execution_id, claim.lease_token),
            executions.c.status == ExecutionStatus.PENDING,
        )
        .values(
            status=ExecutionStatus.RUNNING, started_at=utcnow(), browser_version=browser_version
        )
    )
    if result.rowcount != 1:
        return False
    webhook_outbox.execution_status(conn, claim.execution_id, ExecutionStatus.RUNNING)
    return True


def heartbeat(conn: Connection, claim: Claim) -> bool:
    """Extend the lease. False means the execution is no longer ours (cancelled, reaped)."""
    result = conn.execute(
        executions.update()
        .where(_leased(claim.execution_id, claim.lease_token))
        .values(heartbeat_at=utcnow())
    )
    return result.rowcount == 1


def still_ours(conn: Connection, claim: Claim) -> bool:
    found = conn.execute(
        sa.select(executions.c.id).where(_leased(claim.execution_id, claim.lease_token))
    ).scalar()
    return found is not None


def record_test_started(
    conn: Connection, claim: Claim, position: int, started_at: datetime
) -> None:
    if not still_ours(conn, claim):
        return
    conn.execute(
        test_results.update()
        .where(
            test_results.c.execution_id == claim.execution_id,
            test_results.c.position == position,
            test_results.c.status == TestStatus.PENDING,
        )
        .values(status=TestStatus.RUNNING, started_at=started_at)
    )


def record_test_result(
    conn: Connection, claim: Claim, position: int, result: dict[str, Any]
) -> bool:
    """Store one finished test and bump the execution's counters atomically.

    False, and nothing recorded, when the lease is no longer ours or that test
    already has its result (a duplicate delivery must not count it twice)."""
    status = result["status"]
    counter = {"passed": "passed_tests", "failed": "failed_tests"}.get(status, "skipped_tests")
    flaky = bool(result.get("flaky"))
    renewed = conn.execute(
        executions.update()
        .where(_leased(claim.execution_id, claim.lease_token))
        .values(heartbeat_at=utcnow())
    )
    if renewed.rowcount != 1:
        return False
    stored = conn.execute(
        test_results.update()
        .where(
            test_results.c.execution_id == claim.execution_id,
            test_results.c.position == position,
            test_results.c.status.in_(UNFINISHED_TESTS),
        )
        .values(
            status=status,
            duration_ms=result.get("duration_ms"),
            error=result.get("error"),
            error_type=result.get("error_type"),
            failed_step_id=result.get("failed_step_id"),
            screenshot=result.get("screenshot"),
            final_url=result.get("final_url"),
            steps=result.get("steps") or [],
            flaky=flaky,
            evidence=result.get("evidence"),
            attempts=result.get("attempts"),
        )
    )
    if stored.rowcount != 1:
        return False
    bumps: dict[str, Any] = {counter: executions.c[counter] + 1}
    if flaky:
        bumps["flaky_tests"] = executions.c.flaky_tests + 1
    conn.execute(executions.update().where(executions.c.id == claim.execution_id).values(bumps))
    if status == TestStatus.FAILED:
        webhook_outbox.failed_test(conn, claim.execution_id, position)
    return True


def skip_unfinished(
    conn: Connection,
    execution_id: str,
    reason: str,
    partial_steps: dict[int, list[dict[str, Any]]] | None = None,
) -> int:
    """Mark every test that never finished as skipped; returns how many."""
    rows = conn.execute(
        sa.select(test_results.c.position, test_results.c.steps).where(
            test_results.c.execution_id == execution_id,
            test_results.c.status.in_(UNFINISHED_TESTS),
        )
    ).all()
    for position, steps in rows:
        known = (partial_steps or {}).get(position) or steps or []
        conn.execute(
            test_results.update()
            .where(test_results.c.execution_id == execution_id, test_results.c.position == position)
            .values(status=TestStatus.SKIPPED, error=reason, steps=known)
        )
    if rows:
        conn.execute(
            executions.update()
            .where(executions.c.id == execution_id)
            .values(skipped_tests=executions.c.skipped_tests + len(rows))
        )
    return len(rows)


def finish(conn: Connection, claim: Claim) -> bool:
    result = conn.execute(
        executions.update()
        .where(
            _leased(claim.execution_id, claim.lease_token),
            executions.c.status == ExecutionStatus.RUNNING,
        )
        .values(status=ExecutionStatus.COMPLETED, completed_at=utcnow(), lease_token=None)
    )
    if result.rowcount != 1:
        return False
    webhook_outbox.execution_status(conn, claim.execution_id, ExecutionStatus.COMPLETED)
    return True


def _end_failed(
    conn: Connection,
    execution_id: str,
    condition: sa.ColumnElement[bool],
    reason: str,
    message: str,
    partial_steps: dict[int, list[dict[str, Any]]] | None = None,
) -> bool:
    result = conn.execute(
        executions.update()
        .where(condition)
        .values(
            status=ExecutionStatus.FAILED,
            failure_reason=reason,
            failure_message=message,
            completed_at=utcnow(),
            lease_token=None,
        )
    )
    if result.rowcount != 1:
        return False
    skip_unfinished(conn, execution_id, f"Not run: execution failed ({reason})", partial_steps)
    webhook_outbox.execution_status(conn, execution_id, ExecutionStatus.FAILED)
    return True


def fail(
    conn: Connection,
    claim: Claim,
    reason: str,
    message: str,
    partial_steps: dict[int, list[dict[str, Any]]] | None = None,
) -> bool:
    condition = _leased(claim.execution_id, claim.lease_token)
    return _end_failed(conn, claim.execution_id, condition, reason, message, partial_steps)


def cancel(conn: Connection, execution_id: str, reason: str = "requested") -> bool:
    now = utcnow()
    result = conn.execute(
        executions.update()
        .where(executions.c.id == execution_id, executions.c.status.in_(ACTIVE))
        .values(
            status=ExecutionStatus.CANCELLED,
            cancellation_reason=reason,
            cancelled_at=now,
            completed_at=now,
            lease_token=None,
        )
    )
    if result.rowcount == 1:
        skip_unfinished(conn, execution_id, "Not run: execution cancelled")
        webhook_outbox.execution_status(conn, execution_id, ExecutionStatus.CANCELLED)
        return True
    return False


def reap(
    conn: Connection,
    *,
    stale_before: datetime,
    reason: str = FailureReason.WORKER_LOST,
    message: str = "The worker running this execution stopped responding",
) -> list[str]:
    """End every claimed execution whose lease was last renewed before
    ``stale_before``: back to the queue when it may be re-queued (its plan's
    ``requeue_on_worker_loss``, once), else failed. Safe in every process at once."""
    lapsed = sa.and_(
        executions.c.status.in_(CLAIMED),
        sa.or_(executions.c.heartbeat_at.is_(None), executions.c.heartbeat_at < stale_before),
    )
    lost = conn.execute(sa.select(executions.c.id).where(lapsed)).scalars().all()
    reaped = []
    for execution_id in lost:
        # Still lapsed: a lease renewed since the select above (by a transaction
        # that committed in between, on PostgreSQL) won.
        condition = sa.and_(executions.c.id == execution_id, lapsed)
        may_requeue = sa.and_(condition, executions.c.requeues_left > 0)
        ended = _requeue(conn, may_requeue, execution_id) or _end_failed(
            conn, execution_id, condition, reason, message
        )
        if ended:
            reaped.append(execution_id)
    return reaped


def reap_overdue(conn: Connection, *, now: datetime, grace_seconds: float) -> list[str]:
    """The deadline's backstop: fail every running execution older than its
    ``timeout_seconds`` and ``grace_seconds`` more (its worker enforces the
    deadline itself; this ends one whose worker is alive but did not)."""
    running = conn.execute(
        sa.select(executions.c.id, executions.c.started_at, executions.c.timeout_seconds).where(
            executions.c.status == ExecutionStatus.RUNNING, executions.c.started_at.is_not(None)
        )
    ).all()
    ended = []
    for execution_id, started_at, timeout in running:
        if started_at + timedelta(seconds=timeout + grace_seconds) > now:
            continue
        condition = sa.and_(
            executions.c.id == execution_id, executions.c.status == ExecutionStatus.RUNNING
        )
        message = f"Execution exceeded its timeout of {timeout} s (ended by the reaper)"
        if _end_failed(conn, execution_id, condition, FailureReason.TIMEOUT, message):
            ended.append(execution_id)
    return ended


def requeue(conn: Connection, claim: Claim) -> bool:
    """Give a claimed execution back to the queue (its worker is stopping), if its
    plan allows it once more; False when it does not (or it is no longer ours)."""
    condition = sa.and_(
        _leased(claim.execution_id, claim.lease_token), executions.c.requeues_left > 0
    )
    return _requeue(conn, condition, claim.execution_id)


def _requeue(conn: Connection, condition: sa.ColumnElement[bool], execution_id: str) -> bool:
    """Put a lost execution back in the queue, as it was before it ran: what the
    lost worker recorded is discarded, so every test's result is recorded once."""
    result = conn.execute(
        executions.update()
        .where(condition)
        .values(
            status=ExecutionStatus.QUEUED,
            requeues_left=executions.c.requeues_left - 1,
            worker_id=None,
            lease_token=None,
            heartbeat_at=None,
            started_at=None,
            browser_version=None,
            passed_tests=0,
            failed_tests=0,
            skipped_tests=0,
            flaky_tests=0,
        )
    )
    if result.rowcount != 1:
        return False
    conn.execute(
        test_results.update()
        .where(test_results.c.execution_id == execution_id)
        .values(
            status=TestStatus.PENDING,
            started_at=None,
            duration_ms=None,
            error=None,
            error_type=None,
            failed_step_id=None,
            screenshot=None,
            final_url=None,
            steps=[],
            flaky=False,
            evidence=None,
            attempts=None,
        )
    )
    if jobs.on_postgres(conn):
        queue = conn.execute(
            sa.select(executions.c.queue).where(executions.c.id == execution_id)
        ).scalar_one()
        jobs.defer_execution(conn, execution_id, queue)
    webhook_outbox.execution_status(conn, execution_id, ExecutionStatus.QUEUED)
    return True


def test_case_exists(conn: Connection, test_case_id: str) -> bool:
    """A test case can be deleted while an execution of it runs; its history goes with it."""
    found = conn.execute(sa.select(test_cases.c.id).where(test_cases.c.id == test_case_id))
    return found.scalar() is not None


def load(conn: Connection, execution_id: str) -> RowMapping | None:
    return (
        conn.execute(sa.select(executions).where(executions.c.id == execution_id))
        .mappings()
        .first()
    )
