"""JSON shapes of an execution, exactly as in the Executions API page: the
list/summary item, the status body, the results body, the queued body."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bugbrain.clock import isoformat, utcnow
from bugbrain.db.prepared import Row
from bugbrain.elements.selectors import shown_selector
from bugbrain.vocabulary import TERMINAL, ExecutionStatus, ScreenshotSource, TestStatus

# Turns a stored artifact path ("exec_x/0_test_y/step_1.png") into a URL.
UrlFor = Callable[[str], str]


def _duration(row: Row) -> float | None:
    start, end = row["started_at"], row["completed_at"]
    if start is None:
        return None
    elapsed: float = ((end or utcnow()) - start).total_seconds()
    return elapsed


def _outcome_fields(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if row["status"] == ExecutionStatus.FAILED:
        out["failure_reason"] = row["failure_reason"]
        out["failure_message"] = row["failure_message"]
    if row["status"] == ExecutionStatus.CANCELLED:
        out["cancellation_reason"] = row["cancellation_reason"]
        out["cancelled_at"] = isoformat(row["cancelled_at"])
    return out


def summary_json(row: Row) -> dict[str, Any]:
    duration = _duration(row)
    out: dict[str, Any] = {
        "id": row["id"],
        "test_plan_id": row["test_plan_id"],
        "project_id": row["project_id"],
        "status": row["status"],
        "passed_tests": row["passed_tests"],
        "failed_tests": row["failed_tests"],
        "skipped_tests": row["skipped_tests"],
        "flaky_tests": row["flaky_tests"],
        "total_tests": row["total_tests"],
        # Whole seconds as in the API page; duration_ms carries the precision.
        "duration_seconds": None if duration is None else round(duration),
        "duration_ms": None if duration is None else round(duration * 1000),
        "environment": row["environment"],
        "created_at": isoformat(row["created_at"]),
        "started_at": isoformat(row["started_at"]),
        "completed_at": isoformat(row["completed_at"]),
    }
    if row.get("rerun_of") is not None:
        out["rerun_of"] = row["rerun_of"]
    out.update(_outcome_fields(row))
    return out


def progress(row: Row) -> dict[str, int]:
    total = int(row["total_tests"])
    current = int(row["passed_tests"] + row["failed_tests"] + row["skipped_tests"])
    percent = math.floor(current * 100 / total) if total else 100
    return {"current": current, "total": total, "percent": percent}


def estimated_completion(row: Row, typical_seconds: float) -> datetime | None:
    started: datetime | None = row["started_at"]
    if started is None:
        return None
    done = progress(row)
    elapsed = (utcnow() - started).total_seconds()
    if done["current"]:
        expected = elapsed * done["total"] / done["current"]
    else:
        expected = max(typical_seconds, elapsed + 1)
    return started + timedelta(seconds=expected)


def uses_typical_duration(row: Row) -> bool:
    """Whether ``status_json`` needs the typical duration: only for a run that
    has started and not finished a test yet (so it is not read on most polls)."""
    return (
        row["status"] not in TERMINAL
        and row["started_at"] is not None
        and progress(row)["current"] == 0
    )


def status_json(row: Row, typical_seconds: float) -> dict[str, Any]:
    status = row["status"]
    if status in TERMINAL:
        duration = _duration(row)
        out: dict[str, Any] = {
            "id": row["id"],
            "status": status,
            "passed_tests": row["passed_tests"],
            "failed_tests": row["failed_tests"],
            "skipped_tests": row["skipped_tests"],
            "total_tests": row["total_tests"],
            "duration_seconds": None if duration is None else round(duration),
            "started_at": isoformat(row["started_at"]),
            "completed_at": isoformat(row["completed_at"]),
        }
        out.update(_outcome_fields(row))
        return out
    # Progress is present in every non-terminal state so that clients reading
    # ``status.progress.percent`` (the page's JavaScript example) never break.
    return {
        "id": row["id"],
        "status": status,
        "progress": progress(row),
        "created_at": isoformat(row["created_at"]),
        "started_at": isoformat(row["started_at"]),
        "estimated_completion": isoformat(estimated_completion(row, typical_seconds)),
    }


def step_json(step: dict[str, Any], url_for: UrlFor) -> dict[str, Any]:
    out: dict[str, Any] = {
        "step_id": step.get("step_id"),
        "name": step.get("name") or step.get("description") or "",
        "status": step.get("status", TestStatus.SKIPPED),
        "action": step.get("action"),
        "selector": step.get("selector"),
        "value": step.get("value"),
        "resolved_selector": _shown(step.get("resolved_selector")),
        "selector_source": step.get("selector_source"),
        "duration_ms": step.get("duration_ms"),
        "url": step.get("url"),
    }
    for key in (
        "ready_ms",
        "error",
        "error_type",
        "expected",
        "actual",
        "context",
        "match",
    ):  # not vocabulary: keys
        if step.get(key) is not None:
            out[key] = step[key]
    if step.get("healed"):
        out["healed"] = True
        for key in ("original_selector", "healed_selector", "heal_score"):
            out[key] = _shown(step.get(key)) if key == "healed_selector" else step.get(key)
    if step.get("heal_candidates"):
        out["heal_candidates"] = [
            {**c, "selector": _shown(c.get("selector"))} for c in step["heal_candidates"]
        ]
    if step.get("heal_decision"):
        out["heal_decision"] = step["heal_decision"]
    if step.get("screenshot"):
        out["screenshot"] = url_for(step["screenshot"])
        # Results stored before screenshot_source existed were all captures.
        out["screenshot_source"] = step.get("screenshot_source") or ScreenshotSource.PIXELS
    return out


def _shown(selector: Any) -> Any:
    """A selector bugbrain chose, in public syntax (results stored by older versions
    may hold Playwright's ``internal:`` forms)."""
    return shown_selector(selector) if isinstance(selector, str) else selector


def test_json(row: Row, url_for: UrlFor, *, with_steps: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "test_id": row["test_case_id"],
        "name": row["name"],
        "status": row["status"],
        "duration_ms": row["duration_ms"] or 0,
    }
    if row["error"]:
        out["error"] = row["error"]
    if row["screenshot"]:
        out["screenshot"] = url_for(row["screenshot"])
    out["flaky"] = bool(row["flaky"])
    out["healed"] = any(s.get("healed") for s in row["steps"] or [])
    if with_steps:
        out.update(_detail_json(row, url_for))
        if row["attempts"]:
            out["attempts"] = [
                {
                    "attempt": a.get("attempt"),
                    "status": a.get("status"),
                    "duration_ms": a.get("duration_ms"),
                    **_detail_json(a, url_for),
                }
                for a in row["attempts"]
            ]
    return out


def _detail_json(result: Row, url_for: UrlFor) -> dict[str, Any]:
    """Steps and evidence of a test result or of one of its attempts."""
    out: dict[str, Any] = {}
    for key in ("error", "error_type", "failed_step_id"):  # not vocabulary: keys
        if result.get(key):
            out[key] = result[key]
    if result.get("screenshot"):
        out["screenshot"] = url_for(result["screenshot"])
    out["final_url"] = result.get("final_url")
    evidence = result.get("evidence") or {}
    out["console_errors"] = evidence.get("console_errors", [])
    out["page_errors"] = evidence.get("page_errors", [])
    out["failed_requests"] = evidence.get("failed_requests", [])
    out["trace"] = url_for(evidence["trace"]) if evidence.get("trace") else None
    archive = evidence.get("page_archive")
    out["page_archive"] = url_for(archive) if archive else None
    out["steps"] = [step_json(s, url_for) for s in result.get("steps") or []]
    return out


def summary_counts(rows: Sequence[Row]) -> dict[str, int]:
    count = {"passed": 0, "failed": 0, "skipped": 0}
    for row in rows:
        if row["status"] in count:
            count[row["status"]] += 1
    flaky = sum(1 for row in rows if row["flaky"])
    return {"total": len(rows), **count, "flaky": flaky}


def results_json(row: Row, tests: Sequence[Row], url_for: UrlFor) -> dict[str, Any]:
    return {
        "id": row["id"],
        "test_plan_id": row["test_plan_id"],
        "status": row["status"],
        "test_results": [test_json(t, url_for, with_steps=True) for t in tests],
        "summary": summary_counts(tests),
    }


def completed_json(row: Row, tests: Sequence[Row], url_for: UrlFor) -> dict[str, Any]:
    """The synchronous create response: the summary plus compact results."""
    out = summary_json(row)
    out["results"] = {
        "test_results": [test_json(t, url_for, with_steps=False) for t in tests],
        "summary": summary_counts(tests),
    }
    return out


def queued_json(row: Row, estimated_wait_seconds: int, polling_path: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "status": row["status"],
        "estimated_wait_seconds": estimated_wait_seconds,
        "polling_url": polling_path,
    }
