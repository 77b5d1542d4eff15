"""The ``assert_*`` steps: read the page until the expectation holds or time runs out.

Polling like Playwright's ``expect``; the actual value reported is the last one read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from bugbrain.runner import errors
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.step_context import Outcome, StepContext
from bugbrain.steps.rules import (
    normalize_ws,
    truncate,
)
from bugbrain.vocabulary import Action, StepErrorType

_POLL_INTERVAL_S = 0.1


# Errors of a first read that polling cannot cure.
_FINAL_READ_ERRORS = frozenset(
    {
        StepErrorType.INVALID_STEP,
        StepErrorType.AMBIGUOUS_SELECTOR,
        StepErrorType.ELEMENT_NOT_FOUND,
        StepErrorType.ELEMENT_NOT_INTERACTABLE,  # e.g. the value of something not a field
    }
)


async def poll(
    check: Callable[[], Awaitable[tuple[bool, str]]], timeout_ms: int, actual: str = ""
) -> tuple[bool, str]:
    """Re-run ``check`` until it passes or ``timeout_ms`` elapses (expect-style).

    The actual value reported is the last one read (``actual`` if none was)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000
    while True:
        try:
            ok, actual = await quiet.bounded(check())
        except PlaywrightError:
            ok = False  # e.g. execution context destroyed mid-navigation: retry
        if ok:
            return True, actual
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False, actual
        await asyncio.sleep(min(_POLL_INTERVAL_S, remaining))


def remaining_ms(deadline: float) -> int:
    return max(1, int((deadline - asyncio.get_running_loop().time()) * 1000))


async def first_read(
    locator: Locator,
    selector: str,
    action: str,
    read: Callable[[int], Awaitable[str]],
    timeout_ms: int,
) -> str | None:
    """Read from exactly one element, waiting for it to be attached.

    One driver round trip when the element is there: the read itself waits and
    is strict. Raises element_not_found / ambiguous_selector / invalid_step;
    None after a passing error (e.g. a navigation destroyed the context): poll.
    """
    try:
        return await read(timeout_ms)
    except PlaywrightTimeoutError:
        count = await errors.safe_count(locator)
        if count is not None and count > 1:
            raise errors.ambiguous(selector, count) from None
        raise errors.not_found(selector) from None
    except PlaywrightError as exc:
        failure = await errors.translate(exc, locator, selector, action)
        if failure.error_type in _FINAL_READ_ERRORS:
            raise failure from None
        return None


def text_matches(expected: str, text: str) -> bool:
    return expected in text or normalize_ws(expected) in normalize_ws(text)


async def assert_text(page: Page, selector: str | None, expected: str, ctx: StepContext) -> Outcome:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.element_timeout_ms / 1000
    locator = page.locator(selector or "body")
    where = f"in {selector}" if selector else "on page"

    def read(timeout_ms: int) -> Awaitable[str]:
        return locator.inner_text(timeout=timeout_ms)

    first = await first_read(
        locator, selector or "body", Action.ASSERT_TEXT, read, remaining_ms(deadline)
    )
    text = first or ""
    ok = first is not None and text_matches(expected, first)
    if not ok:  # not yet: poll like expect() until the deadline

        async def check() -> tuple[bool, str]:
            text = await read(min(1000, remaining_ms(deadline)))
            return text_matches(expected, text), text

        ok, text = await poll(check, remaining_ms(deadline), text)
    shown = truncate(normalize_ws(text))
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected text '{expected}' not found {where}",
            expected=expected,
            actual=shown,
        )
    return expected, shown


async def assert_visible(page: Page, selector: str, ctx: StepContext) -> Outcome:
    locator = page.locator(selector)
    try:
        await locator.wait_for(state="visible", timeout=ctx.element_timeout_ms)
    except PlaywrightTimeoutError:
        count = await errors.safe_count(locator)
        if count == 0:
            raise errors.not_found(selector) from None
        if count is not None and count > 1:
            raise errors.ambiguous(selector, count) from None
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected {selector} to be visible but it is hidden",
            expected="visible",
            actual="hidden",
        ) from None
    except PlaywrightError as exc:
        raise await errors.translate(exc, locator, selector, Action.ASSERT_VISIBLE) from None
    return "visible", "visible"


async def assert_url(page: Page, expected: str, ctx: StepContext) -> Outcome:
    async def check() -> tuple[bool, str]:
        url = page.url
        return expected in url or urlsplit(url).path == expected, url

    ok, actual = await poll(check, ctx.element_timeout_ms)
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected URL to contain '{expected}' but was '{actual}'",
            expected=expected,
            actual=actual,
        )
    return expected, actual


async def assert_title(page: Page, expected: str, ctx: StepContext) -> Outcome:
    async def check() -> tuple[bool, str]:
        title = await page.title()
        return expected in title, title

    ok, actual = await poll(check, ctx.element_timeout_ms)
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected title to contain '{expected}' but was '{actual}'",
            expected=expected,
            actual=actual,
        )
    return expected, actual


async def check_selector(locator: Locator, selector: str, action: str) -> None:
    """Fail fast on a selector Playwright cannot parse (polling would hide it)."""
    try:
        await quiet.bounded(locator.count())
    except PlaywrightError as exc:
        raise await errors.translate(exc, locator, selector, action) from None


async def assert_not_text(
    page: Page, selector: str | None, unexpected: str, ctx: StepContext
) -> Outcome:
    locator = page.locator(selector) if selector else page.locator("body")
    where = f"in {selector}" if selector else "on page"
    if selector:
        await check_selector(locator, selector, Action.ASSERT_NOT_TEXT)
    expected = f"not containing '{unexpected}'"

    async def check() -> tuple[bool, str]:
        text = "\n".join(await locator.all_inner_texts())
        return not text_matches(unexpected, text), text

    ok, actual = await poll(check, ctx.element_timeout_ms)
    shown = truncate(normalize_ws(actual))
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Unexpected text '{unexpected}' found {where}",
            expected=expected,
            actual=shown,
        )
    return expected, shown


async def assert_hidden(page: Page, selector: str, ctx: StepContext) -> Outcome:
    locator = page.locator(selector)
    await check_selector(locator, selector, Action.ASSERT_HIDDEN)
    seen = {"total": 0, "visible": 0}

    async def check() -> tuple[bool, str]:
        seen["total"] = await locator.count()
        seen["visible"] = await locator.filter(visible=True).count() if seen["total"] else 0
        if seen["total"] == 0:
            return True, "absent"
        return seen["visible"] == 0, "hidden" if seen["visible"] == 0 else "visible"

    ok, actual = await poll(check, ctx.element_timeout_ms)
    if ok:
        return "hidden", actual
    total, visible = seen["total"], seen["visible"]
    if total <= 1:
        message = f"Expected {selector} to be hidden but it is visible"
    else:
        message = (
            f"Expected {selector} to be hidden but {visible} of {total} matching elements "
            "are visible"
        )
    raise StepFailure(StepErrorType.ASSERTION_FAILED, message, expected="hidden", actual="visible")


async def assert_value(page: Page, selector: str, expected: str, ctx: StepContext) -> Outcome:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.element_timeout_ms / 1000
    locator = page.locator(selector)
    want = expected.strip()

    def read(timeout_ms: int) -> Awaitable[str]:
        return locator.input_value(timeout=timeout_ms)

    first = await first_read(locator, selector, Action.ASSERT_VALUE, read, remaining_ms(deadline))
    value = first or ""
    ok = first is not None and first.strip() == want
    if not ok:

        async def check() -> tuple[bool, str]:
            value = await read(min(1000, remaining_ms(deadline)))
            return value.strip() == want, value

        ok, value = await poll(check, remaining_ms(deadline), value)
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected value '{want}' in {selector} but was '{truncate(value)}'",
            expected=want,
            actual=truncate(value),
        )
    return want, value


async def assert_count(page: Page, selector: str, value: str, ctx: StepContext) -> Outcome:
    try:
        expected = int(value.strip())
    except ValueError:
        expected = -1
    if expected < 0:
        raise StepFailure(
            StepErrorType.INVALID_STEP,
            f"Action 'assert_count' needs a whole number of elements, got '{value}'",
        )
    locator = page.locator(selector)
    await check_selector(locator, selector, Action.ASSERT_COUNT)

    async def check() -> tuple[bool, str]:
        count = await locator.count()
        return count == expected, str(count)

    ok, actual = await poll(check, ctx.element_timeout_ms)
    if not ok:
        noun = "element" if expected == 1 else "elements"
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected {expected} {noun} matching {selector}, found {actual}",
            expected=str(expected),
            actual=actual,
        )
    return str(expected), actual
