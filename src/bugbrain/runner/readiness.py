"""Ready before the first action: after a navigation, a step given in words waits
until the page can be used.

Apps that load their code in pieces attach their handlers after ``load`` (a
chunk imported once the page has loaded); a step that types into a field before
then "passes" and adds nothing. So the first step in words after a navigation
(a navigate step, or any step after which the main frame committed a new
document: a link, a form submit, a script's ``location = …``), unless it goes
to another page itself, first waits for

1. that navigation to commit and its document's ``load`` event, within the
   navigation timeout (a step that follows a hung load goes on after it);
2. with the plan's ``page_ready: network_quiet`` (the default), a quiet network:
   no request of the page in flight and none started or ended for
   ``QUIET_WINDOW_S``, and then the page's main thread idle once with still
   nothing new; at most ``QUIET_BOUND_S`` in all, so that a long poll or a
   stream that never ends costs that bound and no more.

Its element must then be usable (``usable``). Steps with explicit selectors
neither wait nor check anything new, and a test without a step in words does
not even listen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page, Request

from bugbrain.contract.spec import StepSpec
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.step_context import StepContext
from bugbrain.steps.parse import UnparseableStepError, parse
from bugbrain.steps.rules import normalize_action
from bugbrain.vocabulary import Action, PageReady, StepErrorType

# How long no request may start or end before the network counts as quiet;
# then the page's main thread must be idle once with still nothing new. Chosen
# by measurement (bench/quiet_window.py; docs/benchmarks.md, "Ready before the
# first action"): a window alone races the page's own work (an import after
# 300 ms of script was missed by a 200 ms window 8 times in 10), while the idle
# probe waits for every follow-up that work starts (an import in the load
# handler, after a zero timer, in an animation frame or an idle callback, from a
# big chunk once it has run), however long it takes. Only a follow-up that a
# timer defers needs the window, and is waited for up to its length. A page
# that is already quiet pays the window (plus ~10 ms for the probe) once per
# navigation that a step in words follows, so it is short: 50 ms, where
# Playwright's networkidle takes 500 ms.
QUIET_WINDOW_S: Final = 0.05
# At most this long waiting for quiet after `load`: a page that keeps a request
# open (long polling) or keeps asking is used anyway once it has passed.
QUIET_BOUND_S: Final = 2.0
# Streams are meant never to end; nothing waits for them.
_ENDLESS: Final = frozenset({"eventsource", "websocket"})  # Playwright's resource types
_POLL_S: Final = 0.05
_LOAD: Final = "load"  # not vocabulary: Playwright's load state

# Resolves when the page's main thread is next idle: whatever it had queued
# (a timer due now, a frame, a chunk to run, an earlier idle callback) is done.
_IDLE_JS: Final = """ms => new Promise(done => {
  if (window.requestIdleCallback) requestIdleCallback(() => done(true), {timeout: ms});
  else setTimeout(() => done(true), 0);
})"""

# Whether the one element can take keys: visible, enabled and, when asked, in the
# same place one animation frame later (Playwright's "stable").
_USABLE_JS: Final = """async (elements, stable) => {
  if (elements.length !== 1) return "count";
  const e = elements[0];
  const box = () => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; };
  const before = box();
  if (!(before[2] > 0 && before[3] > 0) || getComputedStyle(e).visibility !== "visible")
    return "hidden";
  if (e.matches(":disabled") || e.closest('[aria-disabled="true"]')) return "disabled";
  if (!stable) return "ready";
  await new Promise(f => requestAnimationFrame(() => f()));
  const after = box();
  return e.isConnected && after.every((v, i) => v === before[i]) ? "ready" : "moving";
}"""
_READY: Final = frozenset({"ready", "count"})  # "count": not one element; the action says
_WHY: Final = {"hidden": "hidden", "disabled": "disabled"}  # not vocabulary: words

# Keys and text go to the focused element, not to a point of it: Playwright
# checks that a field is visible and enabled before fill, clear and select, and
# nothing before press; pointer actions (click, check, hover) it checks fully.
_KEYED: Final = frozenset({Action.FILL, Action.CLEAR, Action.SELECT, Action.PRESS})


def _navigates(step: StepSpec) -> bool:
    """The step in words goes to another page: the one it leaves need not be ready."""
    if step.action.strip():
        return normalize_action(step.action) == Action.NAVIGATE
    try:
        return parse(step.description or "").action == Action.NAVIGATE
    except UnparseableStepError:
        return False  # the step fails as it is; nothing gained by skipping


class PageReadiness:
    """One page's navigations and requests, and the waits they call for."""

    def __init__(self, page: Page, mode: PageReady, ctx: StepContext) -> None:
        self.page = page
        self.mode = mode
        self.ctx = ctx
        self.navigated = False  # a navigation since the last wait
        self.navigations = 0
        self.pending: set[Request] = set()  # main-frame navigations not yet committed
        self.in_flight: set[Request] = set()
        self.activity = 0  # requests started or ended, commits, loads
        self.last_activity = 0.0
        self.fresh = False  # the current step waited: its element must also be still
        self._changed = asyncio.Event()

    def attach(self) -> None:
        """Listen from now on (before the page's first navigation)."""
        self.page.on("request", self._on_request)
        self.page.on("requestfinished", self._on_done)
        self.page.on("requestfailed", self._on_done)
        self.page.on("framenavigated", self._on_frame)
        self.page.on("load", self._on_load)  # not vocabulary: the page event

    # ------------------------------------------------------------------ events

    def _touch(self) -> None:
        self.activity += 1
        self.last_activity = asyncio.get_running_loop().time()
        self._changed.set()

    def _on_request(self, request: Request) -> None:
        if request.resource_type in _ENDLESS:
            return
        self.in_flight.add(request)
        if request.is_navigation_request() and self._in_main_frame(request):
            self.pending.add(request)
            self.navigations += 1
            self.navigated = True
        self._touch()

    def _in_main_frame(self, request: Request) -> bool:
        try:
            return request.frame is self.page.main_frame
        except PlaywrightError:  # a request without a frame (a service worker's)
            return False

    def _on_done(self, request: Request) -> None:
        if request in self.in_flight:
            self.in_flight.discard(request)
            self.pending.discard(request)
            self._touch()

    def _on_frame(self, frame: Frame) -> None:
        if frame is not self.page.main_frame or not self.pending:
            return  # a subframe, or a same-document navigation (history API)
        # A new document: the old one's requests are cancelled with it, and not
        # always reported so. Its own navigation request stays until it ends.
        self.in_flight &= self.pending
        self.pending.clear()
        self._touch()

    def _on_load(self, _page: Page) -> None:
        self._touch()

    # ------------------------------------------------------------------ waits

    async def settle(self, step: StepSpec) -> int | None:
        """Before a step in words: wait for the page if it navigated since the last
        wait. Returns how long it waited (ms), or None when there was nothing to do
        (no navigation, or the step opens another page itself)."""
        self.fresh = False
        if not self.navigated or _navigates(step):
            return None
        loop = asyncio.get_running_loop()
        start = loop.time()
        load_by = start + self.ctx.navigation_timeout_ms / 1000
        quiet_by: float | None = None
        while True:
            self.navigated = False
            seen = self.navigations
            await self._until(lambda: not self.pending, load_by)
            await self._loaded(load_by)
            if self.mode == PageReady.NETWORK_QUIET:
                if quiet_by is None:
                    quiet_by = loop.time() + QUIET_BOUND_S
                await self._quiet(quiet_by)
            # Navigated again meanwhile (a redirect by script): that page, then.
            if self.navigations == seen or loop.time() >= load_by:
                break
        self.navigated = False
        self.fresh = True
        return int((loop.time() - start) * 1000)

    async def _until(self, done: Callable[[], bool], deadline: float) -> None:
        """Until ``done()`` (checked at each event of the page) or the deadline."""
        while not done() and await self._changed_before(deadline):
            pass

    async def _changed_before(self, moment: float) -> bool:
        """Wait for the page's next event, at most until ``moment``; False if none."""
        remaining = moment - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        self._changed.clear()
        try:
            async with asyncio.timeout(remaining):
                await self._changed.wait()
        except TimeoutError:
            return False
        return True

    async def _loaded(self, deadline: float) -> None:
        remaining_ms = (deadline - asyncio.get_running_loop().time()) * 1000
        if remaining_ms < 1:
            return
        try:
            await quiet.internally(
                self.page,
                lambda: self.page.wait_for_load_state(_LOAD, timeout=remaining_ms),
            )
        except PlaywrightError:
            # Timed out (the step goes on: its own waits decide), or the page
            # closed (the step's next call says so).
            return

    async def _quiet(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # Nothing in flight, and nothing for the window since the last activity.
            while self.in_flight or loop.time() - self.last_activity < QUIET_WINDOW_S:
                if loop.time() >= deadline:
                    return
                wake = deadline if self.in_flight else self.last_activity + QUIET_WINDOW_S
                await self._changed_before(min(wake, deadline))
            seen = self.activity
            if not await self._idle(deadline):
                return
            if self.activity == seen and not self.in_flight:
                return

    async def _idle(self, deadline: float) -> bool:
        """Wait for the page's main thread to be idle; False when out of time."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        try:
            async with asyncio.timeout(remaining):
                await quiet.evaluate(self.page, _IDLE_JS, int(remaining * 1000))
        except (TimeoutError, quiet.PageNotResponding):
            return False
        except PlaywrightError:
            return True  # navigated meanwhile: the caller sees the activity
        return True

    async def usable(self, action: str, selector: str | None) -> None:
        """Before a step in words acts: its element visible and enabled (``press``:
        Playwright checks neither), and, on the first step after a navigation,
        still (an entrance animation over; bounded like the quiet window, since
        keys need no fixed point). Raises StepFailure when it stays hidden or
        disabled; a missing or repeated element is left to the action to report."""
        still = self.fresh
        self.fresh = False
        if selector is None or action not in _KEYED or (action != Action.PRESS and not still):
            return
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + self.ctx.element_timeout_ms / 1000
        while True:
            try:
                state = await quiet.evaluate_all(self.page, selector, _USABLE_JS, still)
            except PlaywrightError:
                return  # an invalid selector or a navigation: the action reports it
            if state in _READY:
                return
            now = loop.time()
            if state not in _WHY:  # still moving: keys need no fixed point, go on in time
                if now - start >= min(QUIET_BOUND_S, deadline - start):
                    return
            elif now >= deadline:
                raise StepFailure(
                    StepErrorType.ELEMENT_NOT_INTERACTABLE,
                    f"Element not interactable: {selector} ({_WHY[str(state)]})",
                )
            await asyncio.sleep(_POLL_S)
