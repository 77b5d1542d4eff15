"""First-pass failure classification (pure: evidence in, verdict out).

It maps the runner's error type plus a few page signals to one of the eight
categories of the product, with a confidence that reflects how direct the
evidence is, and concrete fix suggestions built from the evidence itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = (
    "selector_changed",
    "element_not_interactable",
    "assertion_failed",
    "timeout",
    "navigation_error",
    "network_error",
    "javascript_error",
    "authentication_failed",
    "unknown",
)

_LOGIN_URL = re.compile(r"/(log-?in|sign-?in|auth)(\b|/|\?|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """What the runner saw when a test failed."""

    error: str
    error_type: str | None
    step: dict[str, Any] | None
    final_url: str | None
    started_on_login: bool = False


@dataclass
class Verdict:
    category: str
    confidence: float
    description: str
    fix_suggestions: list[str]
    signals: list[str] = field(default_factory=list)
    expected_selector: str | None = None
    suggested_alternative: str | None = None


def _is_login_url(url: str | None) -> bool:
    return bool(url and _LOGIN_URL.search(url))


def classify(ev: Evidence) -> Verdict:
    step = ev.step or {}
    action = step.get("action") or ""
    selector = step.get("selector")
    kind = ev.error_type or ""
    bounced = _is_login_url(ev.final_url) and not ev.started_on_login and action != "navigate"

    if bounced and kind in {"element_not_found", "assertion_failed", "timeout"}:
        return Verdict(
            "authentication_failed",
            0.8,
            f"The test ended on a login page ({ev.final_url}) instead of the expected page: "
            "the session was missing or rejected.",
            [
                "Check the credentials in the project or environment variables",
                "Add a login step before this step, or verify the login step succeeded",
            ],
            ["final URL is a login page", f"error type {kind}"],
            expected_selector=selector,
        )
    if kind == "element_not_found":
        return Verdict(
            "selector_changed",
            0.75,
            f"The '{selector}' selector matched no element on the page. The element may have "
            "been renamed, moved or removed, or the page did not reach the expected state.",
            [
                f"Check that '{selector}' still exists on {ev.final_url or 'the page'} and update "
                "the step's selector",
                "Prefer stable selectors such as data-testid attributes",
                "If the element appears late, raise the plan's element_wait_timeout_ms",
            ],
            ["element not found after waiting"],
            expected_selector=selector,
        )
    if kind == "ambiguous_selector":
        return Verdict(
            "selector_changed",
            0.7,
            f"The '{selector}' selector matched several elements, so the step could not tell "
            "which one to use.",
            [f"Make '{selector}' specific to one element, e.g. with a data-testid attribute"],
            ["selector matched more than one element"],
            expected_selector=selector,
        )
    if kind == "element_not_interactable":
        return Verdict(
            "element_not_interactable",
            0.85,
            f"The element '{selector}' exists but could not be used: {ev.error}",
            [
                "Check whether the element is hidden, disabled or covered by another element",
                "Add a step that waits for the element to become enabled or the overlay to close",
            ],
            ["element present but not actionable"],
            expected_selector=selector,
        )
    if kind == "assertion_failed":
        expected, actual = step.get("expected"), step.get("actual")
        fixes = ["If the application changed on purpose, update the expected value in the step"]
        if expected is not None:
            fixes.insert(0, f"The page showed {actual!r} where {expected!r} was expected")
        return Verdict(
            "assertion_failed",
            0.85,
            f"The page loaded but did not show what the step expected: {ev.error}",
            fixes,
            ["assertion mismatch"],
            expected_selector=selector,
        )
    if kind == "navigation_error":
        return Verdict(
            "navigation_error",
            0.9,
            f"A page did not load: {ev.error}",
            [
                "Check that the application is running and reachable from the bugbrain worker",
                "Check the project's or environment's base_url",
            ],
            ["document request failed"],
        )
    if kind == "timeout":
        return Verdict(
            "timeout",
            0.8,
            f"The page or element took too long: {ev.error}",
            [
                "Raise the plan's element_wait_timeout_ms or the execution's timeout_seconds",
                "Check the application's response times for this page",
            ],
            ["timed out waiting"],
            expected_selector=selector,
        )
    return Verdict(
        "unknown",
        0.3,
        f"The test failed for a reason the evidence does not explain: {ev.error}",
        ["Open the screenshot and the step results to see what happened"],
        [f"error type {kind or 'none'}"],
        expected_selector=selector,
    )
