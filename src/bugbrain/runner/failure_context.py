"""What the page looked like when a step failed: the signals failure analysis
reads (is it an error page, a login page, is something still loading, …)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page


async def capture(page: Page) -> dict[str, Any]:
    """Signals about the page at the moment of failure; never raises."""
    return {}
