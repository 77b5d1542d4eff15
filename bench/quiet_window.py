"""How long the quiet window of ``page_ready: network_quiet`` must be, and what it costs.

Pages that start a request after ``load`` in the ways apps do (an import in the
load handler, after a zero timer, in an animation frame, in an idle callback,
from a large chunk once it has run, after 300 ms of script, after a 50 ms or a
150 ms timer), and a page that starts nothing. For each quiet window,
interleaved round after round,
``runner.readiness.PageReadiness.settle`` runs right after ``goto`` (as the
first step in words after a navigate step does): a row says in how many rounds
the late request had been made and answered before ``settle`` returned
("caught"), and how long ``settle`` took (the cost; on the page that starts
nothing, the whole cost of the wait).

``--no-probe`` leaves out the idle probe that follows the window, to see what a
window alone catches.

    .venv/bin/python bench/quiet_window.py [--rounds 10] [--windows 0,50,100,150] [--no-probe]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import common
from playwright.async_api import Browser, async_playwright

from bugbrain.contract.spec import StepSpec
from bugbrain.runner import readiness
from bugbrain.runner.step_context import StepContext
from bugbrain.vocabulary import PageReady

_LATE = "import('/late.js?' + Math.random())"


def _after_load(code: str) -> str:
    return f"addEventListener('load', () => {code})"


PATTERNS = {
    "nothing after load": "",
    "import in the load handler": _after_load(_LATE),
    "after setTimeout 0": _after_load(f"setTimeout(() => {_LATE}, 0)"),
    "in an animation frame": _after_load(f"requestAnimationFrame(() => {_LATE})"),
    "in an idle callback": _after_load(f"requestIdleCallback(() => {_LATE})"),
    "from a 1.3 MB chunk once run": _after_load("import('/big.js?' + Math.random())"),
    # A heavy chunk, or a slow machine: 300 ms of script before the follow-up.
    "after 300 ms of script": _after_load(
        f"setTimeout(() => {{ const t = performance.now(); while (performance.now() - t < 300); "
        f"{_LATE}; }}, 0)"
    ),
    "after setTimeout 50": _after_load(f"setTimeout(() => {_LATE}, 50)"),
    "after setTimeout 150": _after_load(f"setTimeout(() => {_LATE}, 150)"),
}
# Parsing and running this keeps the main thread busy before it asks for the next one.
_BIG = "var big = [" + ",".join(str(i) for i in range(200_000)) + f"];\n{_LATE};\n"


# The first step in words after the navigation.
_STEP = StepSpec(step_id="s1", description="Type 'Ada' into the Name field")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/p/"):
            script = PATTERNS[list(PATTERNS)[int(path[3:])]]
            self._send(f"<title>p</title><h1>p</h1><script>{script}</script>", "text/html")
        elif path == "/late.js":
            self._send("window.late = true;", "text/javascript")
        elif path == "/big.js":
            self._send(_BIG, "text/javascript")
        else:
            self._send("", "text/plain")

    def _send(self, body: str, content_type: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


async def _once(browser: Browser, url: str) -> tuple[int, bool]:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        ctx = StepContext(element_timeout_ms=5000, navigation_timeout_ms=30_000, base_url=None)
        ready = readiness.PageReadiness(page, PageReady.NETWORK_QUIET, ctx)
        ready.attach()
        await page.goto(url)
        waited = await ready.settle(_STEP)
        late = bool(await page.evaluate("() => window.late === true"))
        return waited or 0, late
    finally:
        await context.close()


async def measure(
    base: str, rounds: int, windows: list[float]
) -> dict[tuple[int, float], list[tuple[int, bool]]]:
    results: dict[tuple[int, float], list[tuple[int, bool]]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=common.CHROMIUM, args=common.BROWSER_ARGS
        )
        for _ in range(rounds):
            for index in range(len(PATTERNS)):
                for window in windows:
                    readiness.QUIET_WINDOW_S = window / 1000
                    found = await _once(browser, f"{base}/p/{index}")
                    results.setdefault((index, window), []).append(found)
        await browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--windows", default="0,50,100,150", help="quiet windows in ms")
    parser.add_argument("--no-probe", action="store_true", help="the window alone")
    args = parser.parse_args()
    if args.no_probe:

        async def no_probe(_self: readiness.PageReadiness, _deadline: float) -> bool:
            return True

        readiness.PageReadiness._idle = no_probe  # type: ignore[method-assign]
    windows = [float(w) for w in args.windows.split(",")]
    info = common.print_machine()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        results = asyncio.run(measure(base, args.rounds, windows))
    finally:
        server.shutdown()
    headers = ["page", *(f"window {w:g} ms: caught, settle median (max)" for w in windows)]
    rows = []
    for index, name in enumerate(PATTERNS):
        row = [name]
        for window in windows:
            found = results[(index, window)]
            caught = sum(1 for _ms, late in found if late)
            times = [ms for ms, _late in found]
            caught_text = "—" if index == 0 else f"{caught}/{len(found)}"
            row.append(f"{caught_text}, {statistics.median(times):.0f} ({max(times)}) ms")
        rows.append(row)
    print(common.table(headers, rows))
    print("\nMarkdown:\n")
    print(common.machine_markdown(info))
    probe = "without" if args.no_probe else "with"
    print(f"{args.rounds} rounds, windows interleaved, {probe} the idle probe.\n")
    print(common.markdown_table(headers, rows))


if __name__ == "__main__":
    main()
