"""The runner's own reads of the page, kept out of the Playwright trace.

A Playwright trace records every API call, and around most of them (every
``evaluate``, ``count``, ``inner_text`` …) it serialises the whole DOM before and
after. To find, check and fingerprint elements the runner reads the page several
times per step; traced, those reads cost more than the step's own action and
crowd the trace viewer's timeline with calls nobody wrote. Sent as Playwright's
*internal* calls they are neither listed nor snapshotted, while the step's action
and assertions still are, so a trace reads like the trace of a hand-written test.

Playwright has no public switch for this: it is the private wrapper its own
helpers use, whose home and signature changed between releases. Both known
forms are handled (1.65's ``ChannelOwner._wrap_api_call`` and the older
``Connection.wrap_api_call``, checked with 1.45); with any other the call runs as
an ordinary, traced one (slower, never wrong), and a test in
``tests/integration/test_evidence.py`` notices.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

T = TypeVar("T")

# These reads take milliseconds (under a second on 20,000 elements), but
# Playwright puts no time limit on them: a page whose main thread is stuck in a
# script would hold the step, and the whole run, until the execution's deadline.
READ_TIMEOUT_S: Final = 5.0


class PageNotResponding(Exception):
    """A read of the page got no answer in time: its main thread is busy.

    Not a Playwright error on purpose: the readers that shrug those off and
    look again must not do so here, where each look would wait as long."""


def _wrapper_kind() -> str:
    try:  # 1.65 and later
        from playwright._impl.channel_owner import ChannelOwner

        if "options" in inspect.signature(ChannelOwner._wrap_api_call).parameters:
            return "options"
    except (ImportError, AttributeError):
        pass
    try:  # earlier releases (1.45 seen here)
        from playwright._impl._connection import Connection  # type: ignore[import-not-found,unused-ignore]

        if "is_internal" in inspect.signature(Connection.wrap_api_call).parameters:
            return "is_internal"
    except (ImportError, AttributeError):
        pass
    return ""  # pragma: no cover - a layout we do not know


_KIND = _wrapper_kind()


async def bounded(read: Awaitable[T]) -> T:
    """``await read`` (a Playwright read without a time limit of its own, such as
    ``count`` or ``title``); raises PageNotResponding after ``READ_TIMEOUT_S``."""
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            return await read
    except TimeoutError:
        raise PageNotResponding(
            f"The page did not respond within {READ_TIMEOUT_S:g} s: "
            "a script on it is probably running in a loop"
        ) from None


async def quietly(page: Page, call: Callable[[], Awaitable[T]]) -> T:
    """``await call()``, its Playwright calls on ``page`` sent as internal ones,
    within ``READ_TIMEOUT_S`` (``bounded``)."""
    return await bounded(_internal(page, call))


async def internally(page: Page, call: Callable[[], Awaitable[T]]) -> T:
    """``await call()`` as internal calls, without ``quietly``'s time limit: for
    waits that carry a limit of their own (``wait_for_load_state(timeout=…)``)."""
    return await _internal(page, call)


async def _internal(page: Page, call: Callable[[], Awaitable[T]]) -> T:
    impl: Any = getattr(page, "_impl_obj", None)
    result: T
    if impl is not None and _KIND == "options":
        from playwright._impl.channel_owner import ApiCallOptions  # type: ignore[attr-defined,unused-ignore]

        result = await impl._wrap_api_call(lambda _zone: call(), ApiCallOptions(internal=True))
    elif impl is not None and _KIND == "is_internal":  # pragma: no cover - older Playwright
        result = await impl._connection.wrap_api_call(call, True)
    else:  # pragma: no cover
        result = await call()
    return result


async def titled(page: Page, title: str, call: Callable[[], Awaitable[T]]) -> T:
    """``await call()``, traced under ``title`` in the trace viewer's action list
    (where Playwright's private wrapper takes one; else under its own name)."""
    impl: Any = getattr(page, "_impl_obj", None)
    if impl is not None and _KIND == "options":
        from playwright._impl.channel_owner import ApiCallOptions  # type: ignore[attr-defined,unused-ignore]

        result: T = await impl._wrap_api_call(lambda _zone: call(), ApiCallOptions(title=title))
        return result
    return await call()  # pragma: no cover - older Playwright


async def evaluate(page: Page, script: str, arg: Any = None) -> Any:
    """``page.evaluate(script, arg)``, untraced."""
    return await quietly(page, lambda: page.evaluate(script, arg))


async def evaluate_all(page: Page, selector: str, script: str, arg: Any = None) -> Any:
    """``page.locator(selector).evaluate_all(script, arg)``, untraced."""
    return await quietly(page, lambda: page.locator(selector).evaluate_all(script, arg))


async def count(page: Page, selector: str) -> int:
    """``page.locator(selector).count()``, untraced."""
    return await quietly(page, lambda: page.locator(selector).count())


class TraceGroups:
    """Open and close trace groups without waiting for Playwright's answers.

    Awaited, each ``tracing.group`` / ``group_end`` is a round trip to the
    driver: two per step, measured at ~3 ms a step (docs/benchmarks.md). The
    driver handles its messages one at a time in the order sent (one
    ``setImmediate`` each), and a group is opened or closed synchronously there,
    so a call sent after ``open`` is inside the group whether or not its answer
    has come back. The answers are awaited in ``settle``, at the end of a test.
    Where Playwright's private channel is not where this expects it, each call
    is awaited at once instead (slower, never wrong).
    """

    def __init__(self) -> None:
        self._pending: list[Awaitable[Any]] = []

    async def open(self, page: Page, title: str) -> None:
        """Open group ``title`` in ``page``'s trace; raises Playwright's error if
        it cannot be sent."""
        tracing = page.context.tracing
        channel = _channel(tracing)
        if hasattr(channel, "tracingGroup"):
            self._pending.append(channel.tracingGroup(name=title, location=None))
        else:  # pragma: no cover - a layout we do not know
            await tracing.group(title)

    async def close(self, page: Page) -> None:
        tracing = page.context.tracing
        channel = _channel(tracing)
        if hasattr(channel, "tracingGroupEnd"):
            self._pending.append(channel.tracingGroupEnd())
        else:  # pragma: no cover
            await tracing.group_end()

    async def settle(self) -> None:
        """Collect the answers; a group the context refused (closed) changes nothing."""
        pending, self._pending = self._pending, []
        for outcome in await asyncio.gather(*pending, return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, PlaywrightError):
                raise outcome


def _channel(tracing: Any) -> Any:
    return getattr(getattr(tracing, "_impl_obj", None), "_channel", None)
