"""The test loop: a RunSpec's tests on a launched browser, one fresh context per test
(opened one at a time), retries, steps, screenshots, traces and page archives;
events via ``emit``. ``runner.browser`` launches the browser and hands it over."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from bugbrain.contract import step_snapshots
from bugbrain.contract.events import Emit
from bugbrain.contract.masking import Masker
from bugbrain.contract.results import StepResult, TestResult
from bugbrain.contract.spec import RunSpec, StepSpec, TestSpec
from bugbrain.runner import errors, evidence, failure_context, plan_step, readiness, redact
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner import perform as act
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.screenshots import Camera, Shutter
from bugbrain.runner.step_context import StepContext
from bugbrain.runner.url_guard import UrlGuard
from bugbrain.steps.rules import (
    VariableMissingError,
    normalize_action,
    safe_name,
    should_screenshot,
    step_display_name,
    substitute,
)
from bugbrain.vocabulary import (
    LOOKS_ONLY,
    ScreenshotMode,
    ScreenshotSource,
    StepErrorType,
    TestStatus,
    TraceMode,
)

log = logging.getLogger(__name__)

_SCREENSHOT_TIMEOUT_MS: Final = 10_000
# What a capture (screenshot or page archive) may fail with: the page or the
# browser (Playwright), the timeout, the disk, an oversized archive (ValueError).
_CAPTURE_ERRORS: Final = (PlaywrightError, TimeoutError, OSError, ValueError)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _elapsed_ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


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
        "status": TestStatus.SKIPPED,
        "duration_ms": 0,
        "error": None,
        "error_type": None,
        "expected": None,
        "actual": None,
        "screenshot": None,
        "url": None,
    }


def _take_step(result: TestResult, step: StepResult) -> None:
    """A step's outcome in its test's result: the first failure, the last screenshot."""
    if step["status"] == TestStatus.FAILED:
        result["status"] = TestStatus.FAILED
        result["error"] = step["error"]
        result["error_type"] = step["error_type"]
        result["failed_step_id"] = step["step_id"]
        result["screenshot"] = step["screenshot"]
    elif step["screenshot"]:
        result["screenshot"] = step["screenshot"]


@dataclass(frozen=True)
class _StepRun:
    """What every step of one test attempt runs with."""

    page: Page
    camera: Camera
    shutter: Shutter
    guard: UrlGuard
    ready: readiness.PageReadiness | None
    rel_dir: str
    file_name: str
    groups: quiet.TraceGroups  # with step snapshots: each step in a trace group


class Session:
    """One spec's tests on one browser: contexts, retries, steps, evidence, traces."""

    def __init__(
        self,
        spec: RunSpec,
        browser: Browser,
        emit: Emit,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.browser = browser
        # Secret variables fill in like any other; every value they could
        # surface in (events, traces, page archives) shows them as ••••.
        self.masker = Masker((secrets or {}).values())
        self.emit = redact.masked_emit(emit, self.masker)
        self.variables = {**spec.variables, **(secrets or {})}
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
                    result["status"] = TestStatus.FAILED
                    result["error"] = errors.first_line(exc)
                    result["error_type"] = StepErrorType.ERROR
                if result["status"] == TestStatus.FAILED and self.spec.stop_on_first_failure:
                    self.stopped = True
        self.emit({"event": "test_finished", "position": test.position, "result": result})

    def _skipped_test(self, test: TestSpec, emit_steps: bool = True) -> TestResult:
        steps = [_step_result(s, *_preview(s, self.variables)) for s in test.steps]
        for step_result in steps if emit_steps else ():
            self.emit({"event": "step_finished", "position": test.position, "step": step_result})
        return {
            "test_id": test.test_id,
            "name": test.name,
            "status": TestStatus.SKIPPED,
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
            if self.spec.trace_mode != TraceMode.OFF:
                # Always recorded, kept per trace_mode: a failure cannot be foreseen.
                # No screencast (~40 ms per navigation). DOM snapshots around every
                # action when the plan asks, or when passing steps' screenshots are
                # made from them (docs/benchmarks.md); a failing test keeps its page
                # as an MHTML archive anyway.
                snapshots = self.spec.trace_snapshots or self.step_snapshots
                await context.tracing.start(screenshots=False, snapshots=snapshots)
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
            if attempts[-1]["status"] == TestStatus.PASSED:
                break
        final: TestResult = {**attempts[-1]}
        final["started_at"] = started_at
        final["duration_ms"] = _elapsed_ms(start)
        final["flaky"] = len(attempts) > 1 and final["status"] == TestStatus.PASSED
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
            "status": TestStatus.PASSED,
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
        shutter = Shutter()
        camera: Camera | None = None
        groups = quiet.TraceGroups()
        try:
            context, page = await self._open_page(recorder, guard)
        except Exception as exc:  # noqa: BLE001 - whatever it is, this test fails and the next runs
            result["status"] = TestStatus.FAILED
            result["error_type"] = StepErrorType.ERROR
            result["error"] = f"Could not open a browser page: {errors.first_line(exc)}"
        try:
            files = _file_names(test.steps)
            camera = Camera(page) if page is not None else None
            ready = self._readiness(page, test)

            def record(step_result: StepResult) -> None:
                _take_step(result, step_result)
                result["steps"].append(step_result)
                self.emit(
                    {
                        "event": "step_finished",
                        "position": test.position,
                        "attempt": attempt,
                        "step": step_result,
                    }
                )

            for step, file_name in zip(test.steps, files, strict=True):
                if page is None or camera is None or result["status"] == TestStatus.FAILED:
                    record(_step_result(step, *_preview(step, self.variables)))
                else:
                    run = _StepRun(page, camera, shutter, guard, ready, rel_dir, file_name, groups)
                    await self._run_step(run, step, record)
            await shutter.settle()
            if camera is not None and camera.marked and guard.refused is None:
                await self._snapshot_end(camera)
            if page is not None and camera is not None and guard.refused is not None:
                # It went there after the last step's check: fail the test all the same.
                await self._blank(page, camera, guard)
                if result["status"] != TestStatus.FAILED:
                    result["status"] = TestStatus.FAILED
                    result["error"], result["error_type"] = (
                        guard.message,
                        StepErrorType.NAVIGATION_ERROR,
                    )
            result["final_url"] = page.url if page is not None else None
            keep_page = (
                self.spec.trace_mode != TraceMode.OFF and result["status"] == TestStatus.FAILED
            )
            if keep_page and camera is not None and not camera.page_busy and not guard.refused:
                archive = await self._archive(camera, rel_dir)
                recorder.evidence["page_archive"] = self._unless_refused(guard, archive)
        finally:
            with contextlib.suppress(Exception):  # already logged; the context closes anyway
                await shutter.settle()
            await groups.settle()
            if context is not None:
                failed = result["status"] == TestStatus.FAILED
                marked = camera is not None and camera.marked
                trace = await self._finish_trace(context, rel_dir, failed, marked, guard)
                recorder.evidence["trace"] = self._unless_refused(guard, trace)
                try:
                    await context.close()
                except PlaywrightError as exc:  # browser gone: nothing more to do
                    log.warning("closing context failed: %s", errors.first_line(exc))
        result["duration_ms"] = _elapsed_ms(start)
        return result

    async def _finish_trace(
        self, context: BrowserContext, rel_dir: str, failed: bool, marked: bool, guard: UrlGuard
    ) -> str | None:
        """Save the trace if the mode keeps it, or its step screenshots are to be
        rendered from it (``marked``); return it if the mode keeps it."""
        mode = self.spec.trace_mode
        if mode == TraceMode.OFF:
            return None
        # A trace records what the pages showed: none once one went somewhere refused.
        listed = mode == TraceMode.ALWAYS or failed
        keep = (listed or marked) and guard.refused is None
        rel = f"{rel_dir}/{step_snapshots.TRACE_NAME}"
        try:
            if not keep:
                await context.tracing.stop()
                return None
            path = os.path.join(self.spec.artifacts_dir, *rel.split("/"))
            await context.tracing.stop(path=path)
        except (PlaywrightError, OSError) as exc:
            log.warning("saving trace %s failed: %s", rel, errors.first_line(exc))
            return None
        try:
            await asyncio.to_thread(redact.scrub_trace, path, self.masker)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the trace is not kept
            log.warning("masking secrets in trace %s failed, deleted: %s", rel, exc)
            with contextlib.suppress(OSError):
                os.remove(path)
            return None
        # Kept only as the step screenshots' source, it is not the test's trace
        # evidence (trace_mode decides that) but is served like it.
        return rel if listed else None

    def _readiness(self, page: Page | None, test: TestSpec) -> readiness.PageReadiness | None:
        """The page's readiness waits; listening only if a step is in words."""
        if page is None or not any(plan_step.uses_words(s) for s in test.steps):
            return None
        ready = readiness.PageReadiness(page, self.spec.page_ready, self.ctx)
        ready.attach()
        return ready

    async def _run_step(
        self, run: _StepRun, step: StepSpec, record: Callable[[StepResult], None]
    ) -> None:
        """Run ``step`` and ``record`` its result; with step snapshots, inside the
        trace group its screenshot is found by (contract/step_snapshots.py)."""
        if not self.step_snapshots:
            await self._run_step_now(run, step, record)
            return
        title = step_snapshots.group_title(run.file_name, step.description or step.action)
        try:
            await run.groups.open(run.page, title)
        except PlaywrightError as exc:  # the context is gone: the step will say so
            log.info("trace group %s not opened: %s", title, errors.first_line(exc))
            await self._run_step_now(run, step, record)
            return
        try:
            await self._run_step_now(run, step, record)
        finally:
            with contextlib.suppress(PlaywrightError):
                await run.groups.close(run.page)

    async def _run_step_now(
        self, run: _StepRun, step: StepSpec, record: Callable[[StepResult], None]
    ) -> None:
        """Run ``step`` and ``record`` its result: at once, or when its screenshot,
        taken while the next step only looks at the page, is ready."""
        page, camera, guard = run.page, run.camera, run.guard
        start = time.monotonic()
        result = _step_result(step, step.selector, step.value)
        action, selector, value = await self._act(run, step, result)
        # The step before is recorded before this one, and its capture is done.
        await run.shutter.settle()
        # "selector" is the step as written; "resolved_selector" what its words became.
        result["selector"] = step.selector if plan_step.uses_words(step) else selector
        result["value"] = value
        result["name"] = step_display_name(step.description, step.action, selector, value)
        failed = result["status"] == TestStatus.FAILED
        if failed and guard.refused is None:
            result["context"] = await failure_context.capture(page, busy=camera.page_busy)
        shoot = (
            should_screenshot(self.spec.screenshot_mode, action, failed)
            and not camera.page_busy
            and guard.refused is None
        )
        if guard.refused is not None:
            # The page went to a refused URL during the step: whatever it read
            # may hold what was there. Keep none of it.
            result = _step_result(step, *_preview(step, self.variables))
            result["status"] = TestStatus.FAILED
            result["error"], result["error_type"] = guard.message, StepErrorType.NAVIGATION_ERROR
            await self._blank(page, camera, guard)
        result["url"] = page.url  # a cached property: never raises
        result["duration_ms"] = _elapsed_ms(start)
        if not shoot:
            record(result)
            return
        if not failed and self.step_snapshots:
            # Its screenshot is the last DOM snapshot in its trace group, or the
            # next one after it (contract/step_snapshots.py): nothing to take now.
            camera.marked = True
            result["screenshot"] = f"{run.rel_dir}/{run.file_name}.png"
            result["screenshot_source"] = ScreenshotSource.DOM_SNAPSHOT
            record(result)
            return
        capture = self._screenshot(page, camera, run.rel_dir, run.file_name)
        kept = result

        def developed(rel: str | None) -> None:
            # A refused page may have shown up while it was being taken.
            kept["screenshot"] = self._unless_refused(guard, rel)
            if kept["screenshot"] is not None:
                kept["screenshot_source"] = ScreenshotSource.PIXELS
            record(kept)

        if failed:  # the test stops here: nothing to overlap
            developed(await capture)
        else:
            await run.shutter.start(capture, developed)

    async def _act(
        self, run: _StepRun, step: StepSpec, result: StepResult
    ) -> tuple[str, str | None, str | None]:
        """Plan and perform ``step`` into ``result``: its status and error, and
        what it became (action, selector, value)."""
        page = run.page
        action, selector, value = result["action"], step.selector, step.value
        words = run.ready if run.ready is not None and plan_step.uses_words(step) else None
        try:
            if words is not None and (waited := await words.settle(step)) is not None:
                result["ready_ms"] = waited
            planned = await plan_step.plan(
                page,
                step,
                self.variables,
                self.spec.element_wait_timeout_ms,
                before_change=run.shutter.settle,
            )
            action, selector, value = planned.action, planned.selector, planned.value
            result["action"] = action
            result["resolved_selector"] = selector
            result["selector_source"] = planned.source
            if planned.match is not None:
                result["match"] = planned.match
            if not planned.done:
                if words is not None:
                    await words.usable(action, selector)
                if action not in LOOKS_ONLY:
                    await run.shutter.settle()  # the step before's screenshot first
                selector = await act.perform(page, step, planned, result, self.spec, self.ctx)
            result["status"] = TestStatus.PASSED
        except StepFailure as failure:
            result["status"] = TestStatus.FAILED
            result["error"], result["error_type"] = failure.message, failure.error_type
            result["expected"], result["actual"] = failure.expected, failure.actual
        except quiet.PageNotResponding as exc:
            # Screenshots and the page archive would wait on it as long: none.
            run.camera.page_busy = True
            result["status"] = TestStatus.FAILED
            result["error"], result["error_type"] = str(exc), StepErrorType.TIMEOUT
        except Exception as exc:
            log.exception("unexpected error in step %s", step.step_id)
            result["status"] = TestStatus.FAILED
            result["error"], result["error_type"] = errors.first_line(exc), StepErrorType.ERROR
        return action, selector, value

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
        except _CAPTURE_ERRORS as exc:
            log.warning("page archive %s failed: %s", rel, errors.first_line(exc))
            return None
        try:
            await asyncio.to_thread(redact.scrub_mhtml_file, path, self.masker)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the archive is not kept
            log.warning("masking secrets in page archive %s failed, deleted: %s", rel, exc)
            with contextlib.suppress(OSError):
                os.remove(path)
            return None
        return rel

    @property
    def step_snapshots(self) -> bool:
        """Whether passing steps' screenshots are DOM snapshots in the trace (which
        needs a trace: with ``trace_mode: off`` they are captured as pixels)."""
        spec = self.spec
        return (
            spec.screenshot_source == ScreenshotSource.DOM_SNAPSHOT
            and spec.trace_mode != TraceMode.OFF
            and spec.screenshot_mode in (ScreenshotMode.EVERY_STEP, ScreenshotMode.ON_ASSERTIONS)
        )

    async def _snapshot_end(self, camera: Camera) -> None:
        """A snapshot after the last step. A step whose group holds no snapshot of
        its own (one that only looked without a traced read, or a click that
        navigated while Playwright took it) shows the next snapshot after it
        (contract/step_snapshots.py): at the end of a test, this one. A page
        still between two documents refuses it: once loaded, it is asked again."""
        page = camera.page
        for attempt in (1, 2):
            try:
                await camera.mark(
                    step_snapshots.marker("test_end"),
                    "Page as the test ended",
                    _SCREENSHOT_TIMEOUT_MS / 1000,
                )
                return
            except _CAPTURE_ERRORS as exc:
                if attempt == 2:
                    log.warning("end-of-test snapshot not taken: %s", errors.first_line(exc))
                    return
            with contextlib.suppress(Exception):
                await quiet.internally(
                    page,
                    lambda: page.wait_for_load_state(
                        "load", timeout=_SCREENSHOT_TIMEOUT_MS
                    ),  # not vocabulary: Playwright's
                )

    async def _screenshot(
        self, page: Page, camera: Camera, rel_dir: str, file_name: str
    ) -> str | None:
        rel = f"{rel_dir}/{file_name}.png"
        path = os.path.join(self.spec.artifacts_dir, *rel.split("/"))
        try:
            await camera.capture(path, _SCREENSHOT_TIMEOUT_MS / 1000)
            return rel
        except _CAPTURE_ERRORS:
            # A navigation leaves no frame to capture for a moment ("Unable to
            # capture screenshot"; often in the headless shell): let the new page
            # load, then take Playwright's way, which waits for a frame itself.
            with contextlib.suppress(Exception):
                await page.wait_for_load_state(
                    "load", timeout=_SCREENSHOT_TIMEOUT_MS
                )  # not vocabulary: Playwright's
        try:
            await camera.capture_when_ready(path, _SCREENSHOT_TIMEOUT_MS)
            return rel
        except _CAPTURE_ERRORS as exc:
            log.warning("screenshot %s failed: %s", rel, errors.first_line(exc))
        return None
