"""Runner against real Chromium and a real loopback HTTP server.

One "catalogue" execution (module-scoped, parallelism 8, screenshots disabled) covers the passing flow and
every error type; smaller executions cover screenshots, parallelism, stop-on-failure
and the child process end to end (events, fatal paths, SIGTERM, parent death).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import psutil
import pytest

from bugbrain.contract.spec import parse_spec
from bugbrain.runner.browser import run_spec, system_chromium
from tests.support.servers import serving
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser

CHROMIUM = system_chromium(headless=True)

FORM_HTML = """<!doctype html><html><head><title>Form page</title><style>
#menu .sub { display: none } #menu:hover .sub { display: block }
#cover-wrap { position: relative; width: 200px; height: 40px }
#cover { position: absolute; inset: 0; background: #c00 }
</style></head><body>
<h1>Sign in</h1>
<form action="/dashboard" method="get">
  <input id="email" name="email">
  <input id="password" name="password" type="password">
  <select id="plan" name="plan">
    <option value="free">Free plan</option><option value="pro">Pro plan</option>
  </select>
  <label><input id="terms" name="terms" type="checkbox"> terms</label>
  <label><input id="news" name="news" type="checkbox" checked> news</label>
  <input id="readonly" value="fixed" readonly>
  <button id="submit" type="submit">Sign in</button>
</form>
<div id="menu">Menu<div class="sub" id="submenu">Settings</div></div>
<button id="hidden" style="display:none">Hidden</button>
<button id="disabled" disabled>Disabled</button>
<div id="cover-wrap"><button id="covered">Covered</button><div id="cover"></div></div>
<p class="dup">one</p><p class="dup">two</p>
<p id="msg">Ready to   sign in</p>
<script>
setTimeout(function () {
  var d = document.createElement("div"); d.id = "late"; d.textContent = "Late content";
  document.body.appendChild(d);
}, 300);
</script></body></html>"""

DASHBOARD_HTML = """<!doctype html><html><head><title>Dashboard</title></head><body>
<h1>Welcome</h1><p>User: <span id="who"></span></p><p id="summary"></p>
<script>
var q = new URLSearchParams(location.search);
document.getElementById("who").textContent = q.get("email");
document.getElementById("summary").textContent = "Plan: " + q.get("plan") +
  "; terms: " + (q.get("terms") ? "yes" : "no") + "; news: " + (q.get("news") ? "yes" : "no");
</script></body></html>"""

# path -> (status, body, delay seconds)
ROUTES: dict[str, tuple[int, str, float]] = {
    "/form": (200, FORM_HTML, 0.0),
    "/dashboard": (200, DASHBOARD_HTML, 0.0),
    "/boom": (500, "<h1>Internal error</h1>", 0.0),
    "/slow": (200, "<title>Slow</title>slow", 20.0),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body, delay = ROUTES.get(self.path.split("?", 1)[0], (404, "not found", 0.0))
        if delay:
            time.sleep(delay)
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _steps(*specs: tuple[str, str | None, str | None]) -> list[dict[str, Any]]:
    return [
        {"step_id": f"s{i}", "description": None, "action": a, "selector": s, "value": v}
        for i, (a, s, v) in enumerate(specs, start=1)
    ]


def _spec(
    artifacts: Path, tests: list[tuple[str, list[dict[str, Any]]]], **over: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "execution_id": "exec_test",
        "browser": "chromium",
        "chromium_path": CHROMIUM,
        "headless": True,
        "parallelism": 1,
        "stop_on_first_failure": False,
        "screenshot_mode": "disabled",
        "element_wait_timeout_ms": 1000,
        "navigation_timeout_ms": 10000,
        "base_url": None,
        "variables": {"email": "demo@bugbrain.dev", "pw": "s3cret"},
        "artifacts_dir": str(artifacts),
        "tests": [
            {"position": i, "test_id": tid, "name": tid.title(), "steps": steps}
            for i, (tid, steps) in enumerate(tests)
        ],
    }
    data.update(over)
    return data


def _run(data: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    asyncio.run(run_spec(parse_spec(data), lambda event: events.append(dict(event))))
    return events


def _results(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["result"]["test_id"]: e["result"] for e in events if e["event"] == "test_finished"}


NAV = ("navigate", None, "/form")

FLOW = _steps(
    NAV,
    ("fill", "#email", "{{ email }}"),
    ("type", "#password", "{{pw}}"),
    ("select", "#plan", "Pro plan"),
    ("check", "#terms", None),
    ("uncheck", "#news", None),
    ("hover", "#menu", None),
    ("assert_visible", "#submenu", None),
    ("wait", None, "#late"),
    ("wait", None, "50"),
    ("assert_text", "#late", "Late content"),
    ("assert_text", "#msg", "Ready to sign in"),
    ("press", "#email", "End"),
    ("press", None, "Tab"),
    ("Click", "//button[@id='submit']", None),
    ("assert_url", None, "/dashboard"),
    ("assert_title", None, "Dash"),
    ("assert_text", "#who", "demo@bugbrain.dev"),
    ("assert_text", None, "Plan: pro; terms: yes; news: no"),
)

CATALOGUE: list[tuple[str, list[dict[str, Any]]]] = [
    ("not_found", _steps(NAV, ("click", "#nope", None), ("click", "#submit", None), NAV)),
    ("hidden", _steps(NAV, ("click", "#hidden", None))),
    ("disabled", _steps(NAV, ("click", "#disabled", None))),
    ("covered", _steps(NAV, ("click", "#covered", None))),
    ("readonly", _steps(NAV, ("fill", "#readonly", "x"))),
    ("ambiguous", _steps(NAV, ("click", ".dup", None))),
    ("text", _steps(NAV, ("assert_text", None, "Order confirmed"))),
    ("text_in", _steps(NAV, ("assert_text", "#msg", "Goodbye"))),
    ("url", _steps(NAV, ("assert_url", None, "/cart"))),
    ("title", _steps(NAV, ("assert_title", None, "Checkout"))),
    ("visible", _steps(NAV, ("assert_visible", "#hidden", None))),
    ("option", _steps(NAV, ("select", "#plan", "platinum"))),
    ("closed_port", _steps(("navigate", None, "http://127.0.0.1:{closed}/x"))),
    ("http500", _steps(("navigate", "/boom", ""))),
    ("wait_timeout", _steps(NAV, ("wait", "#never", None))),
    ("unknown_action", _steps(NAV, ("teleport", "#x", None))),
    ("no_selector", _steps(NAV, ("click", None, None))),
    ("bad_selector", _steps(NAV, ("click", "##bad", None))),
    ("variable", _steps(NAV, ("fill", "#email", "{{ nope }}"))),
]

# test_id -> (error_type, exact message or None, message fragment, failed step index)
EXPECTED_FAILURES: dict[str, tuple[str, str | None, str, int]] = {
    "not_found": ("element_not_found", "Element not found: #nope", "", 1),
    "hidden": ("element_not_interactable", "Element not interactable: #hidden (hidden)", "", 1),
    "disabled": (
        "element_not_interactable",
        "Element not interactable: #disabled (disabled)",
        "",
        1,
    ),
    "covered": ("element_not_interactable", None, "Element not interactable: #covered (covered", 1),
    "readonly": (
        "element_not_interactable",
        "Element not interactable: #readonly (read-only)",
        "",
        1,
    ),
    "ambiguous": ("ambiguous_selector", "Selector .dup matched 2 elements", "", 1),
    "text": ("assertion_failed", "Expected text 'Order confirmed' not found on page", "", 1),
    "text_in": ("assertion_failed", "Expected text 'Goodbye' not found in #msg", "", 1),
    "url": (
        "assertion_failed",
        None,
        "Expected URL to contain '/cart' but was 'http://127.0.0.1:",
        1,
    ),
    "title": (
        "assertion_failed",
        "Expected title to contain 'Checkout' but was 'Form page'",
        "",
        1,
    ),
    "visible": ("assertion_failed", "Expected #hidden to be visible but it is hidden", "", 1),
    "option": ("element_not_found", "Option 'platinum' not found in #plan", "", 1),
    "closed_port": ("navigation_error", None, "failed: net::ERR_CONNECTION_REFUSED", 0),
    "http500": ("navigation_error", None, "/boom failed: HTTP 500", 0),
    "wait_timeout": ("timeout", None, "waiting for #never to be visible (no matching element)", 1),
    "unknown_action": (
        "invalid_step",
        None,
        "Unknown action 'teleport' (known actions: navigate,",
        1,
    ),
    "no_selector": ("invalid_step", "Action 'click' requires a selector", "", 1),
    "bad_selector": ("invalid_step", None, "Invalid selector ##bad", 1),
    "variable": ("variable_missing", "Unknown variable {{nope}} (known: email, pw)", "", 1),
}


@pytest.fixture(scope="module")
def catalogue(
    base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dict[str, Any]], Path]:
    artifacts = tmp_path_factory.mktemp("catalogue")
    tests = json.loads(json.dumps(CATALOGUE).replace("{closed}", str(_closed_port())))
    data = _spec(
        artifacts,
        tests,
        base_url=base_url,
        parallelism=8,
        screenshot_mode="disabled",
        element_wait_timeout_ms=2000,
        navigation_timeout_ms=30000,
    )
    return _run(data), artifacts


def test_catalogue_event_stream(catalogue: tuple[list[dict[str, Any]], Path]) -> None:
    events, _ = catalogue
    assert events[0]["event"] == "browser_started"
    assert events[0]["browser_version"].split(".")[0].isdigit()
    assert events[-1] == {"event": "done"}
    finished = [e for e in events if e["event"] == "test_finished"]
    assert sorted(e["position"] for e in finished) == list(range(len(CATALOGUE)))
    for position in range(len(CATALOGUE)):
        kinds = [e["event"] for e in events if e.get("position") == position]
        n_steps = len(CATALOGUE[position][1])
        assert kinds == ["test_started"] + ["step_finished"] * n_steps + ["test_finished"]
    started = next(e for e in events if e["event"] == "test_started")
    assert started["started_at"].endswith("Z")
    json.dumps(events)  # everything is JSON-serialisable


def test_passing_flow(base_url: str, tmp_path: Path) -> None:
    data = _spec(
        tmp_path,
        [("flow", FLOW)],
        base_url=base_url,
        screenshot_mode="on_failure",
        element_wait_timeout_ms=10000,
        navigation_timeout_ms=30000,
    )
    result = _results(_run(data))["flow"]
    assert [s["status"] for s in result["steps"]] == ["passed"] * len(result["steps"]), result
    assert result["status"] == "passed"
    assert result["error"] is None
    assert result["error_type"] is None
    assert result["failed_step_id"] is None
    assert result["screenshot"] is None  # on_failure mode
    assert result["final_url"].startswith(
        result["steps"][0]["url"].split("/form")[0] + "/dashboard?"
    )
    assert result["duration_ms"] > 0
    fill, typed = result["steps"][1], result["steps"][2]
    assert fill["value"] == "demo@bugbrain.dev"
    assert fill["name"] == "fill #email 'demo@bugbrain.dev'"
    assert typed["action"] == "fill"
    assert result["steps"][14]["action"] == "click"
    assert result["steps"][0]["url"].endswith("/form")
    last = result["steps"][-1]
    assert last["expected"] == "Plan: pro; terms: yes; news: no"
    assert "Welcome" in last["actual"]


def test_fingerprints_are_read_unless_fresh(base_url: str, tmp_path: Path) -> None:
    """A passing element step records its element for healing, except when the
    server says the stored fingerprint is recent; healing off records none."""
    steps = _steps(NAV, ("fill", "#email", "a@b.c"), ("click", "#terms", None))
    steps[1]["fingerprint"] = {"tag": "input", "id": "email"}
    steps[1]["fingerprint_fresh"] = True
    result = _results(_run(_spec(tmp_path, [("t", steps)], base_url=base_url)))["t"]
    assert result["status"] == "passed"
    nav, fill, click = result["steps"]
    assert "fingerprint" not in nav
    assert "fingerprint" not in fill
    assert click["fingerprint"]["id"] == "terms"
    off = _results(_run(_spec(tmp_path, [("t", steps)], base_url=base_url, healing="off")))["t"]
    assert [s.get("fingerprint") for s in off["steps"]] == [None, None, None]


@pytest.mark.parametrize("test_id", sorted(EXPECTED_FAILURES))
def test_failure_reporting(catalogue: tuple[list[dict[str, Any]], Path], test_id: str) -> None:
    events, _ = catalogue
    error_type, exact, fragment, index = EXPECTED_FAILURES[test_id]
    result = _results(events)[test_id]
    step = result["steps"][index]
    assert result["status"] == "failed"
    assert step["status"] == "failed"
    assert step["error_type"] == error_type, step
    if exact is not None:
        assert step["error"] == exact
    assert fragment in step["error"]
    assert "\n" not in step["error"]
    assert "Call log" not in step["error"]
    assert result["error"] == step["error"]
    assert result["error_type"] == error_type
    assert result["failed_step_id"] == step["step_id"]
    assert all(s["status"] == "passed" for s in result["steps"][:index])
    assert all(s["status"] == "skipped" for s in result["steps"][index + 1 :])


def test_disabled_screenshots_write_nothing(catalogue: tuple[list[dict[str, Any]], Path]) -> None:
    events, artifacts = catalogue
    assert artifacts.is_dir()
    assert list(artifacts.rglob("*.png")) == []
    for result in _results(events).values():
        assert result["screenshot"] is None
        assert all(s["screenshot"] is None for s in result["steps"])


def test_assertion_failures_carry_expected_and_actual(
    catalogue: tuple[list[dict[str, Any]], Path],
) -> None:
    results = _results(catalogue[0])
    url_step = results["url"]["steps"][1]
    assert url_step["expected"] == "/cart"
    assert url_step["actual"].endswith("/form")
    assert url_step["url"] == url_step["actual"]
    text_in = results["text_in"]["steps"][1]
    assert (text_in["expected"], text_in["actual"]) == ("Goodbye", "Ready to sign in")
    title = results["title"]["steps"][1]
    assert (title["expected"], title["actual"]) == ("Checkout", "Form page")
    assert "Sign in" in results["text"]["steps"][1]["actual"]


def test_remaining_steps_skipped_after_failure(
    catalogue: tuple[list[dict[str, Any]], Path],
) -> None:
    result = _results(catalogue[0])["not_found"]
    assert [s["status"] for s in result["steps"]] == ["passed", "failed", "skipped", "skipped"]
    skipped = result["steps"][2]
    assert skipped["duration_ms"] == 0
    assert skipped["error"] is None
    assert skipped["url"] is None
    assert skipped["name"] == "click #submit"
    variable = _results(catalogue[0])["variable"]["steps"][1]
    assert variable["value"] == "{{ nope }}"  # unsubstituted when the variable is unknown


@pytest.mark.parametrize(
    ("mode", "shots", "test_shot"),
    [
        ("every_step", {"s1", "s2", "s3", "s4"}, "s4"),
        ("on_failure", {"s4"}, "s4"),
        ("on_assertions", {"s3", "s4"}, "s4"),
    ],
)
def test_screenshot_modes(
    base_url: str, tmp_path: Path, mode: str, shots: set[str], test_shot: str | None
) -> None:
    steps = _steps(
        NAV,
        ("click", "#terms", None),
        ("assert_title", None, "Form"),
        ("click", ".dup", None),
        ("click", "#submit", None),
    )
    ok = _steps(NAV, ("assert_title", None, "Form"))
    data = _spec(
        tmp_path,
        [("shots", steps), ("ok", ok)],
        base_url=base_url,
        screenshot_mode=mode,
        screenshot_source="pixels",  # files on disk at once (dom_snapshot: test_step_snapshots.py)
    )
    results = _results(_run(data))
    result = results["shots"]
    reported = {s["step_id"] for s in result["steps"] if s["screenshot"]}
    assert reported == shots
    for s in result["steps"]:
        if s["screenshot"]:
            assert s["screenshot"] == f"shots/{s['step_id']}.png"
    on_disk = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.png")}
    ok_shots = {"every_step": {"ok/s1.png", "ok/s2.png"}, "on_assertions": {"ok/s2.png"}}
    ok_shot = "ok/s2.png" if mode in ok_shots else None
    assert on_disk == {f"shots/{s}.png" for s in shots} | ok_shots.get(mode, set())
    for png in tmp_path.rglob("*.png"):
        head = png.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        # IHDR: the whole 1280 x 720 viewport
        assert (int.from_bytes(head[16:20]), int.from_bytes(head[20:24])) == (1280, 720)
    assert result["screenshot"] == (f"shots/{test_shot}.png" if test_shot else None)
    assert results["ok"]["screenshot"] == ok_shot


def test_parallelism_runs_tests_concurrently(tmp_path: Path) -> None:
    wait = _steps(("wait", None, "700"))
    data = _spec(
        tmp_path,
        [("par", wait), ("par", wait), ("solo", wait)],
        parallelism=3,
        screenshot_mode="every_step",
    )
    stamped: list[tuple[float, dict[str, Any]]] = []
    asyncio.run(run_spec(parse_spec(data), lambda e: stamped.append((time.monotonic(), dict(e)))))
    starts = [t for t, e in stamped if e["event"] == "test_started"]
    ends = [t for t, e in stamped if e["event"] == "test_finished"]
    results = [e["result"] for _, e in stamped if e["event"] == "test_finished"]
    assert len(starts) == 3
    assert max(starts) < min(ends)  # all three were running at the same time
    serial_s = sum(r["duration_ms"] for r in results) / 1000
    assert serial_s >= 2.1
    assert max(ends) - min(starts) < 0.75 * serial_s
    assert all(r["status"] == "passed" for r in results)
    # duplicate test_ids get position-prefixed screenshot dirs
    shots = sorted(r["screenshot"] for r in results)
    assert shots == ["0_par/s1.png", "1_par/s1.png", "solo/s1.png"]


def test_stop_on_first_failure_skips_later_tests(base_url: str, tmp_path: Path) -> None:
    """Also covers the navigation timeout (slow page, small navigation timeout)."""
    data = _spec(
        tmp_path,
        [
            ("first", _steps(("navigate", None, "/slow"), ("assert_title", None, "Slow"))),
            ("second", _steps(("wait", None, "10"), ("assert_title", None, "x"))),
            ("third", _steps(("wait", None, "10"))),
        ],
        base_url=base_url,
        stop_on_first_failure=True,
        navigation_timeout_ms=1000,
        screenshot_mode="every_step",
    )
    events = _run(data)
    results = _results(events)
    first = results["first"]
    assert first["status"] == "failed"
    assert first["error_type"] == "timeout"
    assert first["error"] == f"Navigation to {base_url}/slow timed out after 1000 ms"
    assert [s["status"] for s in first["steps"]] == ["failed", "skipped"]
    # the pending navigation is aborted, so the screenshot does not wait for the 20 s page
    assert first["screenshot"] == "first/s1.png"
    assert first["duration_ms"] < 15000
    for tid in ("second", "third"):
        r = results[tid]
        assert r["status"] == "skipped"
        assert r["duration_ms"] == 0
        assert r["error"] is None
        assert r["screenshot"] is None
        assert all(s["status"] == "skipped" for s in r["steps"])
    assert [e["position"] for e in events if e["event"] == "test_started"] == [0]
    assert events[-1] == {"event": "done"}


# --------------------------------------------------------------------------- child process


def _child_cmd(spec_path: Path) -> list[str]:
    return [sys.executable, "-m", "bugbrain.runner.child", str(spec_path)]


def _write_spec(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(data))
    return path


def test_child_end_to_end(base_url: str, tmp_path: Path) -> None:
    data = _spec(
        tmp_path / "artifacts",
        [
            ("good", _steps(NAV, ("assert_title", None, "Form"))),
            ("bad", _steps(NAV, ("click", ".dup", None))),
        ],
        base_url=base_url,
        screenshot_mode="every_step",
        chromium_path=None,  # the system's (no Playwright-managed browser): system_chromium
    )
    proc = subprocess.run(
        _child_cmd(_write_spec(tmp_path, data)), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[0]["event"] == "browser_started"
    assert events[-1] == {"event": "done"}
    results = _results(events)
    assert results["good"]["status"] == "passed"
    assert results["bad"]["error"] == "Selector .dup matched 2 elements"
    assert (tmp_path / "artifacts" / "bad" / "s2.png").is_file()


def _warm_cmd(tmp_path: Path, chromium: str = CHROMIUM) -> list[str]:
    return [sys.executable, "-m", "bugbrain.runner.child", "--warm", str(tmp_path), chromium, "1"]


def _browser_children(pid: int) -> list[psutil.Process]:
    return eventually(
        lambda: psutil.Process(pid).children(recursive=True),
        until=lambda found: any("chrom" in p.name().lower() for p in found),
        interval=0.05,
        message=f"the warm runner {pid} to launch Chromium",
    )


def _warm_run(
    base_url: str, tmp_path: Path, while_waiting: Callable[[int], object]
) -> list[dict[str, Any]]:
    """Start a warm runner, call ``while_waiting(pid)`` once Chromium is up, then
    hand it a one-test spec; its events."""
    data = _spec(tmp_path / "artifacts", [("good", _steps(NAV))], base_url=base_url)
    spec_path = _write_spec(tmp_path, data)
    proc = subprocess.Popen(
        _warm_cmd(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while_waiting(proc.pid)
        out, err = proc.communicate(f"{spec_path}\n", timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, out + err[-3000:]
    return [json.loads(line) for line in out.splitlines()]


def test_warm_child_launches_first_then_runs_the_spec_it_is_given(
    base_url: str, tmp_path: Path
) -> None:
    # Chromium is up before there is anything to run.
    events = _warm_run(base_url, tmp_path, _browser_children)
    assert events[0]["event"] == "browser_started"
    assert events[-1] == {"event": "done"}
    assert _results(events)["good"]["status"] == "passed"


def test_warm_child_relaunches_a_browser_that_died_while_waiting(
    base_url: str, tmp_path: Path
) -> None:
    def kill_browser(pid: int) -> None:
        browsers = [
            p
            for p in _browser_children(pid)
            if "chrom" in p.name().lower() and "--type=" not in " ".join(p.cmdline())
        ]
        assert browsers
        for browser in browsers:
            browser.kill()
        _wait_gone(browsers, "the killed Chromium to exit")
        # Part of the scenario: the browser is to be seen dead *while the runner
        # waits*, so give Playwright's driver a moment to notice the lost
        # connection before the spec arrives (nothing outside shows that it has).
        time.sleep(0.5)

    events = _warm_run(base_url, tmp_path, kill_browser)
    assert _results(events)["good"]["status"] == "passed"


def test_warm_child_given_nothing_exits_quietly(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        _warm_cmd(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        browser = _browser_children(proc.pid)
        out, _err = proc.communicate(b"", timeout=60)  # end of input: not needed after all
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert out == b""
    _wait_gone(browser, "the idle warm runner's Chromium to exit")


@pytest.mark.parametrize("launched_with", [CHROMIUM, "/nonexistent/warm-chromium"])
def test_warm_child_launch_failure_fails_the_spec(tmp_path: Path, launched_with: str) -> None:
    """A warm launch that failed, or a spec that wants another browser than the one
    launched, ends as the spec's browser_launch_failed, like a cold runner."""
    data = _spec(tmp_path, [("t", _steps(("wait", None, "1")))], chromium_path="/nonexistent/c")
    if launched_with != CHROMIUM:
        data["chromium_path"] = launched_with
    spec_path = _write_spec(tmp_path, data)
    proc = subprocess.run(
        _warm_cmd(tmp_path, launched_with),
        input=f"{spec_path}\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3, proc.stderr
    (event,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert event["event"] == "fatal"
    assert event["reason"] == "browser_launch_failed"
    assert "/nonexistent/" in event["message"]


def test_child_fatal_when_browser_missing(tmp_path: Path) -> None:
    data = _spec(
        tmp_path, [("t", _steps(("wait", None, "1")))], chromium_path="/nonexistent/chromium"
    )
    proc = subprocess.run(
        _child_cmd(_write_spec(tmp_path, data)), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(events) == 1
    assert events[0]["event"] == "fatal"
    assert events[0]["reason"] == "browser_launch_failed"
    assert "/nonexistent/chromium" in events[0]["message"]
    assert "\n" not in events[0]["message"]


@pytest.mark.parametrize("content", ["{not json", '{"execution_id": "x"}'])
def test_child_fatal_on_invalid_spec(tmp_path: Path, content: str) -> None:
    path = tmp_path / "spec.json"
    path.write_text(content)
    proc = subprocess.run(_child_cmd(path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["reason"] for e in events] == ["invalid_spec"]


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_gone(procs: list[psutil.Process], what: str) -> None:
    eventually(lambda: _alive(procs), until=lambda alive: not alive, message=what)


def _wait_for_line(lines: queue.Queue[str], needle: str) -> None:
    seen: list[str] = []

    def drain() -> list[str]:
        with contextlib.suppress(queue.Empty):
            while True:
                seen.append(lines.get_nowait())
        return seen

    eventually(
        drain,
        until=lambda got: any(needle in line for line in got),
        message=f"a line with {needle!r}",
    )


def _reader(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _long_spec(tmp_path: Path) -> Path:
    return _write_spec(tmp_path, _spec(tmp_path, [("long", _steps(("wait", None, "30000")))]))


def _browser_descendants(pid: int) -> list[psutil.Process]:
    procs = psutil.Process(pid).children(recursive=True)
    assert any("chrom" in p.name().lower() for p in procs), [p.name() for p in procs]
    return procs


def test_child_sigterm_kills_browser_tree(tmp_path: Path) -> None:
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(
        _child_cmd(_long_spec(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        reader = threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True)
        reader.start()
        try:
            _wait_for_line(lines, '"test_started"')
            descendants = _browser_descendants(proc.pid)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=5)
    _wait_gone(descendants, "the runner's browser tree to exit after SIGTERM")


def test_child_dies_with_its_parent(tmp_path: Path) -> None:
    events_path = tmp_path / "events.jsonl"
    middle_code = (
        "import subprocess, sys, time\n"
        "out = open(sys.argv[2], 'w')\n"
        "p = subprocess.Popen(sys.argv[3:] + [sys.argv[1]], stdout=out)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    cmd = [sys.executable, "-c", middle_code, str(_long_spec(tmp_path)), str(events_path)]
    cmd += _child_cmd(Path("x"))[:-1]
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as middle:
        try:
            assert middle.stdout is not None
            child = psutil.Process(int(middle.stdout.readline()))
            eventually(
                lambda: events_path.read_text() if events_path.exists() else "",
                until=lambda events: '"test_started"' in events,
                message="the child to start its test",
            )
            descendants = _browser_descendants(child.pid)
            os.kill(middle.pid, signal.SIGKILL)
        finally:
            middle.kill()
            middle.wait()
    _wait_gone([child, *descendants], "the child and its browser to exit with their parent")
