"""The reaper: ends what a dead worker left behind. Every process runs one (the
API and each worker); every step is a conditional update, so they never
conflict.

- An execution whose lease was not renewed for ``lease_seconds`` (three
  heartbeats) is failed ``worker_lost``, or re-queued once when its plan says so.
- An execution still running a minute past its ``timeout_seconds`` is failed
  ``timeout``: the deadline's backstop (its worker enforces it first).
- On PostgreSQL, the queue's jobs held by a worker that stopped sending its
  heartbeat are ended as failed (procrastinate's stalled-job query), and a
  queued execution without a job gets one.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Final

from sqlalchemy.engine import Engine

from bugbrain.clock import utcnow
from bugbrain.db import jobs
from bugbrain.db.engine import write_tx
from bugbrain.services import execution_state as state
from bugbrain.settings import Settings

log = logging.getLogger("bugbrain.reaper")

# A procrastinate worker heartbeats every 10 s; one silent for this long is gone.
STALLED_WORKER_SECONDS: Final = 30.0
# How far past its deadline a run may go before the reaper ends it: its worker
# ends it at the deadline, so this is only for a worker that did not.
DEADLINE_GRACE_SECONDS: Final = 60.0
# A queued execution this old without a job gets one (its creator's job is in
# the same transaction, so a younger one is never missing its job).
ORPHAN_AFTER_SECONDS: Final = 10.0


class Reaper:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="bugbrain-reaper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        # Three looks per lease: a lost worker's execution ends within 4/3 of a lease.
        interval = self.settings.lease_seconds / 3
        while not self._stopping.wait(interval):
            try:
                self.sweep()
            except Exception:
                log.exception("reaping failed; trying again in %.0f s", interval)

    def sweep(self) -> None:
        """One pass."""
        with write_tx(self.engine) as conn:
            stale = utcnow() - timedelta(seconds=self.settings.lease_seconds)
            for execution_id in state.reap(conn, stale_before=stale):
                log.warning("execution %s: its worker stopped responding", execution_id)
            overdue = state.reap_overdue(conn, now=utcnow(), grace_seconds=DEADLINE_GRACE_SECONDS)
            for execution_id in overdue:
                log.warning("execution %s ran past its deadline: ended", execution_id)
            if not jobs.on_postgres(conn):
                return
        with write_tx(self.engine) as conn:
            for job_id in jobs.fail_stalled_jobs(conn, STALLED_WORKER_SECONDS):
                log.warning("job %d: its worker stopped; ended as failed", job_id)
        with write_tx(self.engine) as conn:
            before = utcnow() - timedelta(seconds=ORPHAN_AFTER_SECONDS)
            for execution_id in jobs.defer_orphans(conn, before):
                log.warning("execution %s was queued without a job: queued again", execution_id)
