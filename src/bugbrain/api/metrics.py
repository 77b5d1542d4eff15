"""``GET /metrics``: Prometheus' text format, built at scrape time.

What is about executions is read from the database (``db/metrics.py``), so any
API process answers for the whole deployment; what is about this process (its
browsers, CPU, memory) is its own. No key is asked for: the figures carry no
identifiers and no values from tests (restrict the path at the proxy if even
counts are private).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import anyio
import psutil
from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bugbrain import __version__
from bugbrain.db.metrics import Histogram, execution_figures, webhook_figures

log = logging.getLogger("bugbrain")

RUNNER_MODULE = "bugbrain.runner.child"


def runner_processes() -> int:
    """Runner children of this process: each has one Chromium, warm or running."""
    count = 0
    for child in psutil.Process().children(recursive=True):
        try:
            if RUNNER_MODULE in child.cmdline():
                count += 1
        except psutil.Error:  # gone since the listing
            continue
    return count


def _le(bound: float) -> str:
    """A bucket's bound as Prometheus writes it: ``+Inf``, ``0.5``, ``10.0``."""
    return "+Inf" if bound == float("inf") else repr(float(bound))


def _histogram(name: str, documentation: str, figures: Histogram) -> HistogramMetricFamily:
    buckets = [(_le(bound), float(count)) for bound, count in figures.buckets]
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=figures.total)


class BugbrainCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily("bugbrain_info", "This server's version.", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        browsers = GaugeMetricFamily(
            "bugbrain_browsers_active",
            "Runner processes of this process, each with one Chromium (warm or running).",
        )
        browsers.add_metric([], runner_processes())
        yield browsers
        up = GaugeMetricFamily("bugbrain_database_up", "1 when the database answered this scrape.")
        try:
            with self.engine.connect() as conn:
                figures = execution_figures(conn)
                hooks = webhook_figures(conn)
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer: %s", exc.__class__.__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        by_status = GaugeMetricFamily(
            "bugbrain_executions", "Executions kept, by status.", labels=["status"]
        )
        for status, count in sorted(figures.by_status.items()):
            by_status.add_metric([status], count)
        yield by_status
        depth = GaugeMetricFamily(
            "bugbrain_queue_depth", "Executions waiting for a worker, by queue.", labels=["queue"]
        )
        for queue, count in sorted(figures.queued_by_queue.items()):
            depth.add_metric([queue], count)
        yield depth
        yield _histogram(
            "bugbrain_execution_duration_seconds",
            "From start to end, of executions that started and ended.",
            figures.execution_seconds,
        )
        yield _histogram(
            "bugbrain_test_duration_seconds",
            "Of each test result that has a duration.",
            figures.test_seconds,
        )
        deliveries = GaugeMetricFamily(
            "bugbrain_webhook_deliveries",
            "Webhook deliveries kept, by status (pending: an attempt is due).",
            labels=["status"],
        )
        for status, count in sorted(hooks.deliveries_by_status.items()):
            deliveries.add_metric([status], count)
        yield deliveries
        yield GaugeMetricFamily(
            "bugbrain_webhook_deliveries_failed",
            "Webhook deliveries given up after every attempt failed.",
            value=hooks.deliveries_by_status.get("failed", 0),
        )
        attempts = GaugeMetricFamily(
            "bugbrain_webhook_attempts",
            "Webhook delivery attempts kept, by outcome (ok: a 2xx answer).",
            labels=["outcome"],
        )
        attempts.add_metric(["ok"], hooks.attempts_succeeded)
        attempts.add_metric(["error"], hooks.attempts_failed)  # not vocabulary: a label
        yield attempts


def install(app: FastAPI, engine: Engine) -> None:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BugbrainCollector(engine))
    # The process' own CPU, memory and file descriptors, and Python's version.
    registry.register(PROCESS_COLLECTOR)
    registry.register(PLATFORM_COLLECTOR)

    @app.get("/metrics", tags=["meta"], include_in_schema=False)
    async def metrics() -> Response:
        body = await anyio.to_thread.run_sync(generate_latest, registry)
        return Response(content=body, media_type=CONTENT_TYPE_LATEST)
