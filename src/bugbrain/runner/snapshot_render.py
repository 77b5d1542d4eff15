"""A passing step's screenshot, rendered from the DOM snapshot in its test's trace.

Rendering is Playwright's own: its trace viewer's service worker
(``sw.bundle.js``, shipped with the Playwright package) turns a snapshot back
into a page (DOM, CSSOM, form values, scroll positions; resources from the
trace, never from the app), the way the viewer shows it. A private loopback
server offers the worker script and the trace; a headless Chromium of this
process opens the snapshot under the worker and captures it. Nothing is
fetched from anywhere else: the context refuses every other request.

One browser per process, launched at the first render, closed after
``IDLE_SECONDS`` without one; renders run one at a time on its own thread, so
the API's threads only wait for them.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import quote

import playwright
from playwright.async_api import Browser, Playwright, Route, async_playwright

from bugbrain.runner.browser import BROWSER_ARGS, _executable

log = logging.getLogger(__name__)

VIEWPORT: Final = {"width": 1280, "height": 720}  # the runner's (runner/session.py)
IDLE_SECONDS: Final = 60.0
_WORKER: Final = (
    Path(playwright.__file__).parent / "driver" / "package" / "lib" / "vite" / "traceViewer"
) / "sw.bundle.js"
_REGISTER: Final = b"""<!doctype html><meta charset="utf-8"><title>bugbrain</title>
<script>navigator.serviceWorker.register("sw.bundle.js")</script>"""

_LOAD_TRACE: Final = """async (trace) => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {  // until the worker claims this page
    await new Promise((done) =>
      navigator.serviceWorker.addEventListener("controllerchange", done, { once: true }));
  }
  const answer = await fetch("contexts?trace=" + trace);
  return answer.ok ? true : `HTTP ${answer.status}: ${await answer.text()}`;
}"""
# The viewer outlines the element a call acted on (``__playwright_target__``) when
# the document is parsed; a screenshot shows the page as it was. This listener,
# added before the viewer's script runs, drops the marks first.
_NO_TARGET_HIGHLIGHT: Final = """addEventListener("DOMContentLoaded", () => {
  const unmark = (root) => {
    for (const el of root.querySelectorAll("[__playwright_target__]"))
      el.removeAttribute("__playwright_target__");
    for (const template of root.querySelectorAll("template")) unmark(template.content);
  };
  unmark(document);
}, { once: true });"""

T = TypeVar("T")


class RenderError(RuntimeError):
    """The snapshot could not be rendered (no viewer, no browser, no such snapshot)."""


def available() -> bool:
    """Whether this Playwright ships the trace viewer's service worker."""
    return _WORKER.is_file()


class _Files(http.server.BaseHTTPRequestHandler):
    """The loopback server: the viewer's worker, a page that registers it, and
    the traces being rendered (under unguessable names, only while they are)."""

    traces: dict[str, Path]

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        body: bytes | None = None
        media = "application/octet-stream"
        if path == "/viewer/sw.bundle.js":
            body, media = _WORKER.read_bytes(), "text/javascript"
        elif path == "/viewer/register.html":
            body, media = _REGISTER, "text/html; charset=utf-8"
        elif path.startswith("/traces/") and (trace := self.traces.get(path[8:])) is not None:
            try:
                body, media = trace.read_bytes(), "application/zip"
            except OSError:
                body = None
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SnapshotRenderer:
    """Renders a trace's DOM snapshots to PNGs; safe to call from any thread."""

    def __init__(self, chromium_path: str | None, headless: bool = True) -> None:
        self.chromium_path = chromium_path or None
        self.headless = headless
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: http.server.ThreadingHTTPServer | None = None
        self._traces: dict[str, Path] = {}
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._one_at_a_time: asyncio.Lock | None = None

    def render(
        self, trace: Path, call_id: str, phase: str = "after", timeout_s: float = 30.0
    ) -> bytes:
        """The PNG of the ``phase`` snapshot of call ``call_id`` in ``trace``."""
        if not available():
            raise RenderError(f"this Playwright has no trace viewer ({_WORKER} is missing)")
        future = self._submit(lambda: self._render(trace, call_id, phase), timeout_s)
        try:
            return future.result(timeout_s + 5)
        except TimeoutError:
            future.cancel()
            raise RenderError(f"rendering took longer than {timeout_s:.0f} s") from None

    def close(self) -> None:
        with self._guard:
            loop, thread, server = self._loop, self._thread, self._server
            self._loop = self._thread = self._server = None
        if loop is not None and thread is not None:
            asyncio.run_coroutine_threadsafe(self._shut(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(30)
            if not thread.is_alive():
                loop.close()
        if server is not None:
            server.shutdown()
            server.server_close()

    # ---- the render thread -------------------------------------------------

    def _submit(self, make: Callable[[], Awaitable[T]], timeout_s: float) -> Future[T]:
        with self._guard:
            if self._loop is None:
                self._start()
            loop = self._loop
        assert loop is not None

        async def bounded() -> T:
            async with asyncio.timeout(timeout_s):
                return await make()

        return asyncio.run_coroutine_threadsafe(bounded(), loop)

    def _start(self) -> None:
        handler = type("Files", (_Files,), {"traces": self._traces})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, name="snapshot-files", daemon=True
        ).start()
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="snapshot-render", daemon=True
        )
        self._thread.start()

    @property
    def _base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    async def _render(self, trace: Path, call_id: str, phase: str) -> bytes:
        if self._one_at_a_time is None:
            self._one_at_a_time = asyncio.Lock()
        async with self._one_at_a_time:
            if self._idle is not None:
                self._idle.cancel()
            try:
                return await self._render_now(trace, call_id, phase)
            finally:
                loop = asyncio.get_running_loop()
                self._idle = loop.call_later(
                    IDLE_SECONDS, lambda: loop.create_task(self._shut_when_idle())
                )

    async def _render_now(self, trace: Path, call_id: str, phase: str) -> bytes:
        browser = await self._browser_now()
        token = secrets.token_urlsafe(24)
        self._traces[token] = trace
        base = self._base
        context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        try:
            await context.route("**/*", functools.partial(_only_from, base))
            await context.add_init_script(_NO_TARGET_HIGHLIGHT)
            page = await context.new_page()
            await page.goto(f"{base}/viewer/register.html")
            trace_url = quote(f"{base}/traces/{token}", safe="")
            # The worker loads the trace first, as the viewer has it do: a snapshot
            # opened while it is still loading gets none of its stylesheets or images.
            loaded = await page.evaluate(_LOAD_TRACE, trace_url)
            if loaded is not True:
                raise RenderError(f"the trace viewer could not read the trace: {loaded}")
            call = quote(call_id, safe="")
            url = f"{base}/viewer/snapshot/{call}?trace={trace_url}&phase={quote(phase, safe='')}"
            response = await page.goto(url)
            if response is None or response.status != 200:
                status = None if response is None else response.status
                raise RenderError(f"the trace has no snapshot for {call_id} (HTTP {status})")
            return await page.screenshot(type="png")
        finally:
            self._traces.pop(token, None)
            await context.close()

    async def _browser_now(self) -> Browser:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._pw is None:
            self._pw = await async_playwright().start()
        try:
            self._browser = await self._pw.chromium.launch(
                executable_path=_executable(self._pw, self.chromium_path, self.headless),
                headless=self.headless,
                args=BROWSER_ARGS,
            )
        except Exception as exc:
            raise RenderError(f"the browser would not start: {exc}") from exc
        return self._browser

    async def _shut_when_idle(self) -> None:
        assert self._one_at_a_time is not None
        async with self._one_at_a_time:
            await self._shut()

    async def _shut(self) -> None:
        browser, pw = self._browser, self._pw
        self._browser = self._pw = None
        if browser is not None:
            try:
                await browser.close()
            except Exception as exc:  # noqa: BLE001 - closing anyway
                log.debug("closing the render browser: %s", exc)
        if pw is not None:
            await pw.stop()


async def _only_from(base: str, route: Route) -> None:
    """Requests to the loopback server go; the snapshot's own (the app's) do not:
    what it needs is in the trace, which the service worker answers from."""
    if route.request.url.startswith(base + "/"):
        await route.continue_()
    else:
        await route.abort()
