"""Trace groups sent without waiting for their answers (``internal_calls.TraceGroups``):
each step's calls still land inside its own group, in order, on a real Chromium."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from bugbrain.runner import internal_calls
from bugbrain.runner.browser import BROWSER_ARGS, system_chromium

pytestmark = pytest.mark.browser

PAGE = "<button onclick=\"this.textContent = 'clicked ' + (+this.dataset.n + 1)\">Go</button>"


async def _traced(path: Path) -> bool:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=system_chromium(headless=True), headless=True, args=BROWSER_ARGS
        )
        context = await browser.new_context()
        await context.tracing.start(snapshots=True)
        page = await context.new_page()
        await page.set_content(PAGE)
        groups = internal_calls.TraceGroups()
        fast = hasattr(internal_calls._channel(context.tracing), "tracingGroup")
        for n in range(1, 4):
            # No round trip between the group and the call it holds: the order
            # of the messages alone puts the call inside.
            await groups.open(page, f"step_{n}")
            await page.click("button")
            await page.evaluate(f"document.title = 'after step {n}'")
            await groups.close(page)
        await groups.settle()
        await context.tracing.stop(path=path)
        await browser.close()
        return fast


def test_each_step_s_calls_are_in_its_own_group(tmp_path: Path) -> None:
    path = tmp_path / "trace.zip"
    fast = asyncio.run(_traced(path))
    # Playwright's private channel is where this expects it: a Playwright
    # upgrade that moves it makes every group a round trip again (slower).
    assert fast
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".trace"))
        events = [json.loads(line) for line in archive.read(name).decode().splitlines()]
    befores = [e for e in events if e["type"] == "before"]
    groups = {e["callId"]: e["title"] for e in befores if e.get("method") == "tracingGroup"}
    assert list(groups.values()) == ["step_1", "step_2", "step_3"]
    inside = [
        (groups[e["parentId"]], e["method"])
        for e in befores
        if e.get("method") in ("click", "evaluateExpression")
    ]
    assert inside == [
        (f"step_{n}", method) for n in (1, 2, 3) for method in ("click", "evaluateExpression")
    ]
