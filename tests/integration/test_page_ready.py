"""Ready before the first action (runner/readiness.py), against real Chromium and
a loopback server: an app that attaches its handlers a second after ``load``
(its script imports a chunk the server sends late), a page that keeps a long
poll open, and the checks a step in words gets before it types."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from bugbrain.contract.spec import StepSpec, parse_spec
from bugbrain.runner import readiness
from bugbrain.runner.browser import BROWSER_ARGS, run_spec, system_chromium
from bugbrain.runner.step_context import StepContext
from bugbrain.vocabulary import PageReady
from tests.support import seed
from tests.support.servers import Api, BugbrainServer, serving

pytestmark = pytest.mark.browser

CHROMIUM = system_chromium(headless=True)
CHUNK_DELAY_S = 1.0

HOME_HTML = """<!doctype html><title>Home</title><h1>Home</h1>
<a href="/todo">Open todos</a>
<form action="/todo" method="get"><button type="submit">Show the list</button></form>"""

# The app's own script only asks for the chunk once the page has loaded; until
# the chunk runs, Enter in the field does nothing at all.
TODO_HTML = """<!doctype html><title>Todos</title><h1>Todos</h1>
<input id="new-todo" aria-label="New todo" placeholder="What needs doing?">
<ul id="todos"></ul>
<script>addEventListener("load", () => import("/chunk.js"));</script>"""

CHUNK_JS = """const input = document.getElementById("new-todo");
input.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !input.value.trim()) return;
  const item = document.createElement("li");
  item.textContent = input.value.trim();
  document.getElementById("todos").append(item);
  input.value = "";
});"""

# A request that never ends while the page is used (long polling).
POLL_HTML = """<!doctype html><title>Inbox</title><h1>Inbox</h1>
<label>Name <input id="name"></label>
<script>fetch("/poll").catch(() => {});</script>"""

# The search field is enabled by the app a moment after load; Code never is.
FIELDS_HTML = """<!doctype html><title>Fields</title><h1>Fields</h1>
<label>Search <input id="search" disabled></label>
<label>Code <input id="code" disabled></label>
<p id="out"></p>
<script>
const search = document.getElementById("search");
search.addEventListener("keydown", (e) => {
  if (e.key === "Enter") document.getElementById("out").textContent = "Searched";
});
addEventListener("load", () => setTimeout(() => { search.disabled = false; }, 600));
</script>"""

# A stream (EventSource) that stays open, next to a long poll.
STREAM_HTML = """<!doctype html><title>Live</title><h1>Live</h1>
<script>
new EventSource("/stream").onmessage = () => { window.streamed = true; };
fetch("/poll").catch(() => {});
</script>"""

PAGES = {
    "/": HOME_HTML,
    "/todo": TODO_HTML,
    "/poll-page": POLL_HTML,
    "/fields": FIELDS_HTML,
    "/stream-page": STREAM_HTML,
}
RELEASE = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/poll":
            RELEASE.wait(60)  # held open until the module's server stops
            self._send(200, "{}", "application/json")
        elif path == "/stream":
            self._stream()
        elif path == "/chunk.js":
            time.sleep(CHUNK_DELAY_S)
            self._send(200, CHUNK_JS, "text/javascript")
        elif path in PAGES:
            self._send(200, PAGES[path], "text/html; charset=utf-8")
        else:
            self._send(404, "not found", "text/plain")

    def _stream(self) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b"data: hello\n\n")
            self.wfile.flush()
            RELEASE.wait(60)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    RELEASE.clear()
    with serving(_Handler) as url:
        try:
            yield url
        finally:
            RELEASE.set()


def _words(*sentences: str) -> list[dict[str, Any]]:
    return [{"step_id": f"s{i}", "description": s} for i, s in enumerate(sentences, start=1)]


ADD_MILK = (
    "Type 'Buy milk' into the new todo field",
    "Press Enter",
    "Verify the page shows 'Buy milk'",
)


def _run(
    tmp_path: Path, base_url: str, tests: dict[str, list[dict[str, Any]]], **settings: Any
) -> dict[str, dict[str, Any]]:
    data: dict[str, Any] = {
        "execution_id": "exec_ready",
        "chromium_path": CHROMIUM,
        "artifacts_dir": str(tmp_path),
        "base_url": base_url,
        "screenshot_mode": "disabled",
        "trace_mode": "off",
        "element_wait_timeout_ms": 3000,
        "navigation_timeout_ms": 10000,
        "tests": [{"test_id": name, "steps": steps} for name, steps in tests.items()],
        **settings,
    }
    events: list[dict[str, Any]] = []
    asyncio.run(run_spec(parse_spec(data), lambda event: events.append(dict(event))))
    return {e["result"]["test_id"]: e["result"] for e in events if e["event"] == "test_finished"}


def _steps(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in result["steps"]}


@pytest.fixture(scope="module")
def quiet_run(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run with the default ``page_ready`` (network_quiet), every test in it."""
    explicit = [
        {"step_id": "e1", "description": "Open", "action": "navigate", "value": "/todo"},
        {
            "step_id": "e2",
            "description": "Type",
            "action": "fill",
            "selector": "#new-todo",
            "value": "Buy milk",
        },
    ]
    tests = {
        "goto": _words("Go to /", "Go to /todo", *ADD_MILK),
        "link": _words("Go to /", "Click the Open todos link", *ADD_MILK),
        "form": _words("Go to /", "Click the Show the list button", *ADD_MILK),
        "long_poll": _words(
            "Go to /poll-page",
            "Type 'Ada' into the Name field",
            "Verify the Name field contains Ada",
        ),
        "enabled_late": _words(
            "Go to /fields", "Press Enter in the Search field", "Verify the page shows 'Searched'"
        ),
        "never_enabled": _words("Go to /fields", "Press Enter in the Code field"),
        "explicit": explicit,
    }
    return _run(tmp_path_factory.mktemp("quiet"), base_url, tests, parallelism=2)


@pytest.mark.parametrize("test_id", ["goto", "link", "form"])
def test_steps_in_words_wait_for_the_app_to_attach_its_handlers(
    quiet_run: dict[str, Any], test_id: str
) -> None:
    """However the page was reached (a navigate step, a link, a form), the first
    step in words after it waits until the late chunk has run."""
    result = quiet_run[test_id]
    assert result["status"] == "passed", result
    steps = _steps(result)
    typed = steps["Type 'Buy milk' into the new todo field"]
    assert typed["ready_ms"] >= 0
    assert typed["duration_ms"] >= typed["ready_ms"]
    # It waited once: the steps after it, on the same document, do not.
    assert "ready_ms" not in steps["Press Enter"]
    assert "ready_ms" not in steps["Verify the page shows 'Buy milk'"]
    # The test's first step follows no navigation; a step that navigates itself
    # does not wait for the page it leaves.
    assert "ready_ms" not in result["steps"][0]
    if test_id == "goto":
        assert "ready_ms" not in steps["Go to /todo"]


def test_with_page_ready_load_the_same_steps_act_too_early(base_url: str, tmp_path: Path) -> None:
    """The load event alone is not enough for this app: Enter is pressed before
    the chunk that handles it has arrived, and the item never appears."""
    results = _run(
        tmp_path, base_url, {"goto": _words("Go to /todo", *ADD_MILK)}, page_ready="load"
    )
    result = results["goto"]
    assert result["status"] == "failed", result
    assert result["error"] == "Expected text 'Buy milk' not found on page"
    assert [s["status"] for s in result["steps"]] == ["passed", "passed", "passed", "failed"]
    assert "ready_ms" in result["steps"][1]  # it waited, for the load event only


def test_a_request_that_never_ends_does_not_hold_the_step(quiet_run: dict[str, Any]) -> None:
    result = quiet_run["long_poll"]
    assert result["status"] == "passed", result
    typed = _steps(result)["Type 'Ada' into the Name field"]
    # The quiet wait gives up after its bound (2 s); liveness only, not timing.
    assert typed["ready_ms"] < 15_000


def test_a_key_waits_for_its_field_to_be_enabled(quiet_run: dict[str, Any]) -> None:
    """Playwright presses a key in a disabled field without a word (the key goes
    nowhere); a step in words waits for the field, and fails if it stays disabled."""
    assert quiet_run["enabled_late"]["status"] == "passed", quiet_run["enabled_late"]
    never = quiet_run["never_enabled"]
    assert never["status"] == "failed"
    assert never["error_type"] == "element_not_interactable"
    assert never["error"] == "Element not interactable: #code (disabled)"


def test_explicit_steps_do_not_wait(quiet_run: dict[str, Any]) -> None:
    result = quiet_run["explicit"]
    assert result["status"] == "passed", result
    assert all("ready_ms" not in step for step in result["steps"])


# The first step in words after the navigation.
_STEP = StepSpec(step_id="s1", description="Type 'Ada' into the Name field")


def test_streams_are_not_waited_for_and_a_new_document_drops_old_requests(
    base_url: str,
) -> None:
    """What the quiet wait counts, read from a real page: the long poll is in
    flight, the open EventSource is not; once another document is committed,
    nothing of the old one is."""

    async def scenario() -> tuple[int | None, list[str], list[str]]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = await browser.new_page()
            ctx = StepContext(element_timeout_ms=3000, navigation_timeout_ms=10000, base_url=None)
            ready = readiness.PageReadiness(page, PageReady.NETWORK_QUIET, ctx)
            ready.attach()
            await page.goto(base_url + "/stream-page")
            await page.wait_for_function("() => window.streamed === true")
            waited = await ready.settle(_STEP)
            counted = sorted(r.resource_type for r in ready.in_flight)
            await page.goto(base_url + "/todo")
            left = [r.url for r in ready.in_flight if not r.url.endswith(("/todo", "/chunk.js"))]
            await browser.close()
            return waited, counted, left

    waited, counted, left = asyncio.run(scenario())
    assert waited is not None
    assert counted == ["fetch"]
    assert left == []


# ---- the plan setting, through the API ----------------------------------------------


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("page-ready")


def test_plan_page_ready_default_update_and_run(api: Api, base_url: str) -> None:
    """Accepted, returned, frozen into the execution and used by its runner."""
    _project, plan_id = seed.simple_plan(
        api, base_url, {"Todo": _api_steps()}, element_wait_timeout_ms=2000
    )
    plan = api.ok("GET", f"/api/v1/test-plans/{plan_id}")
    assert plan["page_ready"] == "network_quiet"
    passed = _execute(api, plan)
    assert passed["status"] == "passed", passed
    typed = passed["steps"][1]
    assert typed["name"] == "Type 'Buy milk' into the new todo field"
    assert isinstance(typed["ready_ms"], int)

    plan = api.ok("PATCH", f"/api/v1/test-plans/{plan_id}", json={"page_ready": "load"})
    assert plan["page_ready"] == "load"
    assert api.ok("GET", f"/api/v1/test-plans/{plan_id}")["page_ready"] == "load"
    assert _execute(api, plan)["status"] == "failed"

    created = api.ok(
        "POST",
        "/api/v1/test-plans",
        json={"project_id": plan["project_id"], "name": "Load", "page_ready": "load"},
    )
    assert created["page_ready"] == "load"


def _api_steps() -> list[dict[str, Any]]:
    return [{"description": s} for s in ("Go to /todo", *ADD_MILK)]


def _execute(api: Api, plan: dict[str, Any]) -> dict[str, Any]:
    body = {"project_id": plan["project_id"], "test_plan_id": plan["id"]}
    execution = api.ok("POST", "/api/v1/executions", json=body)
    assert execution["status"] == "completed", execution
    results = api.ok("GET", f"/api/v1/executions/{execution['id']}/results")
    (test,) = results["test_results"]
    return dict(test)
