"""Step screenshots, taken through the page's own DevTools session.

``page.screenshot`` is one more traced action: with the default trace it also
records DOM snapshots before and after, and it encodes a compact PNG.
``Page.captureScreenshot`` with ``optimizeForSpeed`` skips both (21-33 ms
against 36-45 ms untraced, docs/benchmarks.md), for PNGs about half again as
large. The file is written off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Final

from playwright.async_api import CDPSession, Page

_PARAMS: Final = {"format": "png", "optimizeForSpeed": True}


class Camera:
    """Screenshots of one page (one test attempt)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._session: CDPSession | None = None

    async def capture(self, path: str, timeout_s: float) -> None:
        """Write a PNG of the viewport to ``path``; raises on failure or timeout."""
        async with asyncio.timeout(timeout_s):
            if self._session is None:
                self._session = await self.page.context.new_cdp_session(self.page)
            shot = await self._session.send("Page.captureScreenshot", _PARAMS)
        await asyncio.to_thread(_write, path, base64.b64decode(shot["data"]))


def _write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
