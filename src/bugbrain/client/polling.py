"""``run_and_wait``'s schedule: the seed's async-and-poll pattern (start with
``POST /executions/async``, poll ``/status`` until a terminal status, read the
results) with backoff and one overall deadline. Pure: the clients send, sleep
and call back.

While the execution moves (its status or its count of finished tests changed
since the last poll) polls stay ``poll_interval`` apart; while nothing changes
the gap grows by half each time, up to ``max_poll_interval``. No sleep goes past
the deadline. A poll that fails for a passing reason (no answer, 5xx, 429) is
not the end: polling goes on until the deadline, so a CI job survives a server
restart during a long run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bugbrain.client.errors import (
    BugbrainClientError,
    ExecutionTimeoutError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from bugbrain.client.models import Status
from bugbrain.vocabulary import TERMINAL

DEFAULT_WAIT = 600.0  # the seed's max_wait: 10 minutes
DEFAULT_POLL_INTERVAL = 1.0
DEFAULT_MAX_POLL_INTERVAL = 10.0
GROWTH = 1.5

# Poll failures that may pass: keep polling until the deadline.
PASSING = (TransportError, ServerError, RateLimitedError)


def _mark(status: Status) -> tuple[str, int]:
    progress = getattr(status, "progress", None)
    return str(status.status), progress.current if progress is not None else -1


@dataclass
class Poller:
    deadline: float  # on the clock the caller passes as ``now``
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL
    last: Status | None = None
    _gap: float = field(default=0.0, init=False)
    _mark: tuple[str, int] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.poll_interval <= 0 or self.max_poll_interval < self.poll_interval:
            raise ValueError("need 0 < poll_interval <= max_poll_interval")
        self._gap = self.poll_interval

    @classmethod
    def starting(
        cls, now: float, wait: float, poll_interval: float, max_poll_interval: float
    ) -> Poller:
        if wait <= 0:
            raise ValueError("timeout must be positive")
        return cls(now + wait, poll_interval, max_poll_interval)

    def seen(self, status: Status) -> bool:
        """Record a poll's status; whether the execution has ended."""
        self.last = status
        mark = _mark(status)
        if self._mark is not None and mark == self._mark:
            self._gap = min(self.max_poll_interval, self._gap * GROWTH)
        else:
            self._gap = self.poll_interval
        self._mark = mark
        return status.status in TERMINAL

    def failed(self, error: BugbrainClientError) -> None:
        """A poll failed: raise ``error`` unless it may pass."""
        if not isinstance(error, PASSING):
            raise error
        self._gap = min(self.max_poll_interval, self._gap * GROWTH)

    def next_delay(self, now: float) -> float | None:
        """Seconds until the next poll, or ``None``: the deadline has passed."""
        left = self.deadline - now
        if left <= 0:
            return None
        return min(self._gap, left)

    def remaining(self, now: float) -> float:
        return max(0.0, self.deadline - now)


def timed_out(
    execution_id: str, wait: float, last: Status | None, cancelled: bool
) -> ExecutionTimeoutError:
    seen = f"; last status {last.status}" if last is not None else ""
    what = "cancelled it" if cancelled else "it may still be running"
    return ExecutionTimeoutError(
        f"execution {execution_id} did not end within {wait:g} s{seen} ({what})",
        execution_id,
        last,
        cancelled,
    )
