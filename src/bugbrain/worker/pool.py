"""In-process workers: N threads that claim queued executions from the
database (the durable local queue) and supervise one runner each."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from sqlalchemy.engine import Engine

from bugbrain import ids
from bugbrain.artifacts.base import ArtifactStore
from bugbrain.clock import utcnow
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.services import execution_state as state
from bugbrain.services.execution_state import Claim
from bugbrain.settings import Settings
from bugbrain.vocabulary import FailureReason
from bugbrain.worker.supervisor import Supervisor
from bugbrain.worker.warm import WarmRunner

log = logging.getLogger("bugbrain.worker")

WARM_RETRY_SECONDS = 30.0


def recover_after_restart(engine: Engine, settings: Settings) -> list[str]:
    """End what a dead process left claimed. With the embedded SQLite store this
    process is the only worker host, so every claimed execution is orphaned."""
    if settings.is_sqlite:
        stale_before = utcnow() + timedelta(seconds=1)
        message = "The server stopped while this execution was running"
    else:
        stale_before = utcnow() - timedelta(seconds=settings.lease_seconds)
        message = "The worker running this execution stopped responding"
    with write_tx(engine) as conn:
        lost = state.reap(conn, stale_before=stale_before, message=message)
    for execution_id in lost:
        log.warning("execution %s was running when its worker died: marked failed", execution_id)
    return lost


class WorkerPool:
    def __init__(self, engine: Engine, settings: Settings, store: ArtifactStore) -> None:
        self.engine = engine
        self.settings = settings
        self.store = store
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{ids.base58_token(6)}"
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._cond = threading.Condition()
        self._generation = 0
        self._running: dict[str, Supervisor] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        # Logs of warm runners a killed server left behind (one server per data dir).
        for stale in (self.settings.data_dir / "runners").glob("warm-*.log"):
            with contextlib.suppress(OSError):
                stale.unlink()
        store_left_over(self.engine, self.store, self._stopping)
        for index in range(self.settings.workers):
            thread = threading.Thread(
                target=self._loop, name=f"bugbrain-worker-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def cancel(self, execution_id: str) -> None:
        """Stop a running execution now (its row is already cancelled)."""
        with self._lock:
            supervisor = self._running.get(execution_id)
        if supervisor is not None:
            supervisor.cancelled.set()

    def running(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        with self._lock:
            for supervisor in self._running.values():
                supervisor.shutting_down.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def _warm_runner(self) -> WarmRunner | None:
        if not self.settings.warm_runners or self._stopping.is_set():
            return None
        return WarmRunner.start(self.settings, self.settings.data_dir / "runners")

    def _replace_dead(
        self, warm: WarmRunner | None, retry_at: float
    ) -> tuple[WarmRunner | None, float]:
        """A warm runner that died while idle (say, Chromium was killed) is replaced,
        at most once per WARM_RETRY_SECONDS: one that cannot stay up must not
        turn into a loop of launches. Executions then start their runner cold."""
        if warm is None or warm.proc.poll() is None or time.monotonic() < retry_at:
            return warm, retry_at
        log.warning("warm runner %d exited while idle (%s)", warm.proc.pid, warm.proc.returncode)
        warm.discard()
        return self._warm_runner(), time.monotonic() + WARM_RETRY_SECONDS

    def _loop(self) -> None:
        warm = self._warm_runner()
        retry_at = 0.0
        try:
            while not self._stopping.is_set():
                warm, retry_at = self._replace_dead(warm, retry_at)
                with self._cond:
                    seen = self._generation
                try:
                    with write_tx(self.engine) as conn:
                        limit = self.settings.project_concurrency
                        claim = state.claim_next(conn, self.worker_id, limit)
                except Exception:
                    log.exception("claiming an execution failed; retrying")
                    claim = None
                if claim is None:
                    with self._cond:
                        if self._generation == seen and not self._stopping.is_set():
                            self._cond.wait(timeout=self.settings.poll_seconds * 4)
                    continue
                self._supervise(claim, warm)
                # The next execution's runner starts now, while this worker is idle.
                warm = self._warm_runner()
        finally:
            if warm is not None:
                warm.discard()

    def _supervise(self, claim: Claim, warm: WarmRunner | None) -> None:
        supervisor = Supervisor(self.engine, self.settings, self.store, claim, warm)
        with self._lock:
            self._running[claim.execution_id] = supervisor
        try:
            supervisor.run()
        except Exception:
            log.exception("supervising %s failed", claim.execution_id)
            with write_tx(self.engine) as conn:
                state.fail(conn, claim, FailureReason.RUNNER_CRASHED, "Internal worker error")
        finally:
            with self._lock:
                self._running.pop(claim.execution_id, None)


def store_left_over(
    engine: Engine, store: ArtifactStore, stopping: threading.Event
) -> threading.Thread | None:
    """Store, in the background, the files a killed process had not stored yet
    (a remote store; listed before any run of this process starts): those of a
    deleted execution are deleted instead."""
    left_over = store.left_over()
    if not left_over:
        return None

    def store_them() -> None:
        for execution_id in left_over:
            if stopping.is_set():
                return
            with read_tx(engine) as conn:
                deleted = state.load(conn, execution_id) is None
            if deleted:
                store.delete_execution(execution_id)
            else:
                log.info("storing the files execution %s left behind", execution_id)
                store.store_execution(execution_id)

    thread = threading.Thread(target=store_them, name="bugbrain-left-over-artifacts", daemon=True)
    thread.start()
    return thread
