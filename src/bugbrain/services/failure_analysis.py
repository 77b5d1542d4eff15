"""Builds the failure-analysis body from stored test results.

Every failed test gets an entry; so does a test the execution's deadline cut
off (it is stored as ``skipped``, but it did not fail on its own: its entry says
``timeout``). The verdict itself comes from the pure ``diagnosis.classify``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bugbrain.db.tables import element_fingerprints, locator_cache, test_results
from bugbrain.diagnosis.changes import changes_since_last_pass
from bugbrain.diagnosis.classify import Evidence, PreviousRun, Verdict, classify
from bugbrain.elements.selectors import shown_selector
from bugbrain.services.execution_views import UrlFor
from bugbrain.services.locator_cache import step_key
from bugbrain.vocabulary import ExecutionStatus, FailureReason, TestStatus

# (test_case_id, step_id) → the step's last passing run.
History = Mapping[tuple[str, str], PreviousRun]
# A stored row (RowMapping) or any mapping of the same keys.
Row = Mapping[Any, Any]

_DEADLINE_REASON = FailureReason.TIMEOUT


def _failed_step(test: Row) -> dict[str, Any] | None:
    steps: list[dict[str, Any]] = test["steps"] or []
    for step in steps:
        if step.get("step_id") == test["failed_step_id"] or step.get("status") == TestStatus.FAILED:
            return step
    return None


def _spec_test(row: Row, test: Row) -> Row:
    spec = row.get("spec") or {}
    for entry in spec.get("tests") or []:
        if (
            entry.get("position") == test["position"]
            and entry.get("test_id") == test["test_case_id"]
        ):
            return dict(entry)
    return {}


def _interrupted_step(row: Row, test: Row) -> dict[str, Any] | None:
    """The step a deadline cut off: the first one of the test without a result."""
    done = {s.get("step_id") for s in test["steps"] or [] if s.get("status") != TestStatus.SKIPPED}
    for step in _spec_test(row, test).get("steps") or []:
        if step.get("step_id") not in done:
            return dict(step)
    return None


def _interrupted(row: Row, test: Row) -> bool:
    return (
        row.get("status") == ExecutionStatus.FAILED
        and row.get("failure_reason") == _DEADLINE_REASON
        and test["status"] == TestStatus.SKIPPED
        and test.get("started_at") is not None
    )


def _evidence(
    row: Row, test: Row, history: History | None
) -> tuple[Evidence, dict[str, Any] | None]:
    spec = row.get("spec") or {}
    steps: list[dict[str, Any]] = list(test["steps"] or [])
    interrupted = _interrupted(row, test)
    step = _interrupted_step(row, test) if interrupted else _failed_step(test)
    recorded: Row = test.get("evidence") or {}
    previous = None
    if history and step and step.get("step_id"):
        previous = history.get((test["test_case_id"], str(step["step_id"])))
    timeout_ms = spec.get("element_wait_timeout_ms")
    evidence = Evidence(
        error=test["error"] or "",
        error_type=None if interrupted else test["error_type"],
        step=step,
        steps=steps,
        final_url=test["final_url"],
        console_errors=list(recorded.get("console_errors") or []),
        page_errors=list(recorded.get("page_errors") or []),
        failed_requests=list(recorded.get("failed_requests") or []),
        previous=previous,
        element_timeout_ms=timeout_ms if isinstance(timeout_ms, int) else None,
        execution_timeout_s=row.get("timeout_seconds"),
        deadline_exceeded=interrupted,
    )
    return evidence, step


def _changes(step: Row | None, previous: PreviousRun | None) -> dict[str, Any] | None:
    if step is None or previous is None:
        return None
    candidates = step.get("heal_candidates") or []
    context = step.get("context") or {}
    return changes_since_last_pass(
        fingerprint=previous.fingerprint,
        last_pass_url=previous.url,
        last_pass_execution_id=previous.execution_id,
        url_now=context.get("url") or step.get("url"),
        best_candidate=candidates[0] if candidates else None,
        headings_now=[str(h) for h in context.get("headings") or []],
    )


def _entry(test: Row, step: Row | None, verdict: Verdict, url_for: UrlFor) -> dict[str, Any]:
    screenshot = (step or {}).get("screenshot") or test["screenshot"]
    evidence: dict[str, Any] = {
        "expected_selector": verdict.expected_selector,
        "suggested_alternative": verdict.suggested_alternative,
        "screenshot": url_for(screenshot) if screenshot else None,
        "error": test["error"],
        "url": ((step or {}).get("context") or {}).get("url")
        or (step or {}).get("url")
        or test["final_url"],
        "signals": verdict.signals,
    }
    evidence.update(verdict.details)
    return {
        "test_id": test["test_case_id"],
        "test_name": test["name"],
        "step_id": (step or {}).get("step_id") or test["failed_step_id"],
        "failure_category": verdict.category,
        "confidence": verdict.confidence,
        "description": verdict.description,
        "evidence": evidence,
        "fix_suggestions": verdict.fix_suggestions,
    }


def analysis_json(
    row: Row,
    tests: Sequence[Row],
    url_for: UrlFor,
    history: History | None = None,
) -> dict[str, Any]:
    entries = []
    for test in tests:
        if test["status"] != TestStatus.FAILED and not _interrupted(row, test):
            continue
        evidence, step = _evidence(row, test, history)
        entry = _entry(test, step, classify(evidence), url_for)
        changes = _changes(step, evidence.previous)
        if changes is not None:
            entry["changes_since_last_pass"] = changes
        entries.append(entry)
    return {"id": row["id"], "status": row["status"], "analysis": entries}


def previous_runs(conn: Connection, row: Row, tests: Sequence[Row]) -> History:
    """The last passing run of every step of these tests that has one, as long
    as the step is unchanged since: the element it touched (its fingerprint)
    and, for steps in words, the selector they resolved to."""
    case_ids = {t["test_case_id"] for t in tests if t["status"] != TestStatus.PASSED}
    if not case_ids:
        return {}
    keys = {
        (entry.get("test_id"), step.get("step_id")): step_key(step)
        for entry in (row.get("spec") or {}).get("tests") or []
        for step in entry.get("steps") or []
    }
    resolved = {
        (r["test_case_id"], r["step_id"]): shown_selector(r["selector"])
        for r in conn.execute(
            sa.select(locator_cache).where(locator_cache.c.test_case_id.in_(case_ids))
        ).mappings()
        if keys.get((r["test_case_id"], r["step_id"])) == r["step_key"]
    }
    selectors = {
        (t["test_case_id"], s.get("step_id")): s.get("selector")
        or shown_selector(s.get("resolved_selector") or "")
        or None
        for t in tests
        for s in t["steps"] or []
    }
    out: dict[tuple[str, str], PreviousRun] = {}
    for r in conn.execute(
        sa.select(element_fingerprints).where(element_fingerprints.c.test_case_id.in_(case_ids))
    ).mappings():
        key = (r["test_case_id"], r["step_id"])
        if keys.get(key) != r["step_key"]:
            continue
        printed: Row = r["fingerprint"] or {}
        out[key] = PreviousRun(
            selector=resolved.get(key) or selectors.get(key),
            url=_url_before(conn, r["execution_id"], r["test_case_id"], r["step_id"]),
            description=_describe(printed),
            execution_id=r["execution_id"],
            fingerprint=printed,
        )
    for key, selector in resolved.items():
        out.setdefault(key, PreviousRun(selector=selector))
    return out


def _url_before(conn: Connection, execution_id: str, test_case_id: str, step_id: str) -> str | None:
    """The page the step acted on in that run: the URL after the step before it."""
    steps = conn.execute(
        sa.select(test_results.c.steps).where(
            test_results.c.execution_id == execution_id,
            test_results.c.test_case_id == test_case_id,
        )
    ).scalar()
    url: str | None = None
    for step in steps or []:
        here = step.get("url")
        if step.get("step_id") == step_id:
            return url or (str(here) if here else None)
        url = str(here) if here else url
    return None


def _describe(printed: Row) -> str | None:
    tag = str(printed.get("tag") or "")
    if not tag:
        return None
    ident = f"#{printed['id']}" if printed.get("id") else ""
    classes = "".join(f".{c}" for c in (printed.get("classes") or [])[:2])
    name = str(printed.get("accessible_name") or printed.get("text") or "").strip()
    return f"{tag}{ident or classes}" + (f' "{name[:40]}"' if name else "")
