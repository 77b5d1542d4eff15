"""Step screenshots and the failing page's archive, taken through the page's
own DevTools session.

``page.screenshot`` is one more traced action: with the default trace it also
records DOM snapshots before and after, and it encodes a compact PNG.
``Page.captureScreenshot`` with ``optimizeForSpeed`` skips both (21-33 ms
against 36-45 ms untraced, docs/benchmarks.md), for PNGs about half again as
large. The file is written off the event loop.

A capture still costs ~25 ms of a step's time, most of it Chromium compositing,
copying and encoding a whole frame (CPU, not waiting: docs/benchmarks.md), and
it cannot overlap whatever changes the page next without risking a later
state than the step's own. ``Shutter`` lets it overlap what only reads.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any, Final

from playwright.async_api import CDPSession, Page

from bugbrain.runner import internal_calls as quiet

_PARAMS: Final = {"format": "png", "optimizeForSpeed": True}
log = logging.getLogger(__name__)

# An archive holds every image of the page; past this it is not kept.
MAX_ARCHIVE_BYTES: Final = 25 * 1024 * 1024


class Camera:
    """Screenshots of one page (one test attempt)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._session: CDPSession | None = None
        self.page_busy = False  # a read went unanswered: captures would wait as long
        self.marked = False  # a step's end was marked in the trace (``mark``)

    async def _cdp(self) -> CDPSession:
        if self._session is None:
            self._session = await self.page.context.new_cdp_session(self.page)
        return self._session

    async def capture(self, path: str, timeout_s: float) -> None:
        """Write a PNG of the viewport to ``path``; raises on failure or timeout."""
        async with asyncio.timeout(timeout_s):
            shot = await (await self._cdp()).send("Page.captureScreenshot", _PARAMS)
        await asyncio.to_thread(_write, path, base64.b64decode(shot["data"]))

    async def mark(self, expression: str, title: str, timeout_s: float) -> None:
        """Evaluate ``expression`` (contract/step_snapshots.py ``marker``): with DOM
        snapshots on, the trace keeps the page as it is now under this call,
        listed as ``title``."""
        page = self.page
        async with asyncio.timeout(timeout_s):
            await quiet.titled(page, title, lambda: page.evaluate(expression))
        self.marked = True

    async def capture_when_ready(self, path: str, timeout_ms: float) -> None:
        """``capture`` through ``page.screenshot``: slower, but it waits for the page
        to have a frame, which a page that has just navigated may not have yet."""
        await self.page.screenshot(path=path, timeout=timeout_ms)

    async def archive(self, path: str, timeout_s: float) -> None:
        """Write the page (DOM, styles, images) as one MHTML file to ``path``, which
        Chromium opens as it was; raises on failure, timeout or an oversized page."""
        async with asyncio.timeout(timeout_s):
            snap = await (await self._cdp()).send("Page.captureSnapshot", {"format": "mhtml"})
        data = str(snap["data"]).encode()
        if len(data) > MAX_ARCHIVE_BYTES:
            raise ValueError(f"the page archive is {len(data) >> 20} MiB, over the limit")
        await asyncio.to_thread(_write, path, data)


def _write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


class Shutter:
    """A passed step's screenshot, taken while the next step only looks.

    While the next step only reads the page (an assertion, a wait, finding its
    target in words) the capture runs beside it; whatever would change the page
    (an action, a hover, leaving it) first waits for it (``settle``), so a step's
    screenshot never shows a later step's doing. One capture at a time.
    """

    def __init__(self) -> None:
        self._pending: asyncio.Task[None] | None = None

    async def start(
        self,
        capture: Coroutine[Any, Any, str | None],
        developed: Callable[[str | None], None],
    ) -> None:
        """Take ``capture`` in the background; ``developed`` then gets what it made."""
        await self.settle()
        self._pending = asyncio.ensure_future(_develop(capture, developed))

    async def settle(self) -> None:
        """Wait for the capture under way, if any, and its ``developed``."""
        task, self._pending = self._pending, None
        if task is not None:
            await task


async def _develop(
    capture: Coroutine[Any, Any, str | None], developed: Callable[[str | None], None]
) -> None:
    try:
        taken = await capture
    except Exception:  # a bug in the capture must not lose the step's result
        log.exception("screenshot failed")
        taken = None
    developed(taken)
