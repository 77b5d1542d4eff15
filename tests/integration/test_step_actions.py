"""Step actions one at a time (``runner.actions.execute_step``) against real
Chromium and ``tests/pages/actions.html``: clear, scroll, wait_hidden,
assert_not_text, assert_hidden, assert_value and assert_count, with their
outcomes and failure messages, and the messages of the older actions.

That page changes 300 ms after loading: #spinner hides, #banner goes away, #later's
value becomes "new" and #grow gets a second item — the polling cases rely on it.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from bugbrain.runner.actions import execute_step
from bugbrain.runner.browser import BROWSER_ARGS, system_chromium
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.step_context import Outcome, StepContext
from bugbrain.vocabulary import StepErrorType

pytestmark = pytest.mark.browser

CHROMIUM = system_chromium(headless=True)
ARGS = BROWSER_ARGS  # the flags the runner launches with
PAGES = Path(__file__).resolve().parents[1] / "pages"
CTX = StepContext(element_timeout_ms=700, navigation_timeout_ms=5000, base_url=None)

T = TypeVar("T")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Session:
    def __init__(self) -> None:
        handler = functools.partial(_QuietHandler, directory=str(PAGES))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/actions.html"
        self.runner = asyncio.Runner()
        self.pw = self.run(async_playwright().start())
        self.browser: Browser = self.run(
            self.pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        )
        self.context: BrowserContext = self.run(self.browser.new_context())

    def run(self, coro: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await coro

        return self.runner.run(wrapped())

    def close(self) -> None:
        self.run(self.browser.close())
        self.run(self.pw.stop())
        self.runner.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    s = Session()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def tab(session: Session) -> Iterator[Page]:
    """A fresh page on actions.html (not named ``page``: pytest-playwright owns that)."""

    async def open_page() -> Page:
        p = await session.context.new_page()
        await p.goto(session.url)
        return p

    p = session.run(open_page())
    try:
        yield p
    finally:
        session.run(p.close())


@pytest.fixture
def step(session: Session, tab: Page) -> Any:
    def run(action: str, selector: str | None, value: str | None = None) -> Outcome:
        return session.run(execute_step(tab, action, selector, value, CTX))

    return run


@pytest.fixture
def fails(step: Any) -> Any:
    def run(action: str, selector: str | None, value: str | None = None) -> StepFailure:
        with pytest.raises(StepFailure) as info:
            step(action, selector, value)
        return info.value

    return run


def _value(session: Session, page: Page, selector: str) -> str:
    return session.run(page.locator(selector).input_value())


def test_clear(session: Session, tab: Page, step: Any, fails: Any) -> None:
    assert step("clear", "#name") == (None, None)
    assert _value(session, tab, "#name") == ""
    assert step("clear", "#bio") == (None, None)
    assert _value(session, tab, "#bio") == ""
    err = fails("clear", "#ro")
    assert (err.error_type, err.message) == (
        StepErrorType.ELEMENT_NOT_INTERACTABLE,
        "Element not interactable: #ro (read-only)",
    )
    err = fails("clear", "#nope")
    assert (err.error_type, err.message) == (
        StepErrorType.ELEMENT_NOT_FOUND,
        "Element not found: #nope",
    )
    err = fails("clear", "#msg")
    assert err.error_type == StepErrorType.ELEMENT_NOT_INTERACTABLE


def test_scroll(session: Session, tab: Page, step: Any, fails: Any) -> None:
    assert session.run(tab.evaluate("window.scrollY")) == 0
    assert step("scroll", "#far") == (None, None)
    assert session.run(tab.evaluate("window.scrollY")) > 1000
    err = fails("scroll", "#nope")
    assert err.error_type == StepErrorType.ELEMENT_NOT_FOUND
    err = fails("scroll", "#list li")
    assert (err.error_type, err.message) == (
        StepErrorType.AMBIGUOUS_SELECTOR,
        "Selector #list li matched 2 elements",
    )


def test_wait_hidden(step: Any, fails: Any) -> None:
    assert step("wait_hidden", "#spinner") == (None, None)  # hidden after 300 ms
    assert step("wait_hidden", "#banner") == (None, None)  # removed after 300 ms
    assert step("wait_hidden", ".err") == (None, None)  # already hidden
    assert step("wait_hidden", "#never-there") == (None, None)
    started = time.monotonic()
    err = fails("wait_hidden", "#msg", "250")
    assert time.monotonic() - started < 2
    assert (err.error_type, err.message) == (
        StepErrorType.TIMEOUT,
        "Timed out after 250 ms waiting for #msg to be hidden (element is still visible)",
    )
    err = fails("wait_hidden", "#msg")
    assert err.message.startswith("Timed out after 700 ms waiting for #msg")
    assert fails("wait_hidden", "#list li").error_type == StepErrorType.AMBIGUOUS_SELECTOR
    assert fails("wait_hidden", "!!bad((").error_type == StepErrorType.INVALID_STEP


def test_assert_not_text(step: Any, fails: Any) -> None:
    expected, actual = step("assert_not_text", None, "Crash report")
    assert expected == "not containing 'Crash report'"
    assert actual is not None
    assert "All good" in actual
    assert step("assert_not_text", None, "Warning: offline")[0]  # gone after 300 ms
    assert step("assert_not_text", None, "Error: invalid email")[0]  # hidden text is not seen
    assert step("assert_not_text", "#msg", "Profile")[0]  # only inside #msg
    assert step("assert_not_text", "#nope", "All good")[0]  # no element, no text
    err = fails("assert_not_text", None, "All good")
    assert err.error_type == StepErrorType.ASSERTION_FAILED
    assert err.message == "Unexpected text 'All good' found on page"
    assert err.expected == "not containing 'All good'"
    assert err.actual is not None
    assert "All good" in err.actual
    err = fails("assert_not_text", "#list", "two")
    assert err.message == "Unexpected text 'two' found in #list"
    assert fails("assert_not_text", "!!bad((", "x").error_type == StepErrorType.INVALID_STEP


def test_assert_hidden(step: Any, fails: Any) -> None:
    assert step("assert_hidden", ".err") == ("hidden", "hidden")
    assert step("assert_hidden", "#nope") == ("hidden", "absent")
    assert step("assert_hidden", "#spinner") == ("hidden", "hidden")  # after 300 ms
    assert step("assert_hidden", "#banner") == ("hidden", "absent")  # after 300 ms
    err = fails("assert_hidden", "#msg")
    assert (err.error_type, err.message, err.expected, err.actual) == (
        StepErrorType.ASSERTION_FAILED,
        "Expected #msg to be hidden but it is visible",
        "hidden",
        "visible",
    )
    err = fails("assert_hidden", "#list li")
    assert err.message == "Expected #list li to be hidden but 2 of 2 matching elements are visible"
    assert fails("assert_hidden", "!!bad((").error_type == StepErrorType.INVALID_STEP


def test_assert_value(step: Any, fails: Any) -> None:
    assert step("assert_value", "#name", "Ada") == ("Ada", "Ada")
    assert step("assert_value", "#name", "  Ada ") == ("Ada", "Ada")
    assert step("assert_value", "#bio", "Hello there") == ("Hello there", "  Hello there  ")
    assert step("assert_value", "#size", "m") == ("m", "m")
    assert step("assert_value", "#later", "new") == ("new", "new")  # changes after 300 ms
    err = fails("assert_value", "#name", "Bob")
    assert (err.error_type, err.message, err.expected, err.actual) == (
        StepErrorType.ASSERTION_FAILED,
        "Expected value 'Bob' in #name but was 'Ada'",
        "Bob",
        "Ada",
    )
    err = fails("assert_value", "#msg", "All good")
    assert (err.error_type, err.message) == (
        StepErrorType.ELEMENT_NOT_INTERACTABLE,
        "Element not interactable: #msg (not an input, textarea or select)",
    )
    assert fails("assert_value", "#nope", "x").error_type == StepErrorType.ELEMENT_NOT_FOUND
    assert fails("assert_value", "#list li", "x").error_type == StepErrorType.AMBIGUOUS_SELECTOR


def test_assert_count(step: Any, fails: Any) -> None:
    assert step("assert_count", "#list li", "2") == ("2", "2")
    assert step("assert_count", "#grow li", " 2 ") == ("2", "2")  # the 2nd comes at 300 ms
    assert step("assert_count", "#nope", "0") == ("0", "0")
    err = fails("assert_count", "#list li", "3")
    assert (err.error_type, err.message, err.expected, err.actual) == (
        StepErrorType.ASSERTION_FAILED,
        "Expected 3 elements matching #list li, found 2",
        "3",
        "2",
    )
    err = fails("assert_count", "#list li", "1")
    assert err.message == "Expected 1 element matching #list li, found 2"
    err = fails("assert_count", "#list li", "many")
    assert (err.error_type, err.message) == (
        StepErrorType.INVALID_STEP,
        "Action 'assert_count' needs a whole number of elements, got 'many'",
    )
    assert fails("assert_count", "#list li", "-1").error_type == StepErrorType.INVALID_STEP
    assert fails("assert_count", "!!bad((", "1").error_type == StepErrorType.INVALID_STEP


def test_old_actions_keep_their_messages(step: Any, fails: Any) -> None:
    assert step("assert_text", "#msg", "All good") == ("All good", "All good")
    err = fails("assert_text", "#msg", "Bad")
    assert err.message == "Expected text 'Bad' not found in #msg"
    err = fails("click", "#nope")
    assert err.message == "Element not found: #nope"
