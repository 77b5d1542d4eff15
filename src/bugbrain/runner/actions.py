"""Execute one (validated, substituted) step on a Playwright page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from bugbrain.runner import errors
from bugbrain.runner.assertions import (
    assert_count,
    assert_hidden,
    assert_not_text,
    assert_text,
    assert_title,
    assert_url,
    assert_value,
    assert_visible,
)
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.step_context import NO_OUTCOME, Outcome, StepContext
from bugbrain.steps import urls
from bugbrain.steps.rules import (
    MAX_WAIT_MS,
    join_url,
    navigate_target,
    parse_wait_ms,
    wait_target,
)
from bugbrain.vocabulary import Action, StepErrorType


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


async def _press_key(page: Page, value: str | None) -> Outcome:
    """``press`` without an element: the key goes to whatever has the focus."""
    try:
        await page.keyboard.press(value or "")
    except PlaywrightError as exc:
        raise await errors.translate(exc, None, None, Action.PRESS, value) from None
    return NO_OUTCOME


Handler = Callable[[Page, str | None, str | None, StepContext], Awaitable[Outcome]]


async def _navigated(page: Page, sel: str | None, value: str | None, ctx: StepContext) -> Outcome:
    await _navigate(page, sel, value, ctx)
    return NO_OUTCOME


async def _waited(page: Page, sel: str | None, value: str | None, ctx: StepContext) -> Outcome:
    await _wait(page, sel, value, ctx)
    return NO_OUTCOME


async def _waited_hidden(
    page: Page, sel: str | None, value: str | None, ctx: StepContext
) -> Outcome:
    await _wait_hidden(page, sel or "", value, ctx)
    return NO_OUTCOME


# The actions that are not one of Playwright's element actions (those go
# through ``_element_action``). Validation already ensured what each needs.
_HANDLERS: Final[Mapping[str, Handler]] = {
    Action.NAVIGATE: _navigated,
    Action.WAIT: _waited,
    Action.WAIT_HIDDEN: _waited_hidden,
    Action.ASSERT_TEXT: lambda page, sel, value, ctx: assert_text(page, sel, value or "", ctx),
    Action.ASSERT_VISIBLE: lambda page, sel, _value, ctx: assert_visible(page, sel or "", ctx),
    Action.ASSERT_URL: lambda page, _sel, value, ctx: assert_url(page, value or "", ctx),
    Action.ASSERT_TITLE: lambda page, _sel, value, ctx: assert_title(page, value or "", ctx),
    Action.ASSERT_NOT_TEXT: lambda page, sel, value, ctx: assert_not_text(
        page, sel, value or "", ctx
    ),
    Action.ASSERT_HIDDEN: lambda page, sel, _value, ctx: assert_hidden(page, sel or "", ctx),
    Action.ASSERT_VALUE: lambda page, sel, value, ctx: assert_value(
        page, sel or "", value or "", ctx
    ),
    Action.ASSERT_COUNT: lambda page, sel, value, ctx: assert_count(
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
    return NO_OUTCOME
