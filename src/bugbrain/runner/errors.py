"""Translate Playwright exceptions into one-line, human-readable step failures."""

from __future__ import annotations

import re
from typing import Final

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from bugbrain.runner import internal_calls as quiet
from bugbrain.vocabulary import Action, StepErrorType

_API_PREFIX_RE: Final = re.compile(r"^(?:[A-Z][A-Za-z]*\.[a-z_][A-Za-z_]*: )?(?:Error: )?")
_STRICT_RE: Final = re.compile(r"resolved to (\d+) elements")
_NET_ERR_RE: Final = re.compile(r"net::ERR_[A-Z0-9_]+")
_BAD_SELECTOR_MARKERS: Final = (
    "while parsing",
    "is not a valid selector",
    "Unknown engine",
    "Unexpected token",
    "Unsupported token",
)
# Non-timeout Playwright errors whose meaning is "this element can't take that action".
_NOT_INTERACTABLE_MARKERS: Final = (
    ("Not a checkbox or radio button", "not a checkbox or radio button"),
    ("Element is not an <input>", "not an input, textarea, select or contenteditable"),
    ("Element is not a <select>", "not a <select> element"),
    ("Node is not an <input>", "not an input, textarea or select"),
)

# True when another element sits on top of the element's centre point.
_COVERED_JS: Final = """e => {
  const r = e.getBoundingClientRect();
  const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return !!top && top !== e && !e.contains(top);
}"""

# Whether a <select> has an option whose value or label is the given text.
_HAS_OPTION_JS: Final = """(e, v) =>
  !e.options || Array.from(e.options).some(o => o.value === v || o.label === v)"""


_NO_REASON: Final = "covered or not ready"


class StepFailure(Exception):
    """A step failed in an expected, reportable way."""

    def __init__(
        self,
        error_type: StepErrorType,
        message: str,
        expected: str | None = None,
        actual: str | None = None,
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.expected = expected
        self.actual = actual


def first_line(exc: BaseException | str) -> str:
    """First non-empty line of an error, without Playwright's ``Locator.click: Error:``."""
    text = exc if isinstance(exc, str) else str(exc)
    for line in text.splitlines():
        line = line.strip()
        if line:
            cleaned = _API_PREFIX_RE.sub("", line, count=1).strip()
            return cleaned or line
    return exc.__class__.__name__ if isinstance(exc, BaseException) else "unknown error"


def net_error_code(exc: BaseException) -> str | None:
    match = _NET_ERR_RE.search(str(exc))
    return match.group(0) if match else None


async def safe_count(locator: Locator) -> int | None:
    try:
        return await quiet.bounded(locator.count())
    except PlaywrightError:
        return None


def ambiguous(selector: str, count: int | None) -> StepFailure:
    n = str(count) if count is not None else "several"
    return StepFailure(
        StepErrorType.AMBIGUOUS_SELECTOR, f"Selector {selector} matched {n} elements"
    )


def not_found(selector: str) -> StepFailure:
    return StepFailure(StepErrorType.ELEMENT_NOT_FOUND, f"Element not found: {selector}")


async def _has_option(locator: Locator, value: str, raw: str) -> bool:
    try:
        return bool(await locator.evaluate(_HAS_OPTION_JS, value, timeout=1000))
    except PlaywrightError:
        return "did not find some options" not in raw


async def _why_not_interactable(locator: Locator, action: str, raw: str) -> str:
    try:
        if not await locator.is_visible():
            return "hidden"
        if action != Action.HOVER and not await locator.is_enabled(timeout=1000):
            return "disabled"  # not vocabulary: words
        if action in (Action.FILL, Action.CLEAR) and not await locator.is_editable(timeout=1000):
            return "read-only"
        if action not in (Action.FILL, Action.CLEAR) and await locator.evaluate(
            _COVERED_JS, timeout=1000
        ):
            return "covered by another element"
    except PlaywrightError:
        pass
    if "intercepts pointer events" in raw:
        return "covered by another element"
    if "not stable" in raw:
        return "not stable (still animating)"
    if "outside of the viewport" in raw:
        return "outside of the viewport"
    return _NO_REASON


async def _timed_out(
    locator: Locator, sel: str, action: str, value: str | None, raw: str
) -> StepFailure:
    """An element action ran out of time: say what was wrong with the element."""
    count = await safe_count(locator)
    if count == 0:
        return not_found(sel)
    if count is not None and count > 1:
        return ambiguous(sel, count)
    if action == Action.SELECT and not await _has_option(locator, value or "", raw):
        return StepFailure(StepErrorType.ELEMENT_NOT_FOUND, f"Option {value!r} not found in {sel}")
    reason = await _why_not_interactable(locator, action, raw)
    if reason == _NO_REASON:
        # Nothing wrong with the element itself: the time went elsewhere,
        # typically a page load the action started that did not finish.
        what = "a page load it started did not finish" if "navigat" in raw else "it never settled"
        return StepFailure(StepErrorType.TIMEOUT, f"Timed out on {action} {sel}: {what}")
    return StepFailure(
        StepErrorType.ELEMENT_NOT_INTERACTABLE, f"Element not interactable: {sel} ({reason})"
    )


async def translate(
    exc: PlaywrightError,
    locator: Locator | None,
    selector: str | None,
    action: str,
    value: str | None = None,
) -> StepFailure:
    """Map a Playwright error raised by an element action to a StepFailure."""
    raw = str(exc)

    head = raw.split("Call log:", 1)[0]
    sel = selector or "(page)"
    if "strict mode violation" in head:
        match = _STRICT_RE.search(head)
        count = int(match.group(1)) if match else None
        if count is None and locator is not None:
            count = await safe_count(locator)
        return ambiguous(sel, count)
    if any(marker in head for marker in _BAD_SELECTOR_MARKERS):
        return StepFailure(
            StepErrorType.INVALID_STEP, f"Invalid selector {sel}: {first_line(head)}"
        )
    if "Unknown key" in head:
        return StepFailure(StepErrorType.INVALID_STEP, f"Unknown key {value!r} for press")
    for marker, reason in _NOT_INTERACTABLE_MARKERS:
        if marker in head:
            return StepFailure(
                StepErrorType.ELEMENT_NOT_INTERACTABLE,
                f"Element not interactable: {sel} ({reason})",
            )
    if isinstance(exc, PlaywrightTimeoutError) and locator is not None:
        return await _timed_out(locator, sel, action, value, raw)
    if isinstance(exc, PlaywrightTimeoutError):
        return StepFailure(StepErrorType.TIMEOUT, first_line(head))
    return StepFailure(StepErrorType.ERROR, first_line(head))
