"""Workers on PostgreSQL, through procrastinate: ``bugbrain worker`` on any number
of hosts, and ``bugbrain serve``'s own workers when the database is PostgreSQL.

Why procrastinate: its queue lives in the same PostgreSQL as the executions
(no broker to run), a job is deferred in the transaction that creates its
execution (``db.jobs``), and it brings what a queue needs and we would
otherwise write: LISTEN/NOTIFY wake-ups, retries, worker heartbeats and
stalled-job detection, abort requests, and graceful shutdown on SIGTERM.

A job only carries an execution id. Running it claims the execution with a
conditional update and a lease token (``execution_state.claim``): a duplicate
delivery, or a job for an execution cancelled meanwhile, claims nothing. A
project already running ``project_concurrency`` executions makes the job
retry in a few seconds (procrastinate's retry), oldest first, so one project
cannot take every worker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import socket
import threading
from typing import Final

import procrastinate
from procrastinate.jobs import Job
from sqlalchemy.engine import Engine, make_url

from bugbrain import ids
from bugbrain.artifacts.base import ArtifactStore, open_store
from bugbrain.db.engine import write_tx
from bugbrain.errors import ConfigError
from bugbrain.services import execution_state as state
from bugbrain.settings import Settings
from bugbrain.vocabulary import RUN_EXECUTION_TASK, FailureReason
from bugbrain.worker.pool import store_left_over
from bugbrain.worker.supervisor import Supervisor
from bugbrain.worker.warm import WarmRunner

log = logging.getLogger("bugbrain.worker")

# A job whose project has no room tries again this much later.
PROJECT_BUSY_RETRY_SECONDS: Final = 2
# procrastinate polls this often besides LISTEN/NOTIFY (a missed notification).
FETCH_POLL_SECONDS: Final = 2.0


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{ids.base58_token(6)}"


class ExecutionHost:
    """Runs the executions that this process's jobs name, one supervisor each, on
    runners started ahead (warm, one per slot) as the embedded pool does."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        store: ArtifactStore,
        stop_message: str,
        slots: int,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.store = store
        self.worker_id = worker_id()
        self.stop_message = stop_message
        self.slots = slots
        self._warm: list[WarmRunner] = []
        self._lock = threading.Lock()
        self._closed = False

    def warm_up(self) -> None:
        """Start a warm runner for each free slot (none when turned off)."""
        while self.settings.warm_runners:
            with self._lock:
                if self._closed or len(self._warm) >= self.slots:
                    return
            runner = WarmRunner.start(self.settings, self.settings.data_dir / "runners")
            if runner is None:
                return
            with self._lock:
                if self._closed:
                    runner.discard()
                    return
                self._warm.append(runner)

    def _take_warm(self) -> WarmRunner | None:
        with self._lock:
            while self._warm:
                runner = self._warm.pop()
                if runner.proc.poll() is None:
                    return runner
                runner.discard()  # died while idle: the run starts cold
        return None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            runners, self._warm = self._warm, []
        for runner in runners:
            runner.discard()

    def run(self, execution_id: str, job: procrastinate.JobContext) -> None:
        """Claim ``execution_id`` and run it to its end. ``job`` is procrastinate's
        context: its ``should_abort`` (a shutdown past its grace, or a cancel)
        stops the run. Raises ProjectBusy (the job is retried)."""
        limit = self.settings.project_concurrency
        with write_tx(self.engine) as conn:
            claim = state.claim(conn, execution_id, self.worker_id, limit)
        if claim is None:
            log.info("execution %s is no longer queued: nothing to run", execution_id)
            return
        log.info("running execution %s", execution_id)
        supervisor = Supervisor(
            self.engine,
            self.settings,
            self.store,
            claim,
            self._take_warm(),
            should_stop=job.should_abort,
            stop_message=self.stop_message,
        )
        try:
            supervisor.run()
        except Exception:
            log.exception("supervising %s failed", execution_id)
            with write_tx(self.engine) as conn:
                state.fail(conn, claim, FailureReason.RUNNER_CRASHED, "Internal worker error")
        finally:
            self.warm_up()  # the next execution's runner, while this slot is idle


class _WhileProjectBusy(procrastinate.BaseRetryStrategy):
    """Retry a job whose project has no room, for as long as it takes; never
    retry anything else (an execution's failures are recorded on it)."""

    def get_retry_decision(
        self, *, exception: BaseException, job: Job
    ) -> procrastinate.RetryDecision | None:
        if isinstance(exception, state.ProjectBusy):
            return procrastinate.RetryDecision(retry_in={"seconds": PROJECT_BUSY_RETRY_SECONDS})
        return None


def _conninfo(database_url: str) -> str:
    """libpq's URL for SQLAlchemy's (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(settings: Settings, host: ExecutionHost, pool_size: int) -> procrastinate.App:
    connector = procrastinate.PsycopgConnector(
        conninfo=_conninfo(settings.resolved_database_url), min_size=1, max_size=pool_size
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=RUN_EXECUTION_TASK, pass_context=True, retry=_WhileProjectBusy())
    def run_execution(context: procrastinate.JobContext, execution_id: str) -> None:
        host.run(execution_id, context)

    del run_execution  # registered on the app by its name
    return app


async def work(
    app: procrastinate.App,
    *,
    name: str,
    concurrency: int,
    queues: list[str],
    grace_seconds: float,
    install_signal_handlers: bool,
) -> None:
    """Take jobs until stopped: a signal (when installed) or this task's cancel.
    Stopping takes no more jobs, waits ``grace_seconds`` for running ones, then
    asks them to abort (their supervisors stop their runners)."""
    loop = asyncio.get_running_loop()
    # Jobs are blocking (a supervisor each) and run on the loop's executor: one
    # thread per job, plus a few for the queue's own sync calls.
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(concurrency + 4))
    async with app.open_async():
        await app.run_worker_async(
            queues=queues,
            name=name,
            concurrency=concurrency,
            shutdown_graceful_timeout=grace_seconds,
            install_signal_handlers=install_signal_handlers,
            fetch_job_polling_interval=FETCH_POLL_SECONDS,
            abort_job_polling_interval=FETCH_POLL_SECONDS,
            delete_jobs="successful",
        )


class EmbeddedWorker:
    """``bugbrain serve``'s workers on PostgreSQL: a procrastinate worker on an
    event loop of its own, in a thread, stopped with the server. Like the
    embedded queue on SQLite, a stopping server ends what it runs at once."""

    def __init__(self, engine: Engine, settings: Settings, store: ArtifactStore) -> None:
        self.host = ExecutionHost(
            engine,
            settings,
            store,
            "The server shut down while this execution ran",
            slots=settings.workers,
        )
        self.settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._main, name="bugbrain-jobs", daemon=True)
        self._started = threading.Event()
        self._stopping = threading.Event()

    def start(self) -> None:
        store_left_over(self.host.engine, self.host.store, self._stopping)
        self.host.warm_up()
        self._thread.start()
        self._started.wait(timeout=30)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        app = build_app(self.settings, self.host, pool_size=self.settings.workers + 4)
        self._task = asyncio.ensure_future(
            work(
                app,
                name=self.host.worker_id,
                concurrency=self.settings.workers,
                queues=self.settings.queue_names,
                grace_seconds=0,
                install_signal_handlers=False,
            )
        )
        self._started.set()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the job queue's worker stopped")

    def stop(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=timeout)
        self.host.close()


def run_worker(settings: Settings, *, concurrency: int, queues: list[str]) -> None:
    """``bugbrain worker``: run executions from ``queues`` until SIGTERM/SIGINT, then
    let running ones finish for ``shutdown_grace_seconds`` and end the rest."""
    from bugbrain.db.engine import create_engine
    from bugbrain.db.migrate import upgrade
    from bugbrain.vault import load_vault
    from bugbrain.worker.reaper import Reaper
    from bugbrain.worker.scheduler import Scheduler
    from bugbrain.worker.webhook_sender import WebhookSender

    if settings.is_sqlite:
        raise ConfigError(
            "bugbrain worker needs PostgreSQL (BUGBRAIN_DATABASE_URL=postgresql://…); "
            "with SQLite, bugbrain serve runs the executions itself"
        )
    if concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    store = open_store(settings)
    stopping = threading.Event()
    store_left_over(engine, store, stopping)  # a killed worker on this host left them
    grace = settings.shutdown_grace_seconds
    host = ExecutionHost(
        engine,
        settings,
        store,
        f"Its worker was stopped and the execution did not end within the {grace:g} s grace",
        slots=concurrency,
    )
    reaper = Reaper(engine, settings)
    reaper.start()
    vault = load_vault(settings.data_dir, settings.secrets_key)
    scheduler = Scheduler(engine, settings, vault)
    scheduler.start()
    sender = WebhookSender(engine, settings, vault)
    sender.start()
    log.info(
        "bugbrain worker %s: %d at a time from %s", host.worker_id, concurrency, ", ".join(queues)
    )
    try:
        host.warm_up()
        app = build_app(settings, host, pool_size=concurrency + 4)
        asyncio.run(
            work(
                app,
                name=host.worker_id,
                concurrency=concurrency,
                queues=queues,
                grace_seconds=grace,
                install_signal_handlers=True,
            )
        )
    finally:
        stopping.set()
        host.close()
        sender.stop()
        scheduler.stop()
        reaper.stop()
        engine.dispose()
