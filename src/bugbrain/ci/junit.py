"""JUnit XML of an execution's results, as CI systems read it. Pure.

Written with the standard library's ``xml.etree.ElementTree``: the format is a
few elements and attributes, ElementTree escapes text and attributes correctly,
and it adds no dependency to the CLI. What goes where follows Maven Surefire's
reports, which Jenkins, GitLab, GitHub's report actions and junitparser read:

- one ``<testsuite>`` per execution (the plan), one ``<testcase>`` per test;
- a failed test: ``<failure message=… type=…>`` with the failure analysis
  (category, confidence, description, suggestions) as its text; each earlier
  failed attempt of a retried test is a ``<rerunFailure>``;
- a test that failed, then passed on a retry (flaky): no ``<failure>``, one
  ``<flakyFailure>`` per failed attempt;
- a test that did not run (skipped, or cut off by the execution's end):
  ``<skipped message=…>``;
- its steps, one line each, in ``<system-out>``;
- ``<properties>`` of the test case: ``screenshot``, ``trace``,
  ``page_archive`` (signed URLs), ``failure_category``, ``flaky``, and per heal
  ``healed`` (``step: original -> healed``); of the suite: the execution's id,
  status and ``rerun_of``.

Every value comes from the API, which masks secret variables (``••••``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from bugbrain.vocabulary import ExecutionStatus, TestStatus

NO_ERROR = "failed"  # not vocabulary: a failure's message when the test has none
SKIPPED_ELEMENT = "skipped"  # not vocabulary: JUnit's element and attribute

# XML 1.0 allows no control characters but tab, newline and carriage return.
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _text(value: object) -> str:
    return str(value).translate(_CONTROL)


def _seconds(ms: object) -> str:
    return f"{(ms if isinstance(ms, int | float) else 0) / 1000:.3f}"


def _properties(parent: ET.Element, pairs: Sequence[tuple[str, object]]) -> None:
    kept = [(name, value) for name, value in pairs if value is not None and value != ""]
    if not kept:
        return
    props = ET.SubElement(parent, "properties")
    for name, value in kept:
        ET.SubElement(props, "property", name=name, value=_text(value))


def steps_text(steps: Sequence[Mapping[str, Any]]) -> str:
    """One line per step: ``  3. [failed] Click 'Add' (120 ms): error``."""
    lines = []
    for number, step in enumerate(steps, 1):
        took = f" ({step['duration_ms']} ms)" if step.get("duration_ms") is not None else ""
        line = f"{number:3}. [{step.get('status')}] {step.get('name')}{took}"
        if step.get("healed"):
            line += f" (healed: {step.get('original_selector')} -> {step.get('healed_selector')})"
        if step.get("error"):
            line += f": {step['error']}"
        lines.append(line)
    return "\n".join(lines)


def analysis_text(entry: Mapping[str, Any] | None, error: str | None) -> str:
    """A failure's text: the error, then the analysis (category, why, what to do)."""
    parts = [error or NO_ERROR]
    if entry is not None:
        parts.append(
            f"Failure category: {entry.get('failure_category')} "
            f"(confidence {float(entry.get('confidence') or 0):.2f})"
        )
        if entry.get("description"):
            parts.append(str(entry["description"]))
        suggestions = entry.get("fix_suggestions") or []
        if suggestions:
            parts.append("Suggestions:\n" + "\n".join(f"- {s}" for s in suggestions))
    return "\n\n".join(parts)


def _attempt_element(tag: str, attempt: Mapping[str, Any]) -> ET.Element:
    element = ET.Element(
        tag,
        message=_text(attempt.get("error") or NO_ERROR),
        type=_text(attempt.get("error_type") or "failure"),
    )
    trace = ET.SubElement(element, "stackTrace")
    trace.text = _text(f"attempt {attempt.get('attempt')}: {attempt.get('error') or NO_ERROR}")
    out = ET.SubElement(element, "system-out")
    out.text = _text(steps_text(attempt.get("steps") or []))
    return element


def _testcase(
    suite: ET.Element,
    classname: str,
    test: Mapping[str, Any],
    entry: Mapping[str, Any] | None,
    heals: Sequence[Mapping[str, Any]],
    cut_off: str | None,
) -> TestStatus:
    """Add one test's ``<testcase>``; its outcome: passed, failed or skipped."""
    case = ET.SubElement(
        suite,
        "testcase",
        name=_text(test.get("name")),
        classname=classname,
        time=_seconds(test.get("duration_ms")),
    )
    properties: list[tuple[str, object]] = [
        ("test_id", test.get("test_id")),
        ("screenshot", test.get("screenshot")),
        ("trace", test.get("trace")),
        ("page_archive", test.get("page_archive")),
        ("final_url", test.get("final_url")),
    ]
    if entry is not None:
        properties.append(("failure_category", entry.get("failure_category")))
    if test.get("flaky"):
        properties.append(("flaky", "true"))
    for heal in heals:
        properties.append(
            (
                "healed",
                f"{heal.get('step_id')}: {heal.get('original_selector')} -> "
                f"{heal.get('healed_selector')}",
            )
        )
    attempts = [a for a in test.get("attempts") or [] if a.get("status") == TestStatus.FAILED]
    for attempt in attempts:
        if attempt.get("screenshot"):
            properties.append(
                (f"attempt.{attempt.get('attempt')}.screenshot", attempt["screenshot"])
            )
    _properties(case, properties)

    status = test.get("status")
    outcome = TestStatus.PASSED
    if status == TestStatus.FAILED:
        outcome = TestStatus.FAILED
        failure = ET.SubElement(
            case,
            "failure",
            message=_text(test.get("error") or NO_ERROR),
            type=_text(
                (entry or {}).get("failure_category") or test.get("error_type") or "failure"
            ),
        )
        failure.text = _text(analysis_text(entry, test.get("error")))
        # Surefire: the earlier runs of a test that failed every time.
        for attempt in attempts[:-1]:
            case.append(_attempt_element("rerunFailure", attempt))
    elif status == TestStatus.PASSED:
        for attempt in attempts:  # failed, then passed: flaky
            case.append(_attempt_element("flakyFailure", attempt))
    else:
        outcome = TestStatus.SKIPPED
        reason = str(status) if status == TestStatus.SKIPPED else f"not run ({status})"
        if cut_off:
            reason += f": {cut_off}"
        ET.SubElement(case, SKIPPED_ELEMENT, message=_text(reason))
    out = ET.SubElement(case, "system-out")
    out.text = _text(steps_text(test.get("steps") or []))
    return outcome


def build(
    results: Mapping[str, Any],
    analysis: Mapping[str, Any] | None = None,
    execution: Mapping[str, Any] | None = None,
    *,
    suite_name: str | None = None,
) -> bytes:
    """The JUnit XML (UTF-8, with declaration) of ``results`` (the body of
    ``GET /executions/{id}/results``), its ``analysis``
    (``/failure-analysis``) and ``execution`` (``GET /executions/{id}``:
    durations, timestamps, why it failed)."""
    execution = execution or {}
    entries: dict[str, Mapping[str, Any]] = {}
    for entry in (analysis or {}).get("analysis") or []:
        entries.setdefault(str(entry.get("test_id")), entry)
    heals: dict[str, list[Mapping[str, Any]]] = {}
    for heal in results.get("heals") or []:
        heals.setdefault(str(heal.get("test_case_id")), []).append(heal)
    cut_off = None
    if execution.get("failure_reason"):
        cut_off = f"the execution failed: {execution['failure_reason']}"
        if execution.get("failure_message"):
            cut_off += f" ({execution['failure_message']})"
    elif results.get("status") == ExecutionStatus.CANCELLED:
        cut_off = "the execution was cancelled"

    name = suite_name or str(results.get("test_plan_id"))
    root = ET.Element("testsuites", name="bugbrain")
    suite = ET.SubElement(root, "testsuite", name=_text(name), id=_text(results.get("id")))
    _properties(
        suite,
        [
            ("execution_id", results.get("id")),
            ("test_plan_id", results.get("test_plan_id")),
            ("project_id", execution.get("project_id")),
            ("status", results.get("status")),
            ("environment", execution.get("environment")),
            ("rerun_of", execution.get("rerun_of")),
            ("failure_reason", execution.get("failure_reason")),
        ],
    )
    counts = {TestStatus.PASSED: 0, TestStatus.FAILED: 0, TestStatus.SKIPPED: 0}
    classname = f"bugbrain.{results.get('test_plan_id')}"
    for test in results.get("test_results") or []:
        outcome = _testcase(
            suite,
            classname,
            test,
            entries.get(str(test.get("test_id"))),
            heals.get(str(test.get("test_id")), []),
            cut_off,
        )
        counts[outcome] += 1
    total = sum(counts.values())
    seconds = sum(float(_seconds(t.get("duration_ms"))) for t in results.get("test_results") or [])
    if execution.get("duration_ms") is not None:
        seconds = execution["duration_ms"] / 1000
    for element in (root, suite):
        element.set("tests", str(total))
        element.set("failures", str(counts[TestStatus.FAILED]))
        element.set("errors", "0")
        element.set(SKIPPED_ELEMENT, str(counts[TestStatus.SKIPPED]))
        element.set("time", f"{seconds:.3f}")
    if execution.get("started_at"):
        suite.set("timestamp", str(execution["started_at"]))
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"
