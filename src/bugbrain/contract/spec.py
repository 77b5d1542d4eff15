"""Typed run spec (input of the child) and result shapes (its output). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, NotRequired, TypedDict

from bugbrain.steps.rules import SCREENSHOT_MODES

StepStatus = Literal["passed", "failed", "skipped"]
TRACE_MODES = ("off", "on_failure", "always")
HEALING_MODES = ("off", "suggest", "auto")


class SpecError(ValueError):
    """The spec is structurally invalid."""


@dataclass(frozen=True)
class StepSpec:
    step_id: str
    action: str
    selector: str | None = None
    value: str | None = None
    description: str | None = None
    # The selector a previous passing run resolved this step's words to.
    cached_selector: str | None = None
    # The element this step touched in its last passing run (healing compares to it).
    fingerprint: Mapping[str, Any] | None = None
    # That fingerprint is recent: do not read the element's again this run.
    fingerprint_fresh: bool = False
    # A selector an earlier run healed this step's selector to; reused before searching.
    remembered_heal: str | None = None


@dataclass(frozen=True)
class TestSpec:
    __test__: ClassVar[bool] = False  # not a pytest test class

    position: int
    test_id: str
    name: str
    steps: tuple[StepSpec, ...] = ()


@dataclass(frozen=True)
class RunSpec:
    execution_id: str
    artifacts_dir: str
    tests: tuple[TestSpec, ...]
    browser: str = "chromium"
    chromium_path: str | None = None
    headless: bool = True
    parallelism: int = 1
    stop_on_first_failure: bool = False
    screenshot_mode: str = "every_step"
    element_wait_timeout_ms: int = 5000
    navigation_timeout_ms: int = 30000
    base_url: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    trace_mode: str = "on_failure"
    # DOM snapshots around every traced action (the viewer's time travel): 5-10 %
    # of run time, so off unless asked for; a failure keeps the page anyway.
    trace_snapshots: bool = False
    retries: int = 0
    healing: str = "suggest"


class StepResult(TypedDict):
    step_id: str
    name: str
    action: str
    selector: str | None
    value: str | None
    status: StepStatus
    duration_ms: int
    error: str | None
    error_type: str | None
    expected: str | None
    actual: str | None
    screenshot: str | None
    url: str | None
    # What the step acted on: the explicit selector, or what its words resolved to.
    resolved_selector: NotRequired[str | None]
    # "explicit" | "cache" | "semantic" | None (no element involved)
    selector_source: NotRequired[str | None]
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
    status: StepStatus
    started_at: str | None
    duration_ms: int
    error: str | None
    error_type: str | None
    failed_step_id: str | None
    screenshot: str | None
    final_url: str | None
    steps: list[StepResult]
    evidence: NotRequired[Evidence]
    # With retries: True when an attempt failed and a later one passed.
    flaky: NotRequired[bool]
    # Every attempt's own result (without nested attempts) when there were retries.
    attempts: NotRequired[list[dict[str, Any]]]


# --------------------------------------------------------------------------- parsing


def _req_str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}{key}: expected a non-empty string")
    return value


def _opt_str(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SpecError(f"{where}{key}: expected a string or null")
    return str(value)


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise SpecError(f"{key}: expected a boolean")
    return value


def _int(data: Mapping[str, Any], key: str, default: int, minimum: int, where: str = "") -> int:
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where}{key}: expected an integer")
    if value < minimum:
        raise SpecError(f"{where}{key}: must be >= {minimum}")
    return value


def _parse_step(raw: Any, where: str) -> StepSpec:
    if not isinstance(raw, Mapping):
        raise SpecError(f"{where}: expected an object")
    action = raw.get("action")
    if action is None:
        action = ""
    if not isinstance(action, str):
        raise SpecError(f"{where}.action: expected a string")
    return StepSpec(
        step_id=_req_str(raw, "step_id", f"{where}."),
        action=action,
        selector=_opt_str(raw, "selector", f"{where}."),
        value=_opt_str(raw, "value", f"{where}."),
        description=_opt_str(raw, "description", f"{where}."),
        cached_selector=_opt_str(raw, "cached_selector", f"{where}."),
        fingerprint=raw.get("fingerprint") if isinstance(raw.get("fingerprint"), Mapping) else None,
        fingerprint_fresh=raw.get("fingerprint_fresh") is True,
        remembered_heal=_opt_str(raw, "remembered_heal", f"{where}."),
    )


def _parse_test(raw: Any, index: int) -> TestSpec:
    where = f"tests[{index}]"
    if not isinstance(raw, Mapping):
        raise SpecError(f"{where}: expected an object")
    steps_raw = raw.get("steps", [])
    if not isinstance(steps_raw, list):
        raise SpecError(f"{where}.steps: expected a list")
    test_id = _req_str(raw, "test_id", f"{where}.")
    name = raw.get("name")
    return TestSpec(
        position=_int(raw, "position", index, 0, f"{where}."),
        test_id=test_id,
        name=name if isinstance(name, str) and name else test_id,
        steps=tuple(_parse_step(s, f"{where}.steps[{i}]") for i, s in enumerate(steps_raw)),
    )


def parse_spec(data: Any) -> RunSpec:
    """Validate a decoded JSON spec; raise SpecError with a path-like message."""
    if not isinstance(data, Mapping):
        raise SpecError("spec: expected a JSON object")
    browser = data.get("browser") or "chromium"
    if browser != "chromium":
        raise SpecError(f"browser: unsupported browser {browser!r} (only 'chromium')")
    mode = data.get("screenshot_mode") or "every_step"
    if mode not in SCREENSHOT_MODES:
        raise SpecError(f"screenshot_mode: expected one of {', '.join(SCREENSHOT_MODES)}")
    variables_raw = data.get("variables")
    if variables_raw is None:
        variables_raw = {}
    if not isinstance(variables_raw, Mapping):
        raise SpecError("variables: expected an object")
    variables: dict[str, str] = {}
    for key, value in variables_raw.items():
        if not isinstance(key, str):
            raise SpecError("variables: keys must be strings")
        variables[key] = "" if value is None else str(value)
    tests_raw = data.get("tests")
    if not isinstance(tests_raw, list):
        raise SpecError("tests: expected a list")
    tests = tuple(_parse_test(t, i) for i, t in enumerate(tests_raw))
    positions = [t.position for t in tests]
    if len(set(positions)) != len(positions):
        raise SpecError("tests: positions must be unique")
    healing = data.get("healing") or "suggest"
    if healing not in HEALING_MODES:
        raise SpecError(f"healing: expected one of {', '.join(HEALING_MODES)}")
    trace_mode = data.get("trace_mode") or "on_failure"
    if trace_mode not in TRACE_MODES:
        raise SpecError(f"trace_mode: expected one of {', '.join(TRACE_MODES)}")
    base_url = _opt_str(data, "base_url", "")
    return RunSpec(
        execution_id=_req_str(data, "execution_id", ""),
        artifacts_dir=_req_str(data, "artifacts_dir", ""),
        tests=tests,
        browser=browser,
        chromium_path=_opt_str(data, "chromium_path", "") or None,
        headless=_bool(data, "headless", True),
        parallelism=_int(data, "parallelism", 1, 1),
        stop_on_first_failure=_bool(data, "stop_on_first_failure", False),
        screenshot_mode=mode,
        element_wait_timeout_ms=_int(data, "element_wait_timeout_ms", 5000, 1),
        navigation_timeout_ms=_int(data, "navigation_timeout_ms", 30000, 1),
        base_url=(base_url.strip() or None) if base_url else None,
        variables=variables,
        trace_mode=trace_mode,
        trace_snapshots=_bool(data, "trace_snapshots", False),
        retries=_int(data, "retries", 0, 0),
        healing=healing,
    )
