"""An execution's live events (``GET /executions/{id}/events``), derived from its
stored state, so that any API process can serve any client and a reconnecting
client resumes where it was.

Nothing is logged for the stream: each look at the execution (``Snapshot``) is
compared with what the client has seen (``Seen``), and the difference goes out
as events. An event's id *is* what the client has seen once it has that event
(the status, and which tests it saw start and finish), so ``Last-Event-ID``
tells a server that never met the client what to send next. Tests run in
parallel, so the id holds two sets of test positions (as hex bitmasks) rather
than a count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bugbrain.clock import isoformat
from bugbrain.db import prepared
from bugbrain.db.prepared import Reads, Row
from bugbrain.db.tables import test_results
from bugbrain.vocabulary import TERMINAL, ExecutionStatus, TestStatus

_ID = re.compile(r"(?P<status>[a-z]+)\.(?P<started>[0-9a-f]+)\.(?P<finished>[0-9a-f]+)")
_STATUSES = {s.value for s in ExecutionStatus}


@dataclass(frozen=True)
class Seen:
    """What a client has been sent: the last status, and which tests' start and end."""

    status: str | None = None
    started: int = 0  # bit n: the test at position n
    finished: int = 0
    progress: tuple[int, int, int] | None = None  # (passed, failed, skipped); not in the id

    def event_id(self) -> str:
        return f"{self.status or 'none'}.{self.started:x}.{self.finished:x}"

    @classmethod
    def parse(cls, last_event_id: str | None) -> Seen:
        """The ``Last-Event-ID`` a client sent back; anything else starts afresh."""
        match = _ID.fullmatch((last_event_id or "").strip())
        if match is None or len(last_event_id or "") > 10_000:
            return cls()
        status = match["status"]
        if status != "none" and status not in _STATUSES:
            return cls()
        return cls(
            status=None if status == "none" else status,
            started=int(match["started"], 16),
            finished=int(match["finished"], 16),
        )


@dataclass(frozen=True)
class TestRow:
    __test__ = False  # not a pytest test class, whatever its name

    position: int
    test_id: str
    name: str
    status: str
    started_at: datetime | None
    duration_ms: int | None
    error: str | None


@dataclass(frozen=True)
class Snapshot:
    status_body: dict[str, Any]  # what GET …/status answers now
    tests: list[TestRow]

    @property
    def status(self) -> str:
        return str(self.status_body["status"])

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class Event:
    name: str  # status | test_started | test_finished | progress
    data: dict[str, Any]
    id: str


def _bit(position: int) -> int:
    return 1 << position


def _started(test: TestRow) -> dict[str, Any]:
    return {
        "position": test.position,
        "test_id": test.test_id,
        "name": test.name,
        "started_at": None if test.started_at is None else isoformat(test.started_at),
    }


def _finished(test: TestRow) -> dict[str, Any]:
    out = {
        "position": test.position,
        "test_id": test.test_id,
        "name": test.name,
        "status": test.status,
        "duration_ms": test.duration_ms,
    }
    if test.error:
        out["error"] = test.error
    return out


def events(seen: Seen, now: Snapshot) -> tuple[list[Event], Seen]:
    """What to send a client that has seen ``seen``, and what it has seen after.

    Order: a status the execution has left for a non-terminal one; each test that
    started (oldest first) and each that finished, in position order; progress
    when the counts moved; the terminal status last of all.
    """
    out: list[Event] = []
    if now.status == ExecutionStatus.QUEUED and seen.status not in (None, ExecutionStatus.QUEUED):
        # Put back in the queue (its worker was lost): its tests will run again.
        seen = replace(seen, started=0, finished=0)

    def emit(name: str, data: dict[str, Any], after: Seen) -> Seen:
        out.append(Event(name, data, after.event_id()))
        return after

    if now.status != seen.status and not now.terminal:
        seen = emit("status", now.status_body, replace(seen, status=now.status))
    begun = sorted(
        (t for t in now.tests if t.started_at is not None and not seen.started & _bit(t.position)),
        key=lambda t: (t.started_at, t.position),
    )
    for test in begun:
        after = replace(seen, started=seen.started | _bit(test.position))
        seen = emit("test_started", _started(test), after)
    for test in now.tests:
        if test.status in (TestStatus.PENDING, TestStatus.RUNNING):
            continue
        if seen.finished & _bit(test.position):
            continue
        after = replace(seen, finished=seen.finished | _bit(test.position))
        seen = emit("test_finished", _finished(test), after)
    counts = _counts(now.tests)
    if not now.terminal and counts != seen.progress and seen.progress is not None:
        seen = emit("progress", now.status_body, replace(seen, progress=counts))
    seen = replace(seen, progress=counts)
    if now.terminal and now.status != seen.status:
        seen = emit("status", now.status_body, replace(seen, status=now.status))
    return out, seen


def _counts(tests: list[TestRow]) -> tuple[int, int, int]:
    def count(status: str) -> int:
        return sum(1 for t in tests if t.status == status)

    return count(TestStatus.PASSED), count(TestStatus.FAILED), count(TestStatus.SKIPPED)


def format_event(event: Event) -> str:
    """One Server-Sent Event: ``id``, ``event`` and one ``data`` line of JSON."""
    return f"id: {event.id}\nevent: {event.name}\ndata: {json.dumps(event.data)}\n\n"


_TESTS = (
    sa.select(
        test_results.c.position,
        test_results.c.test_case_id,
        test_results.c.name,
        test_results.c.status,
        test_results.c.started_at,
        test_results.c.duration_ms,
        test_results.c.error,
    )
    .where(test_results.c.execution_id == sa.bindparam("execution_id"))
    .order_by(test_results.c.position)
)


def read_tests(execution_id: str) -> Reads[list[TestRow]]:
    """The tests' progress, without their steps (a stream looks twice a second)."""
    rows = yield from prepared.every(_TESTS, {"execution_id": execution_id})
    return [_test_row(row) for row in rows]


def _test_row(row: Row) -> TestRow:
    return TestRow(
        position=int(row["position"]),
        test_id=str(row["test_case_id"]),
        name=str(row["name"]),
        status=str(row["status"]),
        started_at=row["started_at"],
        duration_ms=row["duration_ms"],
        error=row["error"],
    )
