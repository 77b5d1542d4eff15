"""How the worker reads its runner's events (worker/supervisor.py), on a real
SQLite file: a line that is not a valid event must fail the execution, even when
the runner goes on to say it is done, since a result may be lost with it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bugbrain.artifacts.store import LocalArtifactStore
from bugbrain.services.execution_state import Claim
from bugbrain.settings import load_settings
from bugbrain.vocabulary import ExecutionStatus, FailureReason, TestStatus
from bugbrain.worker.supervisor import Supervisor
from bugbrain.worker.warm import WarmRunner
from tests.unit.test_execution_state import claimed, engine, migrated, snapshot

__all__ = ["engine", "migrated"]  # fixtures, shared with the state machine's tests


def _supervisor(engine: Engine, taken: Claim, tmp_path: Path) -> Supervisor:
    settings = load_settings({"BUGBRAIN_DATA_DIR": str(tmp_path / "data")})
    return Supervisor(engine, settings, LocalArtifactStore(settings.artifacts_dir), taken)


def _result(test_id: str) -> dict[str, object]:
    return {
        "test_id": test_id,
        "name": "T",
        "status": "passed",
        "started_at": None,
        "duration_ms": 5,
        "error": None,
        "error_type": None,
        "failed_step_id": None,
        "screenshot": None,
        "final_url": None,
        "steps": [],
    }


def _lines(*events: object) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


def test_valid_events_then_done_complete_the_execution(engine: Engine, tmp_path: Path) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=1)
    test_id = snapshot(engine, taken.execution_id)[1][0]["test_case_id"]
    worker = _supervisor(engine, taken, tmp_path)
    worker._feed(
        _lines(
            {"event": "test_finished", "position": 0, "result": _result(test_id)},
            {"event": "done"},
        )
    )
    worker._conclude(0, tmp_path)
    row, results = snapshot(engine, taken.execution_id)
    assert row["status"] == ExecutionStatus.COMPLETED
    assert [r["status"] for r in results] == [TestStatus.PASSED]


@pytest.mark.parametrize(
    "bad",
    [
        {"event": "test_finished", "position": "first", "result": {}},
        {"event": "test_finished", "position": 0},
        {"event": "step_finished", "position": 0, "step": {"step_id": "s"}},
        {"event": "no_such_event"},
    ],
)
def test_an_unreadable_event_fails_the_execution_even_after_done(
    engine: Engine, tmp_path: Path, bad: dict[str, object]
) -> None:
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=1)
    worker = _supervisor(engine, taken, tmp_path)
    worker._feed(_lines(bad, {"event": "done"}))
    assert worker.outcome.done
    worker._conclude(0, tmp_path)
    row, results = snapshot(engine, taken.execution_id)
    assert row["status"] == ExecutionStatus.FAILED
    assert row["failure_reason"] == FailureReason.RUNNER_CRASHED
    assert "unreadable event" in row["failure_message"]
    assert [r["status"] for r in results] == [TestStatus.SKIPPED]


def test_a_line_that_is_not_json_is_only_logged(engine: Engine, tmp_path: Path) -> None:
    """Stray output (not an object) cannot be a lost result: the run goes on."""
    taken = claimed(engine, ExecutionStatus.RUNNING, tests=1)
    worker = _supervisor(engine, taken, tmp_path)
    worker._feed(b"Debugger listening on ws://...\n" + _lines({"event": "done"}))
    worker._conclude(0, tmp_path)
    assert snapshot(engine, taken.execution_id)[0]["status"] == ExecutionStatus.COMPLETED


@pytest.mark.browser
def test_a_warm_runner_that_dies_on_hand_off_is_replaced_by_a_cold_one(
    engine: Engine, tmp_path: Path
) -> None:
    """Alive when checked, killed before it printed a word: the run starts again
    on a runner started cold (a real one, with Chromium) and completes."""
    taken = claimed(engine, ExecutionStatus.PENDING, tests=1)
    test_id = snapshot(engine, taken.execution_id)[1][0]["test_case_id"]
    spec = {"tests": [{"position": 0, "test_id": test_id, "name": "T", "steps": []}]}
    taken = dataclasses.replace(taken, spec=spec)
    worker = _supervisor(engine, taken, tmp_path)
    dying = subprocess.Popen(
        [sys.executable, "-c", "import os, sys; sys.stdin.readline(); os.kill(os.getpid(), 9)"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    log_path = tmp_path / "warm-dying.log"
    log_path.touch()
    worker.warm = WarmRunner(dying, log_path)
    worker.run()
    row, results = snapshot(engine, taken.execution_id)
    assert dying.returncode == -9
    assert (row["status"], row["failure_reason"]) == (ExecutionStatus.COMPLETED, None)
    assert [r["status"] for r in results] == [TestStatus.PASSED]
