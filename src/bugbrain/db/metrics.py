"""What ``/metrics`` reports about executions, read from the database at scrape time.

Counts and durations come from the tables, not from counters kept in memory, so
every API process answers the same, whichever worker host ran an execution and
however often processes restart. Histograms are cumulative over the rows kept:
deleting executions lowers them, which Prometheus reads as a counter reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bugbrain.db.tables import executions, test_results, webhook_attempts, webhook_deliveries
from bugbrain.settings import DEFAULT_QUEUE
from bugbrain.vocabulary import DeliveryStatus, ExecutionStatus

# Seconds; an end-to-end run is rarely under a second and can take an hour.
EXECUTION_BUCKETS: tuple[float, ...] = (1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)
TEST_BUCKETS: tuple[float, ...] = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)


@dataclass(frozen=True)
class Histogram:
    """Cumulative counts per upper bound (``inf`` last), and the sum of the values."""

    buckets: list[tuple[float, int]]
    total: float


@dataclass(frozen=True)
class ExecutionFigures:
    by_status: dict[str, int]
    queued_by_queue: dict[str, int]
    execution_seconds: Histogram
    test_seconds: Histogram


def _execution_seconds(conn: Connection) -> sa.ColumnElement[Any]:
    """completed_at - started_at in seconds: the one expression that differs."""
    done, began = executions.c.completed_at, executions.c.started_at
    if conn.dialect.name == "postgresql":
        return sa.extract("epoch", done - began)
    return (sa.func.julianday(done) - sa.func.julianday(began)) * 86400.0


def _histogram(
    conn: Connection,
    value: sa.ColumnElement[Any],
    where: sa.ColumnElement[bool],
    bounds: Sequence[float],
) -> Histogram:
    """One query: a count per bound, the total count and the sum."""
    columns: list[sa.ColumnElement[Any]] = [
        sa.func.sum(sa.case((value <= bound, 1), else_=0)) for bound in bounds
    ]
    columns += [sa.func.count(), sa.func.sum(value)]
    row = conn.execute(sa.select(*columns).where(where)).one()
    counts = [int(n or 0) for n in row[: len(bounds)]]
    total_count, total = int(row[len(bounds)] or 0), float(row[len(bounds) + 1] or 0.0)
    return Histogram(
        buckets=[*zip(bounds, counts, strict=True), (float("inf"), total_count)], total=total
    )


def execution_figures(conn: Connection) -> ExecutionFigures:
    status, queue = executions.c.status, executions.c.queue
    by_status = dict.fromkeys((s.value for s in ExecutionStatus), 0)
    for name, count in conn.execute(sa.select(status, sa.func.count()).group_by(status)):
        by_status[str(name)] = int(count)
    queued = {DEFAULT_QUEUE: 0}  # a series from the start, so that 0 is "none waiting"
    queued |= {
        str(name): int(count)
        for name, count in conn.execute(
            sa.select(queue, sa.func.count())
            .where(status == ExecutionStatus.QUEUED)
            .group_by(queue)
        )
    }
    finished = sa.and_(executions.c.started_at.is_not(None), executions.c.completed_at.is_not(None))
    test_seconds = test_results.c.duration_ms / 1000.0
    return ExecutionFigures(
        by_status=by_status,
        queued_by_queue=queued,
        execution_seconds=_histogram(conn, _execution_seconds(conn), finished, EXECUTION_BUCKETS),
        test_seconds=_histogram(
            conn, test_seconds, test_results.c.duration_ms.is_not(None), TEST_BUCKETS
        ),
    )


@dataclass(frozen=True)
class WebhookFigures:
    deliveries_by_status: dict[str, int]
    # Attempts kept, by whether the receiver answered 2xx.
    attempts_succeeded: int
    attempts_failed: int


def webhook_figures(conn: Connection) -> WebhookFigures:
    status = webhook_deliveries.c.status
    by_status = dict.fromkeys((s.value for s in DeliveryStatus), 0)
    for name, count in conn.execute(sa.select(status, sa.func.count()).group_by(status)):
        by_status[str(name)] = int(count)
    ok = webhook_attempts.c.succeeded
    attempts = {
        bool(flag): int(count)
        for flag, count in conn.execute(sa.select(ok, sa.func.count()).group_by(ok))
    }
    return WebhookFigures(
        deliveries_by_status=by_status,
        attempts_succeeded=attempts.get(True, 0),
        attempts_failed=attempts.get(False, 0),
    )
