"""The scheduler: fires the schedules whose tick has come. Every API and worker
process runs one; a tick's execution is created by whichever fires it first
(``services/schedules.py``), so they never start a tick twice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Final

from sqlalchemy.engine import Engine

from bugbrain.clock import utcnow
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.services import schedules
from bugbrain.settings import Settings
from bugbrain.vault import Vault

log = logging.getLogger("bugbrain.schedules")

# How often due ticks are looked for: a tick starts within this of its time.
INTERVAL_SECONDS: Final = 1.0


class Scheduler:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        vault: Vault,
        started: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.vault = vault
        self.started = started  # told when an execution was created (wakes local workers)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="bugbrain-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        # At once on start: ticks missed while nothing ran fire now (once each schedule).
        while True:
            try:
                self.tick()
            except Exception:
                log.exception("firing schedules failed; trying again in %.0f s", INTERVAL_SECONDS)
            if self._stopping.wait(INTERVAL_SECONDS):
                return

    def tick(self) -> list[str]:
        """One pass: the executions it started."""
        with read_tx(self.engine) as conn:
            due = schedules.due(conn, utcnow())
        started: list[str] = []
        for schedule_id in due:
            with write_tx(self.engine) as conn:
                execution_id = schedules.fire(
                    conn,
                    schedule_id,
                    utcnow(),
                    default_timeout=self.settings.default_timeout_seconds,
                    max_timeout=self.settings.max_timeout_seconds,
                    vault=self.vault,
                )
            if execution_id is not None:
                log.info("schedule %s started execution %s", schedule_id, execution_id)
                started.append(execution_id)
        if started and self.started is not None:
            self.started()
        return started
