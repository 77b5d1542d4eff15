"""bugbrain on real markup: the TodoMVC apps of ``tests/corpus/real/``.

Each app gets the same plain-English test (``tests.corpus.real_apps.flow``) and
a hand-written Playwright baseline of the same flow with the app's own CSS
selectors. Wherever the baseline passes, bugbrain must pass too: a person should
not need to know how an app draws its delete button, or when it finishes
loading, to test it in words.

By default three apps run, one per way of saying "delete this row" (and one of
them, flight, wires itself up late); ``BUGBRAIN_REAL_APPS=all`` runs all ten,
``BUGBRAIN_REAL_APPS=dojo,react`` the ones named. ``bench/real_apps.py`` prints
the same comparison as a table.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from playwright.async_api import async_playwright

from tests.corpus.real_apps import (
    APPS,
    BROWSER_ARGUMENTS,
    CHROMIUM,
    DELETE_PHRASINGS,
    App,
    Outcome,
    run_baseline,
    run_bugbrain,
    serve,
)

pytestmark = pytest.mark.browser

DEFAULT_APPS = ("vanillajs", "react", "flight")


def chosen_apps(wanted: str) -> list[str]:
    """The apps named by BUGBRAIN_REAL_APPS: none → DEFAULT_APPS; 'all'; or a list."""
    if not wanted.strip():
        return list(DEFAULT_APPS)
    if wanted.strip() == "all":
        return list(APPS)
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = [name for name in names if name not in APPS]
    if unknown:
        raise ValueError(f"BUGBRAIN_REAL_APPS names unknown apps {unknown}; known: {list(APPS)}")
    return names


async def _both(app: App) -> tuple[Outcome, Outcome]:
    with serve(app) as url:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=BROWSER_ARGUMENTS
            )
            try:
                baseline = await run_baseline(browser, app, url)
            finally:
                await browser.close()
        return baseline, await run_bugbrain(app, url)


def test_the_default_apps_say_delete_in_each_way() -> None:
    assert {APPS[name].delete for name in DEFAULT_APPS} == set(DELETE_PHRASINGS)


@pytest.mark.parametrize("name", chosen_apps(os.environ.get("BUGBRAIN_REAL_APPS", "")))
def test_bugbrain_passes_where_the_playwright_baseline_passes(name: str) -> None:
    baseline, bugbrain = asyncio.run(_both(APPS[name]))
    if not baseline.passed:
        pytest.skip(
            f"the hand-written Playwright baseline fails on {name} too, at "
            f"{baseline.failed_step!r}: {baseline.first_line()}"
        )
    if not bugbrain.passed:
        pytest.fail(
            f"{name}: the baseline passes, bugbrain fails at {bugbrain.failed_step!r} "
            f"({bugbrain.error_type}): {bugbrain.error}"
        )
