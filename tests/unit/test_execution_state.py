"""The execution state machine (services/execution_state.py) on a real SQLite
file, migrated as the server migrates it at start.

Every transition is taken with the lease token and with a stale one (which must
change nothing), and every race is played both ways round: a cancel, a finish,
a failure, the reaper and late runner events — whichever commits first wins and
the other changes nothing.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from bugbrain.clock import utcnow
from bugbrain.db.engine import create_engine, read_tx, write_tx
from bugbrain.db.migrate import upgrade
from bugbrain.db.tables import executions, projects, test_cases, test_results, workspaces
from bugbrain.services import execution_state as state
from bugbrain.services.execution_state import Claim
from bugbrain.vocabulary import TERMINAL, ExecutionStatus, FailureReason

WORKSPACE, PROJECT = "ws_state", "proj_state"
LEASE_SECONDS = 60
REASONS = [
    FailureReason.TIMEOUT,
    FailureReason.WORKER_LOST,
    FailureReason.RUNNER_CRASHED,
    FailureReason.BROWSER_LAUNCH_FAILED,
    FailureReason.SERVER_SHUTDOWN,
]
PASSED = {"test_id": "tc_0", "status": "passed", "duration_ms": 12, "steps": [{"step_id": "s1"}]}

T = TypeVar("T")
Snapshot = tuple[dict[str, Any], list[dict[str, Any]]]


# --------------------------------------------------------------------------- database


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated to head; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("state") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    with write_tx(engine) as conn:
        now = utcnow()
        conn.execute(workspaces.insert().values(id=WORKSPACE, name="state", created_at=now))
        conn.execute(
            projects.insert().values(
                id=PROJECT,
                workspace_id=WORKSPACE,
                name="State",
                base_url="http://127.0.0.1:9",
                environments={},
                default_environment=None,
                variables={},
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            test_cases.insert(),
            [
                {
                    "id": f"tc_{i}",
                    "workspace_id": WORKSPACE,
                    "project_id": PROJECT,
                    "name": f"Test {i}",
                    "description": "",
                    "status": "active",
                    "priority": "medium",
                    "tags": [],
                    "steps": [],
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(3)
            ],
        )
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def engine(migrated: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "bugbrain.db"
    shutil.copyfile(migrated, path)
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)  # what every start does: a no-op on a migrated file
    yield engine
    engine.dispose()


_ids = iter(range(1_000_000))


def new_execution(engine: Engine, tests: int = 2, *, age: timedelta = timedelta(0)) -> str:
    """A queued execution with ``tests`` pending results; ``age`` backdates it."""
    execution_id = f"exec_{next(_ids):06d}"
    with write_tx(engine) as conn:
        conn.execute(
            executions.insert().values(
                id=execution_id,
                workspace_id=WORKSPACE,
                project_id=PROJECT,
                test_plan_id="tp_state",
                status=ExecutionStatus.QUEUED,
                timeout_seconds=300,
                spec={"tests": [{"position": i, "test_id": f"tc_{i}"} for i in range(tests)]},
                total_tests=tests,
                created_at=utcnow() - age,
            )
        )
        conn.execute(
            test_results.insert(),
            [
                {
                    "execution_id": execution_id,
                    "position": i,
                    "test_case_id": f"tc_{i}",
                    "name": f"Test {i}",
                    "status": "pending",
                    "steps": [],
                }
                for i in range(tests)
            ],
        )
    return execution_id


def claim(engine: Engine, worker: str = "worker-a") -> Claim | None:
    with write_tx(engine) as conn:
        return state.claim_next(conn, worker)


def claimed(engine: Engine, status: str = ExecutionStatus.RUNNING, tests: int = 2) -> Claim:
    """A fresh execution claimed by a worker, left ``pending`` or ``running``."""
    new_execution(engine, tests)
    taken = claim(engine)
    assert taken is not None
    if status == ExecutionStatus.RUNNING:
        with write_tx(engine) as conn:
            assert state.mark_running(conn, taken, "Chromium 1.0")
    return taken


def ended(engine: Engine, status: str) -> Claim:
    """A claimed execution that has reached ``status`` (its claim now stale)."""
    taken = claimed(engine, ExecutionStatus.RUNNING)
    with write_tx(engine) as conn:
        if status == ExecutionStatus.COMPLETED:
            assert state.finish(conn, taken)
        elif status == ExecutionStatus.FAILED:
            assert state.fail(conn, taken, FailureReason.RUNNER_CRASHED, "boom")
        else:
            assert state.cancel(conn, taken.execution_id)
    return taken


def stale(taken: Claim) -> Claim:
    """The same execution under a lease token that is not (or no longer) its own."""
    return replace(taken, lease_token="stale-lease-token-xxxx")


def snapshot(engine: Engine, execution_id: str) -> Snapshot:
    with read_tx(engine) as conn:
        row = state.load(conn, execution_id)
        assert row is not None
        results = conn.execute(
            sa.select(test_results)
            .where(test_results.c.execution_id == execution_id)
            .order_by(test_results.c.position)
        ).mappings()
        return dict(row), [dict(r) for r in results]


def status_of(engine: Engine, execution_id: str) -> str:
    return str(snapshot(engine, execution_id)[0]["status"])


def result_statuses(engine: Engine, execution_id: str) -> list[str]:
    return [r["status"] for r in snapshot(engine, execution_id)[1]]


def set_heartbeat(engine: Engine, execution_id: str, ago: timedelta | None) -> None:
    when = None if ago is None else utcnow() - ago
    with write_tx(engine) as conn:
        conn.execute(
            executions.update().where(executions.c.id == execution_id).values(heartbeat_at=when)
        )


def reap(engine: Engine) -> list[str]:
    with write_tx(engine) as conn:
        return state.reap(conn, stale_before=utcnow() - timedelta(seconds=LEASE_SECONDS))


# --------------------------------------------------------------------------- runner events

# Everything a worker does under its lease, as (name, call). Each returns what
# the module returns (record_test_started returns nothing).
LeasedOp = Callable[[Connection, Claim], Any]

LEASED_OPS: list[tuple[str, LeasedOp]] = [
    ("mark_running", lambda c, k: state.mark_running(c, k, "Chromium 2.0")),
    ("heartbeat", state.heartbeat),
    ("still_ours", state.still_ours),
    ("record_test_started", lambda c, k: state.record_test_started(c, k, 0, utcnow())),
    ("record_test_result", lambda c, k: state.record_test_result(c, k, 0, PASSED)),
    ("finish", state.finish),
    *[
        (f"fail:{reason}", lambda c, k, reason=reason: state.fail(c, k, reason, "late"))
        for reason in REASONS
    ],
]


def run_op(engine: Engine, op: LeasedOp, taken: Claim) -> Any:
    with write_tx(engine) as conn:
        return op(conn, taken)


# --------------------------------------------------------------------------- claim


def test_claim_takes_the_oldest_queued_execution(engine: Engine) -> None:
    newer = new_execution(engine)
    older = new_execution(engine, age=timedelta(seconds=5))
    first = claim(engine, "worker-a")
    assert first is not None
    assert first.execution_id == older
    assert len(first.lease_token) == 20
    assert first.workspace_id == WORKSPACE
    assert first.timeout_seconds == 300
    assert first.deadline == first.claimed_at + timedelta(seconds=300)
    assert first.spec["tests"][0]["test_id"] == "tc_0"
    row, results = snapshot(engine, older)
    assert row["status"] == ExecutionStatus.PENDING
    assert (row["worker_id"], row["lease_token"]) == ("worker-a", first.lease_token)
    assert row["heartbeat_at"] == first.claimed_at
    assert row["started_at"] is None
    assert [r["status"] for r in results] == ["pending", "pending"]

    second = claim(engine, "worker-b")
    assert second is not None
    assert second.execution_id == newer
    assert second.lease_token != first.lease_token
    assert claim(engine, "worker-c") is None  # nothing queued is left


@pytest.mark.parametrize(
    "status", [ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED]
)
def test_claim_skips_ended_executions(engine: Engine, status: str) -> None:
    ended(engine, status)
    assert claim(engine) is None


def test_double_claim_in_sequence_takes_it_once(engine: Engine) -> None:
    execution_id = new_execution(engine)
    taken = claim(engine, "worker-a")
    assert taken is not None
    before = snapshot(engine, execution_id)
    assert claim(engine, "worker-b") is None
    assert snapshot(engine, execution_id) == before


def together(calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls at the same moment, each in its own thread (and so on its
    own connection); their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: dict[int, T] = {}
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = calls[index]()
        except BaseException as exc:  # re-raised by the calling thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if failures:
        raise failures[0]
    assert len(results) == len(calls), "a thread did not finish"
    return [results[i] for i in range(len(calls))]


def test_double_claim_by_concurrent_workers_takes_it_once(engine: Engine) -> None:
    """Eight workers claim at once; one execution is queued, so exactly one of
    them gets it."""
    execution_id = new_execution(engine)
    claims = together([functools.partial(claim, engine, f"worker-{i}") for i in range(8)])
    won = [(i, c) for i, c in enumerate(claims) if c is not None]
    assert len(won) == 1
    index, taken = won[0]
    row = snapshot(engine, execution_id)[0]
    assert (row["worker_id"], row["lease_token"]) == (f"worker-{index}", taken.lease_token)


# --------------------------------------------------------------------------- under the lease


def test_mark_running_moves_pending_to_running(engine: Engine) -> None:
    taken = claimed(engine, ExecutionStatus.PENDING)
    with write_tx(engine) as conn:
        assert state.mark_running(conn, taken, "Chromium 1.0")
    row = snapshot(engine, taken.execution_id)[0]
    assert row["status"] == ExecutionStatus.RUNNING
    assert row["browser_version"] == "Chromium 1.0"
    assert row["started_at"] is not None
    assert row["lease_token"] == taken.lease_token


def test_mark_running_twice_changes_nothing(engine: Engine) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING)
    before = snapshot(engine, taken.execution_id)
    with write_tx(engine) as conn:
        assert not state.mark_running(conn, taken, "Chromium 2.0")
    assert snapshot(engine, taken.execution_id) == before


@pytest.mark.parametrize("status", [ExecutionStatus.PENDING, ExecutionStatus.RUNNING])
def test_heartbeat_renews_the_lease(engine: Engine, status: str) -> None:
    taken = claimed(engine, status)
    set_heartbeat(engine, taken.execution_id, timedelta(minutes=5))
    old = snapshot(engine, taken.execution_id)[0]["heartbeat_at"]
    with write_tx(engine) as conn:
        assert state.heartbeat(conn, taken)
        assert state.still_ours(conn, taken)
    row = snapshot(engine, taken.execution_id)[0]
    assert row["heartbeat_at"] > old
    assert row["status"] == status
    assert reap(engine) == []  # a renewed lease is not reaped


def test_record_test_started_marks_that_test_running(engine: Engine) -> None:
    taken = claimed(engine)
    at = utcnow()
    with write_tx(engine) as conn:
        state.record_test_started(conn, taken, 1, at)
    results = snapshot(engine, taken.execution_id)[1]
    assert [r["status"] for r in results] == ["pending", "running"]
    assert results[1]["started_at"] == at


@pytest.mark.parametrize(
    ("result", "counters"),
    [
        ({"status": "passed"}, (1, 0, 0, 0)),
        ({"status": "failed", "error": "Element not found: #x"}, (0, 1, 0, 0)),
        ({"status": "skipped"}, (0, 0, 1, 0)),
        ({"status": "passed", "flaky": True}, (1, 0, 0, 1)),
    ],
)
def test_record_test_result_stores_it_and_counts_it(
    engine: Engine, result: dict[str, Any], counters: tuple[int, int, int, int]
) -> None:
    taken = claimed(engine)
    with write_tx(engine) as conn:
        state.record_test_started(conn, taken, 0, utcnow())
        stored = {"test_id": "tc_0", "duration_ms": 40, "steps": [{"step_id": "s1"}], **result}
        assert state.record_test_result(conn, taken, 0, stored)
    row, results = snapshot(engine, taken.execution_id)
    assert (
        row["passed_tests"],
        row["failed_tests"],
        row["skipped_tests"],
        row["flaky_tests"],
    ) == counters
    assert results[0]["status"] == result["status"]
    assert results[0]["duration_ms"] == 40
    assert results[0]["steps"] == [{"step_id": "s1"}]
    assert results[0]["error"] == result.get("error")
    assert results[0]["flaky"] is bool(result.get("flaky"))
    assert results[1]["status"] == "pending"


def test_a_test_result_delivered_twice_counts_once(engine: Engine) -> None:
    """A second test_finished for the same test (or for one that does not exist)
    records nothing: the counters keep matching the results."""
    taken = claimed(engine)
    with write_tx(engine) as conn:
        assert state.record_test_result(conn, taken, 0, PASSED)
    before = snapshot(engine, taken.execution_id)
    failed = {**PASSED, "status": "failed", "error": "late"}
    for position, result in ((0, PASSED), (0, failed), (7, PASSED)):
        with write_tx(engine) as conn:
            assert not state.record_test_result(conn, taken, position, result)
        row, results = snapshot(engine, taken.execution_id)
        assert results == before[1]
        assert {k: v for k, v in row.items() if k != "heartbeat_at"} == {
            k: v for k, v in before[0].items() if k != "heartbeat_at"
        }


def test_finish_completes_a_running_execution(engine: Engine) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING)
    with write_tx(engine) as conn:
        assert state.record_test_result(conn, taken, 0, PASSED)
        assert state.finish(conn, taken)
    row, results = snapshot(engine, taken.execution_id)
    assert row["status"] == ExecutionStatus.COMPLETED
    assert row["completed_at"] is not None
    assert row["lease_token"] is None
    assert row["failure_reason"] is None
    assert [r["status"] for r in results] == ["passed", "pending"]  # finish skips nothing
    with read_tx(engine) as conn:
        assert not state.still_ours(conn, taken)


def test_finish_before_the_browser_started_changes_nothing(engine: Engine) -> None:
    taken = claimed(engine, ExecutionStatus.PENDING)
    before = snapshot(engine, taken.execution_id)
    with write_tx(engine) as conn:
        assert not state.finish(conn, taken)
    assert snapshot(engine, taken.execution_id) == before


@pytest.mark.parametrize("status", [ExecutionStatus.PENDING, ExecutionStatus.RUNNING])
@pytest.mark.parametrize("reason", REASONS)
def test_fail_ends_a_claimed_execution_with_its_reason(
    engine: Engine, status: str, reason: str
) -> None:
    taken = claimed(engine, status, tests=3)
    with write_tx(engine) as conn:
        if status == ExecutionStatus.RUNNING:
            assert state.record_test_result(conn, taken, 0, PASSED)
            state.record_test_started(conn, taken, 1, utcnow())
        partial = {1: [{"step_id": "s1", "status": "passed"}]}
        assert state.fail(conn, taken, reason, f"because {reason}", partial)
    row, results = snapshot(engine, taken.execution_id)
    assert row["status"] == ExecutionStatus.FAILED
    assert (row["failure_reason"], row["failure_message"]) == (reason, f"because {reason}")
    assert row["completed_at"] is not None
    assert row["lease_token"] is None
    done = 1 if status == ExecutionStatus.RUNNING else 0
    assert [r["status"] for r in results] == ["passed"] * done + ["skipped"] * (3 - done)
    assert row["passed_tests"] + row["skipped_tests"] == 3
    for r in results[done:]:
        assert r["error"] == f"Not run: execution failed ({reason})"
    # The steps a cut-off test got through are kept.
    assert results[1]["steps"] == [{"step_id": "s1", "status": "passed"}]


@pytest.mark.parametrize(
    "status", [ExecutionStatus.QUEUED, ExecutionStatus.PENDING, ExecutionStatus.RUNNING]
)
def test_cancel_ends_an_active_execution(engine: Engine, status: str) -> None:
    if status == ExecutionStatus.QUEUED:
        execution_id = new_execution(engine)
    else:
        taken = claimed(engine, status)
        execution_id = taken.execution_id
    with write_tx(engine) as conn:
        assert state.cancel(conn, execution_id)
    row, results = snapshot(engine, execution_id)
    assert row["status"] == ExecutionStatus.CANCELLED
    assert row["cancellation_reason"] == "requested"
    assert row["cancelled_at"] is not None
    assert row["completed_at"] == row["cancelled_at"]
    assert row["lease_token"] is None
    assert row["skipped_tests"] == 2
    assert [(r["status"], r["error"]) for r in results] == [
        ("skipped", "Not run: execution cancelled")
    ] * 2
    assert claim(engine) is None  # a cancelled queued execution is never claimed


@pytest.mark.parametrize(
    "status", [ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED]
)
def test_cancel_of_an_ended_execution_changes_nothing(engine: Engine, status: str) -> None:
    taken = ended(engine, status)
    before = snapshot(engine, taken.execution_id)
    with write_tx(engine) as conn:
        assert not state.cancel(conn, taken.execution_id)
    assert snapshot(engine, taken.execution_id) == before


# --------------------------------------------------------------------------- a stale lease


@pytest.mark.parametrize("status", [ExecutionStatus.PENDING, ExecutionStatus.RUNNING])
@pytest.mark.parametrize(("name", "op"), LEASED_OPS, ids=[name for name, _ in LEASED_OPS])
def test_a_stale_lease_token_changes_nothing(
    engine: Engine, status: str, name: str, op: LeasedOp
) -> None:
    taken = claimed(engine, status)
    before = snapshot(engine, taken.execution_id)
    assert not run_op(engine, op, stale(taken))
    assert snapshot(engine, taken.execution_id) == before


# --------------------------------------------------------------------------- reaper


@pytest.mark.parametrize("status", [ExecutionStatus.PENDING, ExecutionStatus.RUNNING])
@pytest.mark.parametrize("ago", [timedelta(seconds=LEASE_SECONDS + 1), None])
def test_reap_fails_an_execution_whose_lease_lapsed(
    engine: Engine, status: str, ago: timedelta | None
) -> None:
    taken = claimed(engine, status)
    set_heartbeat(engine, taken.execution_id, ago)
    assert reap(engine) == [taken.execution_id]
    row, results = snapshot(engine, taken.execution_id)
    assert row["status"] == ExecutionStatus.FAILED
    assert row["failure_reason"] == FailureReason.WORKER_LOST
    assert row["failure_message"] == "The worker running this execution stopped responding"
    assert row["lease_token"] is None
    assert [r["error"] for r in results] == ["Not run: execution failed (worker_lost)"] * 2
    assert reap(engine) == []  # once


def test_reap_leaves_fresh_leases_queued_and_ended_executions(engine: Engine) -> None:
    fresh = claimed(engine, ExecutionStatus.RUNNING)
    set_heartbeat(engine, fresh.execution_id, timedelta(seconds=LEASE_SECONDS - 5))
    finished = [ended(engine, s).execution_id for s in TERMINAL]
    for execution_id in finished:
        set_heartbeat(engine, execution_id, timedelta(hours=1))
    queued = new_execution(engine, age=timedelta(hours=1))
    untouched = [queued, fresh.execution_id, *finished]
    before = [snapshot(engine, e) for e in untouched]
    assert reap(engine) == []
    assert [snapshot(engine, e) for e in untouched] == before


def test_reap_at_restart_takes_reason_and_message(engine: Engine) -> None:
    """What recover_after_restart does on SQLite: every claimed execution is orphaned."""
    pending, running = (
        claimed(engine, ExecutionStatus.PENDING),
        claimed(engine, ExecutionStatus.RUNNING),
    )
    with write_tx(engine) as conn:
        lost = state.reap(
            conn,
            stale_before=utcnow() + timedelta(seconds=1),
            message="The server stopped while this execution was running",
        )
    assert sorted(lost) == sorted([pending.execution_id, running.execution_id])
    for taken in (pending, running):
        row = snapshot(engine, taken.execution_id)[0]
        assert (row["status"], row["failure_reason"]) == (
            ExecutionStatus.FAILED,
            FailureReason.WORKER_LOST,
        )
        assert row["failure_message"] == "The server stopped while this execution was running"


def test_a_lease_renewed_after_the_reaper_looked_is_not_reaped(engine: Engine) -> None:
    """The reaper reads the stale leases, then fails them one by one. A heartbeat
    that lands in between (on PostgreSQL, another transaction committing) won:
    the execution is no longer stale and the reaper changes nothing."""
    taken = claimed(engine, ExecutionStatus.RUNNING)
    set_heartbeat(engine, taken.execution_id, timedelta(minutes=5))
    renewed = (
        (utcnow() + timedelta(seconds=1))
        .replace(tzinfo=None)
        .isoformat(sep=" ", timespec="microseconds")
    )

    def heartbeat_in_between(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT executions.id") and "heartbeat_at <" in statement:
            cursor.connection.execute(
                "UPDATE executions SET heartbeat_at = ? WHERE id = ?",
                (renewed, taken.execution_id),
            )

    event.listen(engine, "after_cursor_execute", heartbeat_in_between)
    try:
        assert reap(engine) == []
    finally:
        event.remove(engine, "after_cursor_execute", heartbeat_in_between)
    row = snapshot(engine, taken.execution_id)[0]
    assert (row["status"], row["lease_token"]) == (ExecutionStatus.RUNNING, taken.lease_token)


# --------------------------------------------------------------------------- races

# Ways an execution can end, each returning whether it won.
Ending = Callable[[Connection, Claim], bool]

ENDINGS: dict[str, Ending] = {
    "finish": state.finish,
    "fail": lambda c, k: state.fail(c, k, FailureReason.RUNNER_CRASHED, "crashed"),
    "timeout": lambda c, k: state.fail(c, k, FailureReason.TIMEOUT, "timed out"),
    "cancel": lambda c, k: state.cancel(c, k.execution_id),
    "reap": lambda c, k: bool(
        state.reap(c, stale_before=utcnow() + timedelta(seconds=LEASE_SECONDS))
    ),
}
OUTCOME = {
    "finish": (ExecutionStatus.COMPLETED, None),
    "fail": (ExecutionStatus.FAILED, FailureReason.RUNNER_CRASHED),
    "timeout": (ExecutionStatus.FAILED, FailureReason.TIMEOUT),
    "cancel": (ExecutionStatus.CANCELLED, None),
    "reap": (ExecutionStatus.FAILED, FailureReason.WORKER_LOST),
}
RACES = [
    ("cancel", "finish"),
    ("finish", "cancel"),
    ("cancel", "fail"),
    ("fail", "cancel"),
    ("cancel", "timeout"),
    ("timeout", "cancel"),
    ("finish", "reap"),
    ("reap", "finish"),
    ("fail", "reap"),
    ("reap", "fail"),
    ("cancel", "reap"),
    ("reap", "cancel"),
    ("timeout", "finish"),
    ("finish", "timeout"),
]


def outcome(engine: Engine, execution_id: str) -> tuple[str, str | None]:
    row = snapshot(engine, execution_id)[0]
    return row["status"], row["failure_reason"]


@pytest.mark.parametrize(("first", "second"), RACES, ids=[f"{a}-then-{b}" for a, b in RACES])
def test_whichever_ending_commits_first_wins(engine: Engine, first: str, second: str) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING)
    assert run_op(engine, ENDINGS[first], taken)
    after_first = snapshot(engine, taken.execution_id)
    assert run_op(engine, ENDINGS[second], taken) is False
    assert snapshot(engine, taken.execution_id) == after_first
    assert outcome(engine, taken.execution_id) == OUTCOME[first]


@pytest.mark.parametrize("ending", ["cancel", "reap", "fail", "finish"])
@pytest.mark.parametrize(("name", "op"), LEASED_OPS, ids=[name for name, _ in LEASED_OPS])
def test_a_late_runner_event_changes_nothing(
    engine: Engine, ending: str, name: str, op: LeasedOp
) -> None:
    """The worker's own claim, once the execution ended under it."""
    taken = claimed(engine, ExecutionStatus.RUNNING)
    assert run_op(engine, ENDINGS[ending], taken)
    before = snapshot(engine, taken.execution_id)
    assert not run_op(engine, op, taken)
    assert snapshot(engine, taken.execution_id) == before


@pytest.mark.parametrize(
    ("a", "b"),
    [("cancel", "finish"), ("reap", "finish"), ("cancel", "reap"), ("timeout", "cancel")],
)
def test_concurrent_endings_have_one_winner(engine: Engine, a: str, b: str) -> None:
    """The two endings from two threads at once, on their own connections: one
    wins, the other reports that it changed nothing, and the row says who won."""
    for _ in range(5):
        taken = claimed(engine, ExecutionStatus.RUNNING)
        won = together([functools.partial(run_op, engine, ENDINGS[n], taken) for n in (a, b)])
        winners = [name for name, ok in zip((a, b), won, strict=True) if ok]
        assert len(winners) == 1, won
        assert outcome(engine, taken.execution_id) == OUTCOME[winners[0]]
        statuses = result_statuses(engine, taken.execution_id)
        expected = "pending" if winners[0] == "finish" else "skipped"
        assert statuses == [expected] * 2


def test_test_case_exists(engine: Engine) -> None:
    with read_tx(engine) as conn:
        assert state.test_case_exists(conn, "tc_0")
        assert not state.test_case_exists(conn, "tc_deleted")
        assert state.load(conn, "exec_missing") is None


# --------------------------------------------------------------------------- fairness, re-queue


def test_claim_next_skips_a_project_at_its_limit(engine: Engine) -> None:
    first = new_execution(engine, age=timedelta(seconds=9))
    second = new_execution(engine, age=timedelta(seconds=8))
    with write_tx(engine) as conn:
        taken = state.claim_next(conn, "worker-a", project_limit=1)
    assert taken is not None
    assert taken.execution_id == first
    with write_tx(engine) as conn:
        assert state.claim_next(conn, "worker-b", project_limit=1) is None  # the project is full
        assert state.claim_next(conn, "worker-b", project_limit=2) is not None
    assert status_of(engine, second) == ExecutionStatus.PENDING


def test_claim_by_id_takes_only_a_queued_execution_and_only_once(engine: Engine) -> None:
    execution_id = new_execution(engine)
    with write_tx(engine) as conn:
        taken = state.claim(conn, execution_id, "worker-a")
    assert taken is not None
    assert taken.execution_id == execution_id
    with write_tx(engine) as conn:  # the same job delivered again
        assert state.claim(conn, execution_id, "worker-b") is None
        assert state.claim(conn, "exec_nonexistent", "worker-b") is None
    cancelled = new_execution(engine)
    with write_tx(engine) as conn:
        assert state.cancel(conn, cancelled)
        assert state.claim(conn, cancelled, "worker-a") is None


def test_claim_by_id_refuses_while_the_project_is_full(engine: Engine) -> None:
    running = claimed(engine)
    waiting = new_execution(engine)
    with write_tx(engine) as conn, pytest.raises(state.ProjectBusy):
        state.claim(conn, waiting, "worker-b", project_limit=1)
    assert status_of(engine, waiting) == ExecutionStatus.QUEUED
    with write_tx(engine) as conn:
        assert state.finish(conn, running)
        taken = state.claim(conn, waiting, "worker-b", project_limit=1)
    assert taken is not None


def _may_requeue(engine: Engine, execution_id: str, times: int = 1) -> None:
    with write_tx(engine) as conn:
        conn.execute(
            executions.update().where(executions.c.id == execution_id).values(requeues_left=times)
        )


def test_reap_requeues_once_when_the_plan_allows_it_and_forgets_the_partial_run(
    engine: Engine,
) -> None:
    taken = claimed(engine)
    _may_requeue(engine, taken.execution_id)
    with write_tx(engine) as conn:
        assert state.record_test_result(conn, taken, 0, PASSED)
    set_heartbeat(engine, taken.execution_id, timedelta(minutes=5))
    assert reap(engine) == [taken.execution_id]
    row, results = snapshot(engine, taken.execution_id)
    assert row["status"] == ExecutionStatus.QUEUED
    assert (row["worker_id"], row["lease_token"], row["started_at"]) == (None, None, None)
    assert (row["passed_tests"], row["failed_tests"], row["requeues_left"]) == (0, 0, 0)
    assert [(r["status"], r["steps"], r["duration_ms"]) for r in results] == [
        ("pending", [], None),
        ("pending", [], None),
    ]
    with write_tx(engine) as conn:  # the lost worker's late events change nothing
        assert not state.record_test_result(conn, taken, 1, PASSED)
        assert not state.finish(conn, taken)
    again = claim(engine, "worker-b")
    assert again is not None
    assert again.execution_id == taken.execution_id
    with write_tx(engine) as conn:
        assert state.mark_running(conn, again, "Chromium 1.0")
    set_heartbeat(engine, again.execution_id, timedelta(minutes=5))
    assert reap(engine) == [taken.execution_id]  # a second loss: no more re-queues
    row = snapshot(engine, taken.execution_id)[0]
    assert (row["status"], row["failure_reason"]) == (
        ExecutionStatus.FAILED,
        FailureReason.WORKER_LOST,
    )


def test_a_stopping_worker_requeues_its_claim_only_if_the_plan_allows_it(engine: Engine) -> None:
    kept = claimed(engine)
    with write_tx(engine) as conn:
        assert not state.requeue(conn, kept)
    assert status_of(engine, kept.execution_id) == ExecutionStatus.RUNNING
    given_back = claimed(engine)
    _may_requeue(engine, given_back.execution_id)
    with write_tx(engine) as conn:
        assert state.requeue(conn, given_back)
        assert not state.requeue(conn, given_back)  # the claim is no longer ours
    assert status_of(engine, given_back.execution_id) == ExecutionStatus.QUEUED


def test_reap_overdue_ends_a_run_past_its_deadline_and_grace_only(engine: Engine) -> None:
    late = claimed(engine)
    on_time = claimed(engine)
    pending = claimed(engine, ExecutionStatus.PENDING)
    now = utcnow()
    with write_tx(engine) as conn:
        conn.execute(
            executions.update()
            .where(executions.c.id == late.execution_id)
            .values(started_at=now - timedelta(seconds=300 + 61))
        )
        conn.execute(
            executions.update()
            .where(executions.c.id == on_time.execution_id)
            .values(started_at=now - timedelta(seconds=300 + 59))
        )
        assert state.reap_overdue(conn, now=now, grace_seconds=60) == [late.execution_id]
    row = snapshot(engine, late.execution_id)[0]
    assert (row["status"], row["failure_reason"]) == (
        ExecutionStatus.FAILED,
        FailureReason.TIMEOUT,
    )
    assert "timeout of 300 s" in row["failure_message"]
    assert status_of(engine, on_time.execution_id) == ExecutionStatus.RUNNING
    assert status_of(engine, pending.execution_id) == ExecutionStatus.PENDING
    with write_tx(engine) as conn:  # its worker's late events change nothing
        assert not state.finish(conn, late)
