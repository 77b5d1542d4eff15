"""A remote artifact store gets each finished test's files from the supervisor,
off its thread, and everything is stored before the execution's end is written
(worker/supervisor.py), on a real SQLite file. The local store is left alone."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bugbrain.artifacts.store import LocalArtifactStore
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.services import execution_state as state
from bugbrain.services.execution_state import Claim
from bugbrain.settings import load_settings
from bugbrain.vocabulary import ExecutionStatus, FailureReason, TestStatus
from bugbrain.worker.supervisor import Supervisor
from tests.unit.test_execution_state import claimed, engine, migrated, snapshot
from tests.unit.test_supervisor_events import _lines, _result

__all__ = ["engine", "migrated"]  # fixtures, shared with the state machine's tests


class RecordingStore(LocalArtifactStore):
    """A remote store that writes down what it was asked, and when."""

    remote = True

    def __init__(self, root: Path, engine: Engine) -> None:
        super().__init__(root)
        self.engine = engine
        self.calls: list[tuple[str, Any, str | None]] = []
        self.threads: set[str] = set()

    def _status(self, execution_id: str) -> str | None:
        with read_tx(self.engine) as conn:
            row = state.load(conn, execution_id)
        return None if row is None else str(row["status"])

    def store_files(self, paths: Sequence[str]) -> None:
        self.threads.add(threading.current_thread().name)
        execution_id = paths[0].split("/")[0] if paths else ""
        self.calls.append(("files", list(paths), self._status(execution_id)))

    def store_execution(self, execution_id: str) -> bool:
        self.calls.append(("execution", execution_id, self._status(execution_id)))
        return True

    def delete_execution(self, execution_id: str) -> None:
        self.calls.append(("delete", execution_id, None))


def _with_files(test_id: str) -> dict[str, object]:
    result = _result(test_id)
    step = {
        "step_id": "s1",
        "name": "Open",
        "action": "navigate",
        "selector": None,
        "value": "/",
        "status": "passed",
        "duration_ms": 3,
        "error": None,
        "error_type": None,
        "expected": None,
        "actual": None,
        "screenshot": "t/s1.png",
        "url": None,
    }
    retried = {**result, "steps": [{**step, "screenshot": "t/attempt_1/s1.png"}]}
    return {
        **result,
        "status": "failed",
        "screenshot": "t/s1.png",
        "steps": [step],
        "evidence": {
            "console_errors": [],
            "page_errors": [],
            "failed_requests": [],
            "trace": "t/trace.zip",
            "page_archive": "t/page.mhtml",
        },
        "attempts": [{"attempt": 1, **retried}],
    }


def _supervisor(engine: Engine, taken: Claim, tmp_path: Path) -> tuple[Supervisor, RecordingStore]:
    settings = load_settings({"BUGBRAIN_DATA_DIR": str(tmp_path / "data")})
    store = RecordingStore(settings.artifacts_dir, engine)
    return Supervisor(engine, settings, store, taken), store


def test_files_are_stored_off_thread_and_before_the_end(engine: Engine, tmp_path: Path) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=1)
    test_id = snapshot(engine, taken.execution_id)[1][0]["test_case_id"]
    worker, store = _supervisor(engine, taken, tmp_path)
    worker._feed(
        _lines(
            {"event": "test_finished", "position": 0, "result": _with_files(test_id)},
            {"event": "done"},
        )
    )
    worker._conclude(0, tmp_path)
    ex = taken.execution_id
    files = [
        f"{ex}/t/s1.png",
        f"{ex}/t/trace.zip",
        f"{ex}/t/page.mhtml",
        f"{ex}/t/attempt_1/s1.png",
    ]
    assert store.calls == [
        ("files", files, ExecutionStatus.RUNNING),
        ("execution", ex, ExecutionStatus.RUNNING),
    ]
    assert store.threads
    assert all(t.startswith("bugbrain-upload") for t in store.threads)
    row, results = snapshot(engine, ex)
    assert row["status"] == ExecutionStatus.COMPLETED
    assert [r["status"] for r in results] == [TestStatus.FAILED]
    worker._settle_files()  # again, as the run's own `finally` does: nothing more to do
    assert len(store.calls) == 2


def test_a_failed_run_stores_its_files_before_it_fails(engine: Engine, tmp_path: Path) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=2)
    test_id = snapshot(engine, taken.execution_id)[1][0]["test_case_id"]
    worker, store = _supervisor(engine, taken, tmp_path)
    worker._feed(_lines({"event": "test_finished", "position": 0, "result": _with_files(test_id)}))
    worker._fail(FailureReason.TIMEOUT, "too slow")
    assert [(kind, status) for kind, _, status in store.calls] == [
        ("files", ExecutionStatus.RUNNING),
        ("execution", ExecutionStatus.RUNNING),
    ]
    assert snapshot(engine, taken.execution_id)[0]["status"] == ExecutionStatus.FAILED


def test_a_cancelled_run_still_stores_its_files(engine: Engine, tmp_path: Path) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=1)
    worker, store = _supervisor(engine, taken, tmp_path)
    with write_tx(engine) as conn:
        assert state.cancel(conn, taken.execution_id)
    worker._settle_files()
    assert store.calls == [("execution", taken.execution_id, ExecutionStatus.CANCELLED)]


def test_files_of_an_execution_deleted_meanwhile_are_deleted(
    engine: Engine, tmp_path: Path
) -> None:
    """Its project was deleted while the files were on their way to the store."""
    taken = dataclasses.replace(claimed(engine), execution_id="exec_deleted")
    worker, store = _supervisor(engine, taken, tmp_path)
    worker._settle_files()
    assert store.calls == [
        ("execution", "exec_deleted", None),
        ("delete", "exec_deleted", None),
    ]


class SlowStore(RecordingStore):
    def store_execution(self, execution_id: str) -> bool:
        time.sleep(0.5)
        return super().store_execution(execution_id)


def test_the_lease_is_kept_while_files_upload(engine: Engine, tmp_path: Path) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=1)
    settings = load_settings(
        {"BUGBRAIN_DATA_DIR": str(tmp_path / "data"), "BUGBRAIN_HEARTBEAT_SECONDS": "0.1"}
    )
    worker = Supervisor(engine, settings, SlowStore(settings.artifacts_dir, engine), taken)
    before = snapshot(engine, taken.execution_id)[0]["heartbeat_at"]
    worker._settle_files()
    assert snapshot(engine, taken.execution_id)[0]["heartbeat_at"] > before


def test_the_local_store_is_asked_nothing(engine: Engine, tmp_path: Path) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=1)
    settings = load_settings({"BUGBRAIN_DATA_DIR": str(tmp_path / "data")})
    worker = Supervisor(engine, settings, LocalArtifactStore(settings.artifacts_dir), taken)
    assert worker._uploads is None
