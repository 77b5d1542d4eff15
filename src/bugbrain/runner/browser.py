"""Chromium for a run: which executable, with which flags, launched ahead or now.

``Launched`` starts Playwright and launches the browser (a warm runner does so
before its spec arrives), then runs one spec's ``Session`` on it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Final

from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from bugbrain.contract.events import Emit
from bugbrain.contract.spec import RunSpec
from bugbrain.runner import errors
from bugbrain.runner.session import Session

log = logging.getLogger(__name__)

BROWSER_ARGS: Final[list[str]] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SYSTEM_CHROMIUM: Final = "/usr/bin/chromium"
# Debian's chromium-headless-shell: Chromium's old headless mode, the browser
# Playwright itself picks for headless runs. The full browser in headless mode
# spends about five times its CPU per test (docs/benchmarks.md), which decides
# how many tests run at once on a small machine.
SYSTEM_HEADLESS_SHELL: Final = "/usr/lib/chromium/chromium-headless-shell"


class BrowserLaunchError(RuntimeError):
    """The browser (or the Playwright driver) could not be started."""


def system_chromium(headless: bool) -> str:
    """The system's Chromium for this mode: the headless shell when it is installed."""
    if headless and os.path.exists(SYSTEM_HEADLESS_SHELL):
        return SYSTEM_HEADLESS_SHELL
    return SYSTEM_CHROMIUM


def _executable(pw: Playwright, configured: str | None, headless: bool) -> str | None:
    """Explicit path; else Playwright's own browsers if installed (None: it picks its
    headless shell for headless runs); else the system's (``system_chromium``)."""
    if configured:
        return configured
    try:
        own = pw.chromium.executable_path
    except Exception:  # noqa: BLE001 - pragma: no cover; any trouble there: the system's browser
        own = ""
    return None if own and os.path.exists(own) else system_chromium(headless)


async def run_spec(spec: RunSpec, emit: Emit) -> None:
    """Run every test of ``spec``; emit events; raise BrowserLaunchError if no browser.

    Emits ``browser_started``, per test ``test_started`` / ``step_finished``* /
    ``test_finished`` (skipped tests: only ``step_finished``* and ``test_finished``),
    and finally ``done``.
    """
    async with Launched(spec.chromium_path, spec.headless) as launched:
        await launched.run(spec, emit)


class Launched:
    """Playwright started and Chromium launched, ready for one spec.

    A warm runner enters this before its spec arrives, so that neither start-up
    is on the execution's critical path. A launch that fails is raised by
    ``run`` (as BrowserLaunchError), where it fails the execution it was for.
    """

    def __init__(self, chromium_path: str | None, headless: bool) -> None:
        self.chromium_path = chromium_path
        self.headless = headless
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._error: BrowserLaunchError | None = None

    async def __aenter__(self) -> Launched:
        try:
            self._pw = await async_playwright().start()
        except Exception as exc:  # noqa: BLE001 - whatever it is, the run fails as a launch failure
            self._error = BrowserLaunchError(
                f"Playwright failed to start: {errors.first_line(exc)}"
            )
            return self
        await self._launch()
        return self

    async def _launch(self) -> None:
        assert self._pw is not None
        try:
            self._browser = await self._pw.chromium.launch(
                executable_path=_executable(self._pw, self.chromium_path, self.headless),
                headless=self.headless,
                args=BROWSER_ARGS,
            )
            self._error = None
        except Exception as exc:  # noqa: BLE001 - whatever it is, the run fails as a launch failure
            self._browser = None
            self._error = BrowserLaunchError(errors.first_line(exc))

    async def run(
        self, spec: RunSpec, emit: Emit, secrets: Mapping[str, str] | None = None
    ) -> None:
        """Run ``spec`` with this browser (launched again if the spec wants another);
        ``secrets`` are its secret variables, opened (``runner.redact``)."""
        os.makedirs(spec.artifacts_dir, exist_ok=True)
        wanted = (spec.chromium_path, spec.headless)
        if self._pw is not None and wanted != (self.chromium_path, self.headless):
            await self._close_browser()
            self.chromium_path, self.headless = wanted
            await self._launch()
        elif self._pw is not None and (self._browser is None or not self._browser.is_connected()):
            # Launched ahead but gone since, or that launch failed: one more try.
            why = self._error or "it exited"
            log.warning("the browser launched ahead is not there (%s); launching again", why)
            self._browser = None
            await self._launch()
        if self._error is not None:
            raise self._error
        assert self._browser is not None
        emit({"event": "browser_started", "browser_version": self._browser.version})
        await Session(spec, self._browser, emit, secrets).run_all()
        await self._close_browser()
        emit({"event": "done"})

    async def _close_browser(self) -> None:
        browser, self._browser = self._browser, None
        if browser is None:
            return
        try:
            await browser.close()
        except PlaywrightError as exc:
            log.warning("closing browser failed: %s", errors.first_line(exc))

    async def __aexit__(self, *exc: object) -> None:
        await self._close_browser()
        if self._pw is not None:
            await self._pw.stop()


async def launch_check(chromium_path: str | None, headless: bool) -> str | None:
    """Start Playwright and launch Chromium as a run would, then close both: None
    when that worked, else why not (``/readyz``)."""
    async with Launched(chromium_path, headless) as launched:
        return None if launched._error is None else str(launched._error)
