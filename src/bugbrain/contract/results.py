"""What a runner reports: per-step and per-test results, and the evidence of a test.

TypedDicts, because the runner builds and amends them step by step; the worker
validates each one once, as it arrives from the child (``contract.events``).
"""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict  # pydantic validates only this one before 3.12

from bugbrain.vocabulary import LocatorSource, ScreenshotSource, StepErrorType, TestStatus


class StepResult(TypedDict):
    step_id: str
    name: str
    action: str
    selector: str | None
    value: str | None
    status: TestStatus
    duration_ms: int
    error: str | None
    error_type: StepErrorType | None
    expected: str | None
    actual: str | None
    screenshot: str | None
    # What ``screenshot`` is made from: a capture of the frame, or the page's DOM
    # snapshot rendered when first opened (contract/step_snapshots.py).
    screenshot_source: NotRequired[ScreenshotSource]
    url: str | None
    # The first step in words after a navigation: how long it waited for the page
    # to be ready (runner/readiness.py). Absent when it did not wait.
    ready_ms: NotRequired[int]
    # What the step acted on: the explicit selector, or what its words resolved to.
    resolved_selector: NotRequired[str | None]
    # None when no element is involved.
    selector_source: NotRequired[LocatorSource | None]
    # Steps whose words chose the element: why it won. {"element": 'button "Save"',
    # "score": 0-1, "reasons": [...], "revealed_by_hovering": 'listitem "Pay rent"'}.
    match: NotRequired[dict[str, Any]]
    # The element acted on, for healing in later runs (passing steps).
    fingerprint: NotRequired[dict[str, Any] | None]
    # Self-healing: the selector was missing and another element was used.
    healed: NotRequired[bool]
    original_selector: NotRequired[str | None]
    healed_selector: NotRequired[str | None]
    heal_score: NotRequired[float | None]
    # Best replacements found for a missing element (suggest and auto modes).
    heal_candidates: NotRequired[list[dict[str, Any]]]
    # Whether the best one passes every rule for an automatic heal, and why (not):
    # {"ok": bool, "reason": str}. The analysis suggests a replacement only when ok.
    heal_decision: NotRequired[dict[str, Any]]
    # Page signals at the moment of failure (failure analysis reads them).
    context: NotRequired[dict[str, Any]]


class ConsoleMessage(TypedDict):
    type: str
    text: str
    location: str | None


class FailedRequest(TypedDict):
    method: str
    url: str
    resource_type: str
    status: int | None  # HTTP status, or None when the request itself failed
    failure: str | None  # e.g. net::ERR_CONNECTION_REFUSED


class Evidence(TypedDict):
    console_errors: list[ConsoleMessage]
    page_errors: list[str]
    failed_requests: list[FailedRequest]
    trace: str | None  # relative path of a Playwright trace zip
    page_archive: NotRequired[str | None]  # relative path of the failing page as MHTML


class TestResult(TypedDict):
    test_id: str
    name: str
    status: TestStatus
    started_at: str | None
    duration_ms: int
    error: str | None
    error_type: StepErrorType | None
    failed_step_id: str | None
    screenshot: str | None
    final_url: str | None
    steps: list[StepResult]
    evidence: NotRequired[Evidence]
    # With retries: True when an attempt failed and a later one passed.
    flaky: NotRequired[bool]
    # Every attempt's own result (without nested attempts) when there were retries.
    attempts: NotRequired[list[dict[str, Any]]]
