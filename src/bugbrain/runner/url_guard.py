"""Defence in depth against pages that take a frame to a URL no test may open.

A step never opens anything but http(s) itself (``actions._navigate``), and
Chromium refuses to let an http page open ``file:`` URLs (links, redirects,
frames, ``fetch``, ``window.open``, ``location``), but a browser flag, a bug or
a scheme nobody thought of would let a page land there, and the next read of
the page would copy the server's files into the results. So every page of a
test's context is watched: a frame that commits to a URL ``urls.page_may_be_on``
refuses, or a response from such a URL, trips the guard.

Playwright reports navigations to the client whether or not anyone listens,
and ``response`` events are already subscribed for the evidence: the listeners
cost one Python call per navigation and per response, and no route handler
stands in any request's way.

Ordering makes a check after the fact enough: a document's content can only be
read after its commit, and the commit's event reaches the client before the
answer of any read of it. The session checks ``refused`` after every step (and
after every capture), and when it is set keeps nothing read since, blanks the
page (``blank``), and fails the step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from playwright.async_api import BrowserContext, Frame, Page, Response
from playwright.async_api import Error as PlaywrightError

from bugbrain.steps import urls

_BLANK_TIMEOUT_MS = 5000


class UrlGuard:
    """Watches the pages of one test attempt; ``refused`` is the first URL refused."""

    def __init__(self, on_refused: Callable[[], None] | None = None) -> None:
        self.refused: str | None = None
        self._on_refused = on_refused
        self._pages: list[Page] = []

    def attach(self, context: BrowserContext) -> None:
        """Watch every page the context opens (popups included); call before its first."""
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        if any(p is page for p in self._pages):
            return
        self._pages.append(page)
        page.on("framenavigated", self._on_frame)
        page.on("response", self._on_response)
        # A popup is announced once it has navigated: where it went is already known.
        for frame in page.frames:
            self._check(frame.url)

    def _on_frame(self, frame: Frame) -> None:
        self._check(frame.url)

    def _on_response(self, response: Response) -> None:
        self._check(response.url)

    def _check(self, url: str) -> None:
        if self.refused is None and not urls.page_may_be_on(url):
            self.refused = url
            if self._on_refused is not None:
                self._on_refused()

    @property
    def message(self) -> str:
        where = self.refused or ""
        return f"{urls.refusal(where)} (the page went there; nothing from it was kept)"

    async def blank(self, page: Page) -> bool:
        """Close the other pages and take ``page`` to about:blank, so that nothing
        reads what was there. False if the page would not go."""
        if page.url == "about:blank" and len(page.context.pages) == 1:
            return True
        for other in list(page.context.pages):
            if other is not page:
                with contextlib.suppress(Exception):  # closed already
                    await other.close()
        try:
            await page.goto("about:blank", timeout=_BLANK_TIMEOUT_MS)
        except PlaywrightError:
            return False
        return page.url == "about:blank"
