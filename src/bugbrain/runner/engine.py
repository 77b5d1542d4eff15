"""Run a RunSpec with Playwright: one browser, one fresh context per test, events via ``emit``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from bugbrain.contract.spec import RunSpec, StepResult, StepSpec, TestResult, TestSpec
from bugbrain.runner import errors, evidence, failure_context, plan_step
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner import perform as act
from bugbrain.runner.actions import StepContext
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.screenshots import Camera
from bugbrain.runner.url_guard import UrlGuard
from bugbrain.steps.rules import (
    VariableMissingError,
    normalize_action,
    safe_name,
    should_screenshot,
    step_display_name,
    substitute,
)

log = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], None]

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
_SCREENSHOT_TIMEOUT_MS: Final = 10_000


class BrowserLaunchError(RuntimeError):
    """The browser (or the Playwright driver) could not be started."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _elapsed_ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


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
    except Exception:  # pragma: no cover - defensive
        own = ""
    return None if own and os.path.exists(own) else system_chromium(headless)


def _dir_names(tests: tuple[TestSpec, ...]) -> dict[int, str]:
    counts = Counter(t.test_id for t in tests)
    return {
        t.position: safe_name(t.test_id if counts[t.test_id] == 1 else f"{t.position}_{t.test_id}")
        for t in tests
    }


def _file_names(steps: tuple[StepSpec, ...]) -> list[str]:
    counts = Counter(s.step_id for s in steps)
    return [
        safe_name(s.step_id if counts[s.step_id] == 1 else f"{i}_{s.step_id}")
        for i, s in enumerate(steps)
    ]


def _preview(step: StepSpec, variables: dict[str, str]) -> tuple[str | None, str | None]:
    """Selector and value substituted where possible (for skipped steps)."""
    try:
        return substitute(step.selector, variables), substitute(step.value, variables)
    except VariableMissingError:
        return step.selector, step.value


def _step_result(step: StepSpec, selector: str | None, value: str | None) -> StepResult:
    return {
        "step_id": step.step_id,
        "name": step_display_name(step.description, step.action, selector, value),
        "action": normalize_action(step.action) if step.action.strip() else "",
        "selector": selector,
        "value": value,
        "status": "skipped",
        "duration_ms": 0,
        "error": None,
        "error_type": None,
        "expected": None,
        "actual": None,
        "screenshot": None,
        "url": None,
    }


class _Runner:
    def __init__(self, spec: RunSpec, browser: Browser, emit: Emit) -> None:
        self.spec = spec
        self.browser = browser
        self.emit = emit
        self.variables = dict(spec.variables)
        self.ctx = StepContext(
            element_timeout_ms=spec.element_wait_timeout_ms,
            navigation_timeout_ms=spec.navigation_timeout_ms,
            base_url=spec.base_url,
        )
        self.dirs = _dir_names(spec.tests)
        self.semaphore = asyncio.Semaphore(spec.parallelism)
        self.opening = asyncio.Semaphore(1)
        self.stopped = False

    async def run_all(self) -> None:
        ordered = sorted(self.spec.tests, key=lambda t: t.position)
        await asyncio.gather(*(self._guarded(test) for test in ordered))

    async def _guarded(self, test: TestSpec) -> None:
        async with self.semaphore:
            if self.stopped:
                result = self._skipped_test(test)
            else:
                try:
                    result = await self._run_test(test)
                except Exception as exc:  # a bug or a dead browser: fail this test only
                    log.exception("test %s crashed", test.test_id)
                    result = self._skipped_test(test, emit_steps=False)
                    result["status"] = "failed"
                    result["error"] = errors.first_line(exc)
                    result["error_type"] = errors.ERROR
                if result["status"] == "failed" and self.spec.stop_on_first_failure:
                    self.stopped = True
        self.emit({"event": "test_finished", "position": test.position, "result": result})

    def _skipped_test(self, test: TestSpec, emit_steps: bool = True) -> TestResult:
        steps = [_step_result(s, *_preview(s, self.variables)) for s in test.steps]
        for step_result in steps if emit_steps else ():
            self.emit({"event": "step_finished", "position": test.position, "step": step_result})
        return {
            "test_id": test.test_id,
            "name": test.name,
            "status": "skipped",
            "started_at": None,
            "duration_ms": 0,
            "error": None,
            "error_type": None,
            "failed_step_id": None,
            "screenshot": None,
            "final_url": None,
            "steps": steps,
        }

    async def _open_page(
        self, recorder: evidence.Recorder, guard: UrlGuard
    ) -> tuple[BrowserContext, Page]:
        # One at a time: a context and its first page (a new renderer process) are
        # CPU work, and tests that start together only queue for the cores and
        # then wait in step; staggered, one test's set-up overlaps the others'
        # waits (benchmark 2 in docs/benchmarks.md).
        async with self.opening:
            return await self._open_page_now(recorder, guard)

    async def _open_page_now(
        self, recorder: evidence.Recorder, guard: UrlGuard
    ) -> tuple[BrowserContext, Page]:
        context = await self.browser.new_context(viewport={"width": 1280, "height": 720})
        try:
            guard.attach(context)
            context.set_default_timeout(self.spec.element_wait_timeout_ms)
            context.set_default_navigation_timeout(self.spec.navigation_timeout_ms)
            if self.spec.trace_mode != "off":
                # Always recorded, kept per trace_mode: a failure cannot be foreseen.
                # No screencast (~40 ms per navigation); DOM snapshots around every
                # action only when the plan asks (5-10 % of run time, docs/benchmarks.md):
                # a failing test keeps its page as an MHTML archive instead.
                await context.tracing.start(screenshots=False, snapshots=self.spec.trace_snapshots)
            page = await context.new_page()
            guard.watch(page)
            recorder.attach(page)
            return context, page
        except BaseException:
            await context.close()
            raise

    async def _run_test(self, test: TestSpec) -> TestResult:
        """Run a test, and again up to ``retries`` times while it fails; a pass
        after a failure is ``flaky``, and every attempt's evidence is kept."""
        started_at, start = now_iso(), time.monotonic()
        self.emit(
            {
                "event": "test_started",
                "position": test.position,
                "test_id": test.test_id,
                "started_at": started_at,
            }
        )
        attempts: list[TestResult] = []
        for attempt in range(1, self.spec.retries + 2):
            attempts.append(await self._run_attempt(test, attempt))
            if attempts[-1]["status"] == "passed":
                break
        final: TestResult = {**attempts[-1]}
        final["started_at"] = started_at
        final["duration_ms"] = _elapsed_ms(start)
        final["flaky"] = len(attempts) > 1 and final["status"] == "passed"
        if len(attempts) > 1:
            final["attempts"] = [{"attempt": n, **a} for n, a in enumerate(attempts, start=1)]
        return final

    async def _run_attempt(self, test: TestSpec, attempt: int) -> TestResult:
        started_at, start = now_iso(), time.monotonic()
        rel_dir = self.dirs[test.position] + ("" if attempt == 1 else f"/attempt_{attempt}")
        recorder = evidence.Recorder()
        # Once a page lands on a URL no test may open, nothing more is recorded.
        guard = UrlGuard(on_refused=recorder.stop)
        result: TestResult = {
            "test_id": test.test_id,
            "name": test.name,
            "status": "passed",
            "started_at": started_at,
            "duration_ms": 0,
            "error": None,
            "error_type": None,
            "failed_step_id": None,
            "screenshot": None,
            "final_url": None,
            "steps": [],
            "evidence": recorder.evidence,
        }
        context: BrowserContext | None = None
        page: Page | None = None
        try:
            context, page = await self._open_page(recorder, guard)
        except Exception as exc:
            result["status"] = "failed"
            result["error_type"] = errors.ERROR
            result["error"] = f"Could not open a browser page: {errors.first_line(exc)}"
        try:
            files = _file_names(test.steps)
            camera = Camera(page) if page is not None else None
            for step, file_name in zip(test.steps, files, strict=True):
                if page is None or camera is None or result["status"] == "failed":
                    step_result = _step_result(step, *_preview(step, self.variables))
                else:
                    step_result = await self._run_step(
                        page, camera, guard, rel_dir, step, file_name
                    )
                    if step_result["status"] == "failed":
                        result["status"] = "failed"
                        result["error"] = step_result["error"]
                        result["error_type"] = step_result["error_type"]
                        result["failed_step_id"] = step.step_id
                        result["screenshot"] = step_result["screenshot"]
                    elif step_result["screenshot"]:
                        result["screenshot"] = step_result["screenshot"]
                result["steps"].append(step_result)
                self.emit(
                    {
                        "event": "step_finished",
                        "position": test.position,
                        "attempt": attempt,
                        "step": step_result,
                    }
                )
            if page is not None and camera is not None and guard.refused is not None:
                # It went there after the last step's check: fail the test all the same.
                await self._blank(page, camera, guard)
                if result["status"] != "failed":
                    result["status"] = "failed"
                    result["error"], result["error_type"] = guard.message, errors.NAVIGATION_ERROR
            result["final_url"] = page.url if page is not None else None
            keep_page = self.spec.trace_mode != "off" and result["status"] == "failed"
            if keep_page and camera is not None and not camera.page_busy and not guard.refused:
                archive = await self._archive(camera, rel_dir)
                recorder.evidence["page_archive"] = self._unless_refused(guard, archive)
        finally:
            if context is not None:
                failed = result["status"] == "failed"
                trace = await self._finish_trace(context, rel_dir, failed, guard)
                recorder.evidence["trace"] = self._unless_refused(guard, trace)
                try:
                    await context.close()
                except Exception as exc:  # browser gone: nothing more to do
                    log.warning("closing context failed: %s", errors.first_line(exc))
        result["duration_ms"] = _elapsed_ms(start)
        return result

    async def _finish_trace(
        self, context: BrowserContext, rel_dir: str, failed: bool, guard: UrlGuard
    ) -> str | None:
        mode = self.spec.trace_mode
        if mode == "off":
            return None
        # A trace records what the pages showed: none once one went somewhere refused.
        keep = (mode == "always" or failed) and guard.refused is None
        rel = f"{rel_dir}/trace.zip"
        try:
            if not keep:
                await context.tracing.stop()
                return None
            await context.tracing.stop(path=os.path.join(self.spec.artifacts_dir, *rel.split("/")))
        except Exception as exc:
            log.warning("saving trace %s failed: %s", rel, errors.first_line(exc))
            return None
        return rel

    async def _run_step(
        self,
        page: Page,
        camera: Camera,
        guard: UrlGuard,
        rel_dir: str,
        step: StepSpec,
        file_name: str,
    ) -> StepResult:
        start = time.monotonic()
        selector, value = step.selector, step.value
        result = _step_result(step, selector, value)
        action = result["action"]
        try:
            planned = await plan_step.plan(
                page, step, self.variables, self.spec.element_wait_timeout_ms
            )
            action, selector, value = planned.action, planned.selector, planned.value
            result["action"] = action
            result["resolved_selector"] = selector
            result["selector_source"] = planned.source
            if not planned.done:
                selector = await act.perform(page, step, planned, result, self.spec, self.ctx)
            result["status"] = "passed"
        except StepFailure as failure:
            result["status"] = "failed"
            result["error"], result["error_type"] = failure.message, failure.error_type
            result["expected"], result["actual"] = failure.expected, failure.actual
        except quiet.PageNotResponding as exc:
            # Screenshots and the page archive would wait on it as long: none.
            camera.page_busy = True
            result["status"] = "failed"
            result["error"], result["error_type"] = str(exc), errors.TIMEOUT
        except Exception as exc:
            log.exception("unexpected error in step %s", step.step_id)
            result["status"] = "failed"
            result["error"], result["error_type"] = errors.first_line(exc), errors.ERROR
        # "selector" is the step as written; "resolved_selector" what its words became.
        result["selector"] = step.selector if plan_step.uses_words(step) else selector
        result["value"] = value
        result["name"] = step_display_name(step.description, step.action, selector, value)
        failed = result["status"] == "failed"
        if failed and guard.refused is None:
            result["context"] = await failure_context.capture(page, busy=camera.page_busy)
        if (
            should_screenshot(self.spec.screenshot_mode, action, failed)
            and not camera.page_busy
            and guard.refused is None
        ):
            result["screenshot"] = await self._screenshot(page, camera, rel_dir, file_name)
        if guard.refused is not None:
            # The page went to a refused URL during the step or its captures:
            # whatever they read may hold what was there. Keep none of it.
            self._unless_refused(guard, result["screenshot"])
            result = _step_result(step, *_preview(step, self.variables))
            result["status"] = "failed"
            result["error"], result["error_type"] = guard.message, errors.NAVIGATION_ERROR
            await self._blank(page, camera, guard)
        try:
            result["url"] = page.url
        except Exception:  # pragma: no cover - page.url is a cached property
            result["url"] = None
        result["duration_ms"] = _elapsed_ms(start)
        return result

    async def _blank(self, page: Page, camera: Camera, guard: UrlGuard) -> None:
        """Leave the refused URL; a page that will not go is read no more."""
        if not await guard.blank(page):
            camera.page_busy = True

    def _unless_refused(self, guard: UrlGuard, rel: str | None) -> str | None:
        """``rel`` (an artifact just written), or None after deleting it when the
        guard has tripped: it may show what a refused page held."""
        if rel is None or guard.refused is None:
            return rel
        with contextlib.suppress(OSError):
            os.remove(os.path.join(self.spec.artifacts_dir, *rel.split("/")))
        return None

    async def _archive(self, camera: Camera, rel_dir: str) -> str | None:
        """The page as the failure left it (DOM, styles, images), as MHTML."""
        rel = f"{rel_dir}/page.mhtml"
        path = os.path.join(self.spec.artifacts_dir, *rel.split("/"))
        try:
            await camera.archive(path, _SCREENSHOT_TIMEOUT_MS / 1000)
        except Exception as exc:
            log.warning("page archive %s failed: %s", rel, errors.first_line(exc))
            return None
        return rel

    async def _screenshot(
        self, page: Page, camera: Camera, rel_dir: str, file_name: str
    ) -> str | None:
        rel = f"{rel_dir}/{file_name}.png"
        path = os.path.join(self.spec.artifacts_dir, *rel.split("/"))
        try:
            await camera.capture(path, _SCREENSHOT_TIMEOUT_MS / 1000)
            return rel
        except Exception:
            # A navigation leaves no frame to capture for a moment ("Unable to
            # capture screenshot"; often in the headless shell): let the new page
            # load, then take Playwright's way, which waits for a frame itself.
            with contextlib.suppress(Exception):
                await page.wait_for_load_state("load", timeout=_SCREENSHOT_TIMEOUT_MS)
        try:
            await camera.capture_when_ready(path, _SCREENSHOT_TIMEOUT_MS)
            return rel
        except Exception as exc:
            log.warning("screenshot %s failed: %s", rel, errors.first_line(exc))
        return None


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
        except Exception as exc:
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
        except Exception as exc:
            self._browser = None
            self._error = BrowserLaunchError(errors.first_line(exc))

    async def run(self, spec: RunSpec, emit: Emit) -> None:
        """Run ``spec`` with this browser (launched again if the spec wants another)."""
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
        await _Runner(spec, self._browser, emit).run_all()
        await self._close_browser()
        emit({"event": "done"})

    async def _close_browser(self) -> None:
        browser, self._browser = self._browser, None
        if browser is None:
            return
        try:
            await browser.close()
        except Exception as exc:
            log.warning("closing browser failed: %s", errors.first_line(exc))

    async def __aexit__(self, *exc: object) -> None:
        await self._close_browser()
        if self._pw is not None:
            await self._pw.stop()
