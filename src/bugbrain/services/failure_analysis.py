"""Builds the failure-analysis body from stored test results."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

from bugbrain.analysis.classify import Evidence, classify
from bugbrain.services.execution_views import UrlFor


def _failed_step(test: RowMapping) -> dict[str, Any] | None:
    steps: list[dict[str, Any]] = test["steps"] or []
    for step in steps:
        if step.get("step_id") == test["failed_step_id"] or step.get("status") == "failed":
            return step
    return None


def analysis_json(row: RowMapping, tests: list[RowMapping], url_for: UrlFor) -> dict[str, Any]:
    entries = []
    for test in tests:
        if test["status"] != "failed":
            continue
        step = _failed_step(test)
        first_url = next((s.get("url") for s in test["steps"] or [] if s.get("url")), None)
        verdict = classify(
            Evidence(
                error=test["error"] or "",
                error_type=test["error_type"],
                step=step,
                final_url=test["final_url"],
                started_on_login=bool(first_url and "login" in first_url),
            )
        )
        screenshot = (step or {}).get("screenshot") or test["screenshot"]
        entries.append(
            {
                "test_id": test["test_case_id"],
                "test_name": test["name"],
                "step_id": (step or {}).get("step_id") or test["failed_step_id"],
                "failure_category": verdict.category,
                "confidence": verdict.confidence,
                "description": verdict.description,
                "evidence": {
                    "expected_selector": verdict.expected_selector,
                    "suggested_alternative": verdict.suggested_alternative,
                    "screenshot": url_for(screenshot) if screenshot else None,
                    "error": test["error"],
                    "url": test["final_url"],
                    "signals": verdict.signals,
                },
                "fix_suggestions": verdict.fix_suggestions,
            }
        )
    return {"id": row["id"], "status": row["status"], "analysis": entries}
