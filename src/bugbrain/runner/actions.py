"""Execute one (validated, substituted) step on a Playwright page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from bugbrain.runner import errors
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner.errors import StepFailure
from bugbrain.steps import urls
from bugbrain.steps.rules import (
    MAX_WAIT_MS,
    join_url,
    navigate_target,
    normalize_ws,
    parse_wait_ms,
    truncate,
    wait_target,
)
from bugbrain.vocabulary import Action, StepErrorType

_POLL_INTERVAL_S = 0.1

# (expected, actual) reported in the step result; (None, None) for non-assertions.
Outcome = tuple[str | None, str | None]
_NO_OUTCOME: Outcome = (None, None)
# Errors of a first read that polling cannot cure.
_FINAL_READ_ERRORS = frozenset(
    {
        StepErrorType.INVALID_STEP,
        StepErrorType.AMBIGUOUS_SELECTOR,
        StepErrorType.ELEMENT_NOT_FOUND,
        StepErrorType.ELEMENT_NOT_INTERACTABLE,  # e.g. the value of something not a field
    }
)


@dataclass(frozen=True)
class StepContext:
    element_timeout_ms: int
    navigation_timeout_ms: int
    base_url: str | None


async def _poll(
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


def _remaining_ms(deadline: float) -> int:
    return max(1, int((deadline - asyncio.get_running_loop().time()) * 1000))


async def _stop_loading(page: Page) -> None:
    """Abort a pending navigation (else screenshots/evaluations wait for it)."""
    try:
        session = await page.context.new_cdp_session(page)
        try:
            await session.send("Page.stopLoading")
        finally:
            await session.detach()
    except PlaywrightError:
        pass


async def _navigate(page: Page, selector: str | None, value: str | None, ctx: StepContext) -> None:
    target = navigate_target(selector, value) or ""
    problem = urls.target_problem(target)
    if problem is not None:
        raise StepFailure(StepErrorType.INVALID_STEP, problem)
    try:
        url = join_url(ctx.base_url, target)
    except ValueError as exc:
        raise StepFailure(StepErrorType.INVALID_STEP, str(exc)) from None
    # The URL as built (from the base URL, after {{variables}}): never opened
    # unless http(s), so a test cannot read the server's files (file:, …).
    if not urls.openable(url):
        raise StepFailure(StepErrorType.INVALID_STEP, urls.refusal(url))
    try:
        response = await page.goto(url, timeout=ctx.navigation_timeout_ms)
    except PlaywrightTimeoutError:
        await _stop_loading(page)
        raise StepFailure(
            StepErrorType.TIMEOUT,
            f"Navigation to {url} timed out after {ctx.navigation_timeout_ms} ms",
        ) from None
    except PlaywrightError as exc:
        reason = errors.net_error_code(exc) or errors.first_line(exc)
        raise StepFailure(
            StepErrorType.NAVIGATION_ERROR, f"Navigation to {url} failed: {reason}"
        ) from None
    if response is not None and response.status >= 400:
        raise StepFailure(
            StepErrorType.NAVIGATION_ERROR, f"Navigation to {url} failed: HTTP {response.status}"
        )


async def _element_action(
    page: Page, action: str, selector: str, value: str | None, ctx: StepContext
) -> None:
    locator = page.locator(selector)
    timeout = ctx.element_timeout_ms
    try:
        if action == Action.CLICK:
            await locator.click(timeout=timeout)
        elif action == Action.FILL:
            await locator.fill(value or "", timeout=timeout)
        elif action == Action.SELECT:
            await locator.select_option(value or "", timeout=timeout)
        elif action == Action.CHECK:
            await locator.check(timeout=timeout)
        elif action == Action.UNCHECK:
            await locator.uncheck(timeout=timeout)
        elif action == Action.HOVER:
            await locator.hover(timeout=timeout)
        elif action == Action.PRESS:
            await locator.press(value or "", timeout=timeout)
        elif action == Action.CLEAR:
            await locator.clear(timeout=timeout)
        elif action == Action.SCROLL:
            await locator.scroll_into_view_if_needed(timeout=timeout)
        else:  # pragma: no cover - guarded by execute_step
            raise StepFailure(StepErrorType.INVALID_STEP, f"Unsupported element action {action!r}")
    except PlaywrightError as exc:
        raise await errors.translate(exc, locator, selector, action, value) from None


async def _first_read(
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


async def _wait(page: Page, selector: str | None, value: str | None, ctx: StepContext) -> None:
    sel, ms = wait_target(selector, value)
    if sel is None:
        await asyncio.sleep((ms or 0) / 1000)
        return
    timeout = int(ms) if ms is not None else ctx.element_timeout_ms
    locator = page.locator(sel)
    try:
        await locator.wait_for(state="visible", timeout=max(1, timeout))
    except PlaywrightTimeoutError:
        count = await errors.safe_count(locator)
        if count is not None and count > 1:
            raise errors.ambiguous(sel, count) from None
        why = "no matching element" if count == 0 else "element is hidden"
        raise StepFailure(
            StepErrorType.TIMEOUT,
            f"Timed out after {timeout} ms waiting for {sel} to be visible ({why})",
        ) from None
    except PlaywrightError as exc:
        raise await errors.translate(exc, locator, sel, Action.WAIT) from None


def _text_matches(expected: str, text: str) -> bool:
    return expected in text or normalize_ws(expected) in normalize_ws(text)


async def _assert_text(
    page: Page, selector: str | None, expected: str, ctx: StepContext
) -> Outcome:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.element_timeout_ms / 1000
    locator = page.locator(selector or "body")
    where = f"in {selector}" if selector else "on page"

    def read(timeout_ms: int) -> Awaitable[str]:
        return locator.inner_text(timeout=timeout_ms)

    first = await _first_read(
        locator, selector or "body", Action.ASSERT_TEXT, read, _remaining_ms(deadline)
    )
    text = first or ""
    ok = first is not None and _text_matches(expected, first)
    if not ok:  # not yet: poll like expect() until the deadline

        async def check() -> tuple[bool, str]:
            text = await read(min(1000, _remaining_ms(deadline)))
            return _text_matches(expected, text), text

        ok, text = await _poll(check, _remaining_ms(deadline), text)
    shown = truncate(normalize_ws(text))
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected text '{expected}' not found {where}",
            expected=expected,
            actual=shown,
        )
    return expected, shown


async def _assert_visible(page: Page, selector: str, ctx: StepContext) -> Outcome:
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


async def _assert_url(page: Page, expected: str, ctx: StepContext) -> Outcome:
    async def check() -> tuple[bool, str]:
        url = page.url
        return expected in url or urlsplit(url).path == expected, url

    ok, actual = await _poll(check, ctx.element_timeout_ms)
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected URL to contain '{expected}' but was '{actual}'",
            expected=expected,
            actual=actual,
        )
    return expected, actual


async def _assert_title(page: Page, expected: str, ctx: StepContext) -> Outcome:
    async def check() -> tuple[bool, str]:
        title = await page.title()
        return expected in title, title

    ok, actual = await _poll(check, ctx.element_timeout_ms)
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected title to contain '{expected}' but was '{actual}'",
            expected=expected,
            actual=actual,
        )
    return expected, actual


async def _check_selector(locator: Locator, selector: str, action: str) -> None:
    """Fail fast on a selector Playwright cannot parse (polling would hide it)."""
    try:
        await quiet.bounded(locator.count())
    except PlaywrightError as exc:
        raise await errors.translate(exc, locator, selector, action) from None


async def _wait_hidden(page: Page, selector: str, value: str | None, ctx: StepContext) -> None:
    ms = parse_wait_ms(value)
    timeout = int(min(ms, MAX_WAIT_MS)) if ms is not None else ctx.element_timeout_ms
    timeout = max(1, timeout)
    locator = page.locator(selector)
    try:
        await locator.wait_for(state="hidden", timeout=timeout)
    except PlaywrightTimeoutError:
        count = await errors.safe_count(locator)
        if count is not None and count > 1:
            raise errors.ambiguous(selector, count) from None
        raise StepFailure(
            StepErrorType.TIMEOUT,
            f"Timed out after {timeout} ms waiting for {selector} to be hidden "
            "(element is still visible)",
        ) from None
    except PlaywrightError as exc:
        raise await errors.translate(exc, locator, selector, Action.WAIT_HIDDEN) from None


async def _assert_not_text(
    page: Page, selector: str | None, unexpected: str, ctx: StepContext
) -> Outcome:
    locator = page.locator(selector) if selector else page.locator("body")
    where = f"in {selector}" if selector else "on page"
    if selector:
        await _check_selector(locator, selector, Action.ASSERT_NOT_TEXT)
    expected = f"not containing '{unexpected}'"

    async def check() -> tuple[bool, str]:
        text = "\n".join(await locator.all_inner_texts())
        return not _text_matches(unexpected, text), text

    ok, actual = await _poll(check, ctx.element_timeout_ms)
    shown = truncate(normalize_ws(actual))
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Unexpected text '{unexpected}' found {where}",
            expected=expected,
            actual=shown,
        )
    return expected, shown


async def _assert_hidden(page: Page, selector: str, ctx: StepContext) -> Outcome:
    locator = page.locator(selector)
    await _check_selector(locator, selector, Action.ASSERT_HIDDEN)
    seen = {"total": 0, "visible": 0}

    async def check() -> tuple[bool, str]:
        seen["total"] = await locator.count()
        seen["visible"] = await locator.filter(visible=True).count() if seen["total"] else 0
        if seen["total"] == 0:
            return True, "absent"
        return seen["visible"] == 0, "hidden" if seen["visible"] == 0 else "visible"

    ok, actual = await _poll(check, ctx.element_timeout_ms)
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


async def _assert_value(page: Page, selector: str, expected: str, ctx: StepContext) -> Outcome:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.element_timeout_ms / 1000
    locator = page.locator(selector)
    want = expected.strip()

    def read(timeout_ms: int) -> Awaitable[str]:
        return locator.input_value(timeout=timeout_ms)

    first = await _first_read(locator, selector, Action.ASSERT_VALUE, read, _remaining_ms(deadline))
    value = first or ""
    ok = first is not None and first.strip() == want
    if not ok:

        async def check() -> tuple[bool, str]:
            value = await read(min(1000, _remaining_ms(deadline)))
            return value.strip() == want, value

        ok, value = await _poll(check, _remaining_ms(deadline), value)
    if not ok:
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected value '{want}' in {selector} but was '{truncate(value)}'",
            expected=want,
            actual=truncate(value),
        )
    return want, value


async def _assert_count(page: Page, selector: str, value: str, ctx: StepContext) -> Outcome:
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
    await _check_selector(locator, selector, Action.ASSERT_COUNT)

    async def check() -> tuple[bool, str]:
        count = await locator.count()
        return count == expected, str(count)

    ok, actual = await _poll(check, ctx.element_timeout_ms)
    if not ok:
        noun = "element" if expected == 1 else "elements"
        raise StepFailure(
            StepErrorType.ASSERTION_FAILED,
            f"Expected {expected} {noun} matching {selector}, found {actual}",
            expected=str(expected),
            actual=actual,
        )
    return str(expected), actual


async def _press_key(page: Page, value: str | None) -> Outcome:
    """``press`` without an element: the key goes to whatever has the focus."""
    try:
        await page.keyboard.press(value or "")
    except PlaywrightError as exc:
        raise await errors.translate(exc, None, None, Action.PRESS, value) from None
    return _NO_OUTCOME


Handler = Callable[[Page, str | None, str | None, StepContext], Awaitable[Outcome]]


async def _navigated(page: Page, sel: str | None, value: str | None, ctx: StepContext) -> Outcome:
    await _navigate(page, sel, value, ctx)
    return _NO_OUTCOME


async def _waited(page: Page, sel: str | None, value: str | None, ctx: StepContext) -> Outcome:
    await _wait(page, sel, value, ctx)
    return _NO_OUTCOME


async def _waited_hidden(
    page: Page, sel: str | None, value: str | None, ctx: StepContext
) -> Outcome:
    await _wait_hidden(page, sel or "", value, ctx)
    return _NO_OUTCOME


# The actions that are not one of Playwright's element actions (those go
# through ``_element_action``). Validation already ensured what each needs.
_HANDLERS: Final[Mapping[str, Handler]] = {
    Action.NAVIGATE: _navigated,
    Action.WAIT: _waited,
    Action.WAIT_HIDDEN: _waited_hidden,
    Action.ASSERT_TEXT: lambda page, sel, value, ctx: _assert_text(page, sel, value or "", ctx),
    Action.ASSERT_VISIBLE: lambda page, sel, _value, ctx: _assert_visible(page, sel or "", ctx),
    Action.ASSERT_URL: lambda page, _sel, value, ctx: _assert_url(page, value or "", ctx),
    Action.ASSERT_TITLE: lambda page, _sel, value, ctx: _assert_title(page, value or "", ctx),
    Action.ASSERT_NOT_TEXT: lambda page, sel, value, ctx: _assert_not_text(
        page, sel, value or "", ctx
    ),
    Action.ASSERT_HIDDEN: lambda page, sel, _value, ctx: _assert_hidden(page, sel or "", ctx),
    Action.ASSERT_VALUE: lambda page, sel, value, ctx: _assert_value(
        page, sel or "", value or "", ctx
    ),
    Action.ASSERT_COUNT: lambda page, sel, value, ctx: _assert_count(
        page, sel or "", value or "", ctx
    ),
}


async def execute_step(
    page: Page, action: str, selector: str | None, value: str | None, ctx: StepContext
) -> Outcome:
    """Run one step. ``action`` is canonical and the step already validated/substituted.

    Raises StepFailure for reportable failures; other exceptions are the caller's.
    """
    if action == Action.PRESS and not selector:
        return await _press_key(page, value)
    handler = _HANDLERS.get(action)
    if handler is not None:
        return await handler(page, selector, value, ctx)
    if selector is None:
        raise StepFailure(StepErrorType.INVALID_STEP, f"Action '{action}' requires a selector")
    await _element_action(page, action, selector, value, ctx)
    return _NO_OUTCOME
