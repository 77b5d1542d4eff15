"""The PostgreSQL job queue's SQL (procrastinate's functions), in the caller's
transaction: an execution and the job that runs it are committed together, or
neither is. Only on PostgreSQL; SQLite's embedded queue is the executions table.

A job's queueing lock is its execution's id, so an execution has at most one
job waiting. The job carries only the id: the executions row says what to run
and whether it still should be run (its claim is a conditional update).
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bugbrain.db.tables import executions
from bugbrain.vocabulary import RUN_EXECUTION_TASK, ExecutionStatus

_DEFER = sa.text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    ":queue, :task, 0, NULL, :execution_id, CAST(:args AS jsonb), NULL"
    ")::procrastinate_job_to_defer_v1]))"
)
# A waiting job is deleted; a running one is asked to stop (procrastinate's abort).
_CANCEL = sa.text(
    "SELECT procrastinate_cancel_job_v1(id, status = 'doing', status = 'todo') "
    "FROM procrastinate_jobs WHERE queueing_lock = :execution_id AND status IN ('todo', 'doing')"
)
# Jobs a stopped worker held ("doing" under a worker whose heartbeat lapsed, or
# whose worker row was pruned): procrastinate's own stalled-job query.
_STALLED = sa.text(
    "SELECT job.id FROM procrastinate_jobs job "
    "LEFT JOIN procrastinate_workers w ON w.id = job.worker_id "
    "WHERE job.status = 'doing' AND job.task_name = :task "
    "AND (job.worker_id IS NULL OR w.last_heartbeat < NOW() - make_interval(secs => :seconds)) "
    "FOR UPDATE OF job SKIP LOCKED"
)
_jobs = sa.table("procrastinate_jobs", sa.column("queueing_lock"))
_FAIL = sa.text("SELECT procrastinate_finish_job_v1(:job_id, 'failed', false)")
# Held to the end of the transaction: claims in one project go one at a time.
_LOCK_PROJECT = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:project_id, 0))")


def on_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def defer_execution(conn: Connection, execution_id: str, queue: str) -> int:
    """Queue the job that will run ``execution_id``; its id."""
    args = json.dumps({"execution_id": execution_id})
    params = {"queue": queue, "task": RUN_EXECUTION_TASK, "execution_id": execution_id}
    return int(conn.execute(_DEFER, {**params, "args": args}).scalar_one())


def cancel_execution_jobs(conn: Connection, execution_id: str) -> None:
    """Drop the execution's waiting job, or ask the worker running it to stop."""
    conn.execute(_CANCEL, {"execution_id": execution_id})


def fail_stalled_jobs(conn: Connection, seconds_since_heartbeat: float) -> list[int]:
    """End as failed the jobs of workers that stopped sending heartbeats (their
    executions are ended, or re-queued, by the lease reaper); their ids."""
    params = {"task": RUN_EXECUTION_TASK, "seconds": seconds_since_heartbeat}
    stalled = [int(job_id) for job_id in conn.execute(_STALLED, params).scalars()]
    for job_id in stalled:
        conn.execute(_FAIL, {"job_id": job_id})
    return stalled


def lock_project(conn: Connection, project_id: str) -> None:
    """Serialise claims of one project's executions to the end of the transaction,
    so a per-project limit holds with many workers claiming at once."""
    conn.execute(_LOCK_PROJECT, {"project_id": project_id})


def defer_orphans(conn: Connection, queued_before: datetime) -> list[str]:
    """Give a job to every execution queued before ``queued_before`` that has none
    waiting or running (one made before the queue existed, say, or whose job was
    lost): an execution never waits for a job that will not come. Their ids."""
    has_job = sa.exists(
        sa.select(sa.literal(1))
        .select_from(_jobs)
        .where(
            _jobs.c.queueing_lock == executions.c.id,
            # procrastinate's own enum type: literals, not (varchar) parameters
            sa.text("procrastinate_jobs.status IN ('todo', 'doing')"),
        )
    )
    orphans = conn.execute(
        sa.select(executions.c.id, executions.c.queue)
        .where(
            executions.c.status == ExecutionStatus.QUEUED,
            executions.c.created_at < queued_before,
            ~has_job,
        )
        .with_for_update(skip_locked=True, of=executions)
    ).all()
    for execution_id, queue in orphans:
        defer_execution(conn, execution_id, queue)
    return [execution_id for execution_id, _ in orphans]
