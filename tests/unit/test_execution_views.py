"""JSON shapes of an execution (bugbrain.services.execution_views), from plain
dicts standing in for database rows, with a fixed clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from bugbrain.schemas import executions as schemas
from bugbrain.services import execution_views as views

T0 = datetime(2025, 3, 8, 10, 30, 0, tzinfo=UTC)
NOW = T0 + timedelta(seconds=10)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "utcnow", lambda: NOW)


def row(**changes: Any) -> Any:
    """An execution row; the views only index it, so a dict will do."""
    base: dict[str, Any] = {
        "id": "exec_abc123",
        "test_plan_id": "tp_prod_xyz",
        "project_id": "proj_abc123",
        "status": "queued",
        "environment": None,
        "total_tests": 47,
        "passed_tests": 0,
        "failed_tests": 0,
        "skipped_tests": 0,
        "flaky_tests": 0,
        "created_at": T0 - timedelta(seconds=5),
        "started_at": None,
        "completed_at": None,
        "cancelled_at": None,
        "failure_reason": None,
        "failure_message": None,
        "cancellation_reason": None,
    }
    unknown = set(changes) - set(base)
    assert not unknown, unknown
    return {**base, **changes}


def result_row(**changes: Any) -> Any:
    """A test_results row."""
    base: dict[str, Any] = {
        "test_case_id": "test_1",
        "name": "Login Flow",
        "status": "passed",
        "duration_ms": 2500,
        "error": None,
        "error_type": None,
        "failed_step_id": None,
        "screenshot": None,
        "final_url": "http://shop/catalog",
        "steps": [],
        "flaky": False,
        "evidence": None,
        "attempts": None,
    }
    return {**base, **changes}


def url_for(path: str) -> str:
    return f"https://bb.example/api/v1/artifacts/{path}?sig=1"


# --------------------------------------------------------------------------- progress

PROGRESS = [
    # (total, passed, failed, skipped) -> current, percent (floored)
    ((47, 30, 2, 0), 32, 68),
    ((3, 1, 0, 0), 1, 33),
    ((3, 1, 1, 0), 2, 66),
    ((3, 0, 0, 3), 3, 100),
    ((200, 1, 0, 0), 1, 0),
    ((199, 198, 0, 0), 198, 99),
    ((1, 0, 0, 0), 0, 0),
    ((0, 0, 0, 0), 0, 100),
]


@pytest.mark.parametrize(("counts", "current", "percent"), PROGRESS)
def test_progress(counts: tuple[int, int, int, int], current: int, percent: int) -> None:
    total, passed, failed, skipped = counts
    done = views.progress(
        row(total_tests=total, passed_tests=passed, failed_tests=failed, skipped_tests=skipped)
    )
    assert done == {"current": current, "total": total, "percent": percent}
    assert all(isinstance(v, int) for v in done.values())


# --------------------------------------------------------------------------- status_json

ACTIVE_KEYS = {"id", "status", "progress", "created_at", "started_at", "estimated_completion"}
TERMINAL_KEYS = {
    "id",
    "status",
    "passed_tests",
    "failed_tests",
    "skipped_tests",
    "total_tests",
    "duration_seconds",
    "started_at",
    "completed_at",
}


def test_status_running() -> None:
    running = row(status="running", started_at=T0, total_tests=4, passed_tests=1, failed_tests=1)
    body = views.status_json(running, typical_seconds=999)
    assert set(body) == ACTIVE_KEYS
    assert body["id"] == "exec_abc123"
    assert body["status"] == "running"
    assert body["progress"] == {"current": 2, "total": 4, "percent": 50}
    assert body["started_at"] == "2025-03-08T10:30:00.000Z"
    assert body["created_at"] == "2025-03-08T10:29:55.000Z"
    # 2 of 4 done in 10 s: the rest at the same pace takes another 10 s.
    assert body["estimated_completion"] == "2025-03-08T10:30:20.000Z"
    for key in ("passed_tests", "completed_at", "duration_seconds", "failure_reason"):
        assert key not in body


def test_status_running_nothing_done_uses_typical_duration() -> None:
    running = row(status="running", started_at=T0, total_tests=4)
    body = views.status_json(running, typical_seconds=30)
    assert body["progress"] == {"current": 0, "total": 4, "percent": 0}
    assert body["estimated_completion"] == "2025-03-08T10:30:30.000Z"


def test_status_running_past_typical_duration_is_never_in_the_past() -> None:
    running = row(status="running", started_at=T0, total_tests=4)
    body = views.status_json(running, typical_seconds=3)
    # elapsed 10 s > typical 3 s: the estimate is one second past now.
    assert body["estimated_completion"] == "2025-03-08T10:30:11.000Z"


@pytest.mark.parametrize("status", ["queued", "pending"])
def test_status_not_started(status: str) -> None:
    body = views.status_json(row(status=status), typical_seconds=30)
    assert set(body) == ACTIVE_KEYS
    assert body["status"] == status
    assert body["progress"] == {"current": 0, "total": 47, "percent": 0}
    assert body["started_at"] is None
    assert body["estimated_completion"] is None


def test_status_completed() -> None:
    done = row(
        status="completed",
        started_at=T0,
        completed_at=T0 + timedelta(seconds=120, milliseconds=400),
        passed_tests=45,
        failed_tests=2,
    )
    body = views.status_json(done, typical_seconds=0)
    assert set(body) == TERMINAL_KEYS
    assert body == {
        "id": "exec_abc123",
        "status": "completed",
        "passed_tests": 45,
        "failed_tests": 2,
        "skipped_tests": 0,
        "total_tests": 47,
        "duration_seconds": 120,
        "started_at": "2025-03-08T10:30:00.000Z",
        "completed_at": "2025-03-08T10:32:00.400Z",
    }


def test_status_failed() -> None:
    failed = row(
        status="failed",
        started_at=T0,
        completed_at=T0 + timedelta(seconds=300),
        passed_tests=3,
        skipped_tests=44,
        failure_reason="timeout",
        failure_message="Execution exceeded timeout_seconds=300",
    )
    body = views.status_json(failed, typical_seconds=0)
    assert set(body) == TERMINAL_KEYS | {"failure_reason", "failure_message"}
    assert body["failure_reason"] == "timeout"
    assert body["failure_message"] == "Execution exceeded timeout_seconds=300"
    assert body["duration_seconds"] == 300
    assert "progress" not in body
    assert "cancellation_reason" not in body


def test_status_cancelled() -> None:
    cancelled_at = T0 + timedelta(seconds=60)
    cancelled = row(
        status="cancelled",
        started_at=T0,
        completed_at=cancelled_at,
        cancelled_at=cancelled_at,
        cancellation_reason="requested",
        passed_tests=10,
        skipped_tests=37,
    )
    body = views.status_json(cancelled, typical_seconds=0)
    assert set(body) == TERMINAL_KEYS | {"cancellation_reason", "cancelled_at"}
    assert body["cancellation_reason"] == "requested"
    assert body["cancelled_at"] == "2025-03-08T10:31:00.000Z"
    assert body["duration_seconds"] == 60
    assert "failure_reason" not in body


def test_status_cancelled_before_start_has_no_duration() -> None:
    cancelled = row(
        status="cancelled",
        completed_at=NOW,
        cancelled_at=NOW,
        cancellation_reason="requested",
        skipped_tests=47,
    )
    body = views.status_json(cancelled, typical_seconds=0)
    assert body["duration_seconds"] is None
    assert body["started_at"] is None
    assert body["cancelled_at"] == "2025-03-08T10:30:10.000Z"


# --------------------------------------------------------------------------- summary_json

SUMMARY_KEYS = {
    "id",
    "test_plan_id",
    "project_id",
    "status",
    "passed_tests",
    "failed_tests",
    "skipped_tests",
    "flaky_tests",
    "total_tests",
    "duration_seconds",
    "duration_ms",
    "environment",
    "created_at",
    "started_at",
    "completed_at",
}


def test_summary_completed() -> None:
    done = row(
        status="completed",
        environment="staging",
        started_at=T0,
        completed_at=T0 + timedelta(seconds=119, milliseconds=600),
        passed_tests=45,
        failed_tests=2,
    )
    body = views.summary_json(done)
    assert set(body) == SUMMARY_KEYS
    assert body["test_plan_id"] == "tp_prod_xyz"
    assert body["project_id"] == "proj_abc123"
    assert body["environment"] == "staging"
    assert body["duration_seconds"] == 120
    assert body["duration_ms"] == 119_600
    assert body["created_at"] == "2025-03-08T10:29:55.000Z"
    assert body["completed_at"] == "2025-03-08T10:31:59.600Z"


def test_summary_queued_has_no_duration() -> None:
    body = views.summary_json(row())
    assert set(body) == SUMMARY_KEYS
    assert body["duration_seconds"] is None
    assert body["duration_ms"] is None
    assert body["started_at"] is None
    assert body["completed_at"] is None


def test_summary_running_measures_up_to_now() -> None:
    body = views.summary_json(row(status="running", started_at=T0))
    assert body["duration_seconds"] == 10
    assert body["duration_ms"] == 10_000


def test_summary_failed_and_cancelled_say_why() -> None:
    failed = views.summary_json(
        row(status="failed", failure_reason="worker_lost", failure_message="gone")
    )
    assert (failed["failure_reason"], failed["failure_message"]) == ("worker_lost", "gone")
    cancelled = views.summary_json(
        row(status="cancelled", cancellation_reason="requested", cancelled_at=NOW)
    )
    assert cancelled["cancellation_reason"] == "requested"
    assert cancelled["cancelled_at"] == "2025-03-08T10:30:10.000Z"
    assert "failure_reason" not in cancelled


# --------------------------------------------------------------------------- results


def test_results_and_completed_bodies() -> None:
    tests = [
        result_row(),
        result_row(
            test_case_id="test_2",
            name="Add to Cart",
            status="failed",
            duration_ms=3200,
            error="Element not found: .add-to-cart-btn",
            error_type="element_not_found",
            failed_step_id="step_2",
            screenshot="exec_abc123/test_2/step_2.png",
            steps=[
                {"step_id": "step_1", "description": "Open", "status": "passed"},
                {
                    "step_id": "step_2",
                    "name": "Add",
                    "status": "failed",
                    "error": "boom",
                    "screenshot": "exec_abc123/test_2/step_2.png",
                },
            ],
        ),
        result_row(test_case_id="test_3", name="Later", status="skipped", duration_ms=None),
    ]
    done = row(status="completed", started_at=T0, completed_at=NOW, total_tests=3)
    results = views.results_json(done, tests, url_for)
    assert results["summary"] == {
        "total": 3,
        "passed": 1,
        "failed": 1,
        "skipped": 1,
        "flaky": 0,
    }
    assert [t["test_id"] for t in results["test_results"]] == ["test_1", "test_2", "test_3"]
    failed = results["test_results"][1]
    assert failed["error"] == "Element not found: .add-to-cart-btn"
    assert failed["error_type"] == "element_not_found"
    assert failed["failed_step_id"] == "step_2"
    assert failed["screenshot"] == url_for("exec_abc123/test_2/step_2.png")
    assert [s["name"] for s in failed["steps"]] == ["Open", "Add"]
    assert failed["steps"][1]["screenshot"] == url_for("exec_abc123/test_2/step_2.png")
    assert "error" not in results["test_results"][0]
    assert results["test_results"][2]["duration_ms"] == 0

    completed = views.completed_json(done, tests, url_for)
    assert set(completed) == SUMMARY_KEYS | {"results"}
    assert completed["results"]["summary"] == results["summary"]
    assert all("steps" not in t for t in completed["results"]["test_results"])


def test_queued_body() -> None:
    body = views.queued_json(row(), 30, "/api/v1/executions/exec_abc123/status")
    assert body == {
        "id": "exec_abc123",
        "status": "queued",
        "estimated_wait_seconds": 30,
        "polling_url": "/api/v1/executions/exec_abc123/status",
    }


# --------------------------------------------------------------------------- response models


def fits(model: Any, body: dict[str, Any]) -> None:
    """The API answers ``body`` through ``model`` (validated, unset keys left
    out): the JSON must be exactly the view's."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    dumped = adapter.dump_python(adapter.validate_python(body), mode="json", exclude_unset=True)
    assert dumped == json.loads(json.dumps(body))


EVIDENCE = {
    "console_errors": [{"type": "error", "text": "boom", "location": "app.js:1:2"}],
    "page_errors": ["TypeError: x is undefined"],
    "failed_requests": [
        {
            "method": "GET",
            "url": "http://shop/api",
            "resource_type": "fetch",
            "status": 500,
            "failure": None,
        },
    ],
    "trace": "exec_abc123/test_2/trace.zip",
    "page_archive": "exec_abc123/test_2/page.mhtml",
}
HEALED_STEP = {
    "step_id": "step_1",
    "name": "Add",
    "action": "click",
    "selector": ".add",
    "value": None,
    "status": "passed",
    "duration_ms": 120,
    "url": "http://shop/catalog",
    "resolved_selector": ".add-btn",
    "selector_source": "explicit",
    "healed": True,
    "original_selector": ".add",
    "healed_selector": ".add-btn",
    "heal_score": 0.93,
    "heal_candidates": [{"selector": ".add-btn", "score": 0.93}],
    "screenshot": "exec_abc123/test_2/step_1.png",
}
FAILED_STEP = {
    **HEALED_STEP,
    "step_id": "step_2",
    "status": "failed",
    "healed": False,
    "error": "Expected text 'Cart (1)'",
    "error_type": "assertion_failed",
    "expected": "Cart (1)",
    "actual": "Cart (0)",
    "context": {"url": "http://shop/catalog", "headings": ["Catalog"]},
}
FAILED_TEST = result_row(
    test_case_id="test_2",
    status="failed",
    error="Expected text 'Cart (1)'",
    error_type="assertion_failed",
    failed_step_id="step_2",
    screenshot="exec_abc123/test_2/step_2.png",
    steps=[HEALED_STEP, FAILED_STEP],
    evidence=EVIDENCE,
)
FLAKY_TEST = result_row(
    test_case_id="test_3",
    flaky=True,
    steps=[HEALED_STEP],
    attempts=[
        {
            "attempt": 1,
            "status": "failed",
            "duration_ms": 900,
            "error": "boom",
            "steps": [FAILED_STEP],
            "evidence": EVIDENCE,
            "final_url": None,
        },
        {"attempt": 2, "status": "passed", "duration_ms": 800, "steps": [HEALED_STEP]},
    ],
)
TESTS = [result_row(), FAILED_TEST, FLAKY_TEST, result_row(status="pending", duration_ms=None)]
ENDED: dict[str, dict[str, Any]] = {
    "completed": {},
    "failed": {"failure_reason": "timeout", "failure_message": "timeout_seconds passed"},
    "cancelled": {"cancellation_reason": "requested", "cancelled_at": NOW},
}


@pytest.mark.parametrize("status", ["queued", "pending", "running", *ENDED])
def test_bodies_fit_their_models(status: str) -> None:
    started = {} if status in ("queued", "pending") else {"started_at": T0}
    ended = {"completed_at": NOW, **ENDED[status]} if status in ENDED else {}
    execution = row(status=status, total_tests=4, passed_tests=1, **started, **ended)
    fits(schemas.ExecutionSummary, views.summary_json(execution))
    fits(schemas.StatusReport, views.status_json(execution, 30))
    results = views.results_json(execution, TESTS, url_for)
    fits(schemas.ExecutionResults, {**results, "heals": []})
    completed = views.completed_json(execution, TESTS, url_for)
    fits(schemas.ExecutionCreated, completed)
    fits(schemas.ExecutionCreated, {**completed, "polling_url": "/api/v1/executions/x/status"})


def test_queued_body_fits_its_model() -> None:
    fits(schemas.QueuedExecution, views.queued_json(row(), 0, "/api/v1/executions/x/status"))


def test_a_stray_key_is_refused_not_dropped() -> None:
    with pytest.raises(ValidationError):
        schemas.ExecutionSummary.model_validate({**views.summary_json(row()), "extra": 1})
