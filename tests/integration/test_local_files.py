"""Tests never read the server's files (issue 9).

A marker file holding a unique token stands for the server's files. Each test
runs the real runner (or the real server) against real Chromium and a loopback
HTTP server, then looks for the token everywhere a result can carry it: every
event the runner emitted (steps, errors, expected/actual, failure context,
console and request evidence) and every artifact it wrote (screenshots'
directory, traces unzipped, page archives decoded), or, through the API, the
results, the failure analysis and the downloadable artifacts.

1. A step never opens anything but http(s): written as a URL, in plain English,
   through ``{{variables}}`` or joined to a base URL that is not http.
2. Pages served over http cannot open ``file:`` URLs: Chromium refuses every way
   tried here (link, redirect, iframe, fetch, window.open, location, meta
   refresh, subresources); the results show the refusal and no content.
3. The runner's own guard, checked with Chromium's protection switched off
   (``--disable-web-security``) and with the step check switched off: the page
   lands on the file, and the run keeps nothing of it and says so.
4. Through the API: an execution whose variables point a navigate step at the
   file is refused, and the token is in none of its answers.
"""

from __future__ import annotations

import asyncio
import email
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from bugbrain.contract.spec import parse_spec
from bugbrain.runner import browser
from bugbrain.runner.browser import run_spec, system_chromium
from bugbrain.steps import urls
from tests.support import seed
from tests.support.servers import Api, BugbrainServer, serving

pytestmark = pytest.mark.browser

CHROMIUM = system_chromium(headless=True)
NOT_THERE = "text-that-is-on-no-page"


@dataclass(frozen=True)
class Marker:
    token: str
    path: Path

    @property
    def url(self) -> str:
        return self.path.as_uri()

    @property
    def dir_url(self) -> str:
        return self.path.parent.as_uri() + "/"


@pytest.fixture(scope="module")
def marker(tmp_path_factory: pytest.TempPathFactory) -> Marker:
    token = f"bugbrain-secret-{uuid.uuid4().hex}"
    path = tmp_path_factory.mktemp("server-files") / "hostname.txt"
    path.write_text(f"{token}\n")
    return Marker(token, path)


def _pages(file_url: str) -> dict[str, str]:
    return {
        "/ok": "<title>OK</title><p>An ordinary page</p>",
        "/link": f'<p>Links</p><a id="go" href="{file_url}">the file</a>',
        "/iframe": f'<p>Framed</p><iframe id="f" src="{file_url}"></iframe>',
        "/fetch": (
            '<p id="out">waiting</p><script>'
            f'fetch("{file_url}").then(r => r.text())'
            '.then(t => { document.getElementById("out").textContent = "read: " + t; })'
            '.catch(e => { document.getElementById("out").textContent = "fetch failed"; });'
            "</script>"
        ),
        "/popup": f'<p>Popup</p><script>window.open("{file_url}");</script>',
        "/popup-click": (
            f'<p>Popup on click</p><button id="go" onclick="window.open(\'{file_url}\')">'
            "open</button>"
        ),
        "/location": f'<p>Moving</p><script>setTimeout(() => {{ location = "{file_url}"; }}, 50);</script>',
        "/refresh": f'<meta http-equiv="refresh" content="0;url={file_url}"><p>Refreshing</p>',
        "/subresources": (
            f'<p>Pictures</p><img src="{file_url}"><script src="{file_url}"></script>'
            f'<link rel="stylesheet" href="{file_url}">'
        ),
        # Content a page makes itself may be framed (no refusal there).
        "/own-frames": (
            "<p>Own frames</p>"
            '<iframe srcdoc="<p>srcdoc</p>"></iframe>'
            '<iframe src="data:text/html,<p>data</p>"></iframe>'
            '<iframe src="about:blank"></iframe>'
            '<iframe id="b"></iframe>'
            "<script>document.getElementById('b').src = URL.createObjectURL("
            "new Blob(['<p>blob</p>'], {type: 'text/html'}));</script>"
        ),
    }


@pytest.fixture(scope="module")
def site(marker: Marker) -> Iterator[str]:
    pages = _pages(marker.url)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/redirect":
                self.send_response(302)
                self.send_header("Location", marker.url)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = pages.get(path, "not found").encode()
            self.send_response(200 if path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield url


# --------------------------------------------------------------------------- helpers


def _steps(*specs: tuple[str, str | None, str | None]) -> list[dict[str, Any]]:
    return [
        {"step_id": f"s{i}", "description": None, "action": a, "selector": s, "value": v}
        for i, (a, s, v) in enumerate(specs, start=1)
    ]


def _run(
    marker: Marker, artifacts: Path, tests: dict[str, list[dict[str, Any]]], **over: Any
) -> dict[str, dict[str, Any]]:
    """Run ``tests`` in-process; check the token is nowhere; the results by test id."""
    data: dict[str, Any] = {
        "execution_id": "exec_local_files",
        "chromium_path": CHROMIUM,
        "headless": True,
        "parallelism": 4,
        # Everything a run can keep is kept, so that the token has every chance to show.
        "screenshot_mode": "every_step",
        "trace_mode": "always",
        "trace_snapshots": True,
        "element_wait_timeout_ms": 800,
        "navigation_timeout_ms": 10000,
        "artifacts_dir": str(artifacts),
        "tests": [
            {"position": i, "test_id": tid, "name": tid, "steps": steps}
            for i, (tid, steps) in enumerate(tests.items())
        ],
        **over,
    }
    events: list[dict[str, Any]] = []
    asyncio.run(run_spec(parse_spec(data), lambda event: events.append(dict(event))))
    assert events[-1] == {"event": "done"}
    _assert_nowhere(marker.token, events, artifacts, data["tests"])
    return {e["result"]["test_id"]: e["result"] for e in events if e["event"] == "test_finished"}


def _texts_of(path: Path) -> Iterator[tuple[str, bytes]]:
    """The bytes of an artifact as a reader would see them: zips unzipped, MHTML decoded."""
    data = path.read_bytes()
    yield str(path), data
    if path.suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield f"{path}!{name}", archive.read(name)
    elif path.suffix == ".mhtml":
        for part in email.message_from_bytes(data).walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                yield f"{path}!{part.get_content_type()}", payload


def _assert_nowhere(token: str, events: list[dict[str, Any]], artifacts: Path, tests: Any) -> None:
    # The spec itself names the file, never its content.
    assert token not in json.dumps(tests)
    assert token not in json.dumps(events), "the file's content is in the runner's events"
    for path in artifacts.rglob("*"):
        if path.is_file():
            for where, data in _texts_of(path):
                assert token.encode() not in data, f"the file's content is in {where}"


def _failed_step(test: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in test["steps"] if s["status"] == "failed"]
    return dict(step)


# --------------------------------------------------------------------------- 1. steps


def test_steps_never_open_other_schemes(marker: Marker, site: str, tmp_path: Path) -> None:
    port = site.rsplit(":", 1)[1]
    refused = {
        "file": marker.url,
        "file upper case": marker.url.replace("file:", "FILE:"),
        "file padded": f" \t{marker.url}",
        "file with a tab": marker.url.replace("file:", "fi\tle:"),
        "view-source": f"view-source:{marker.url}",
        "chrome": "chrome://version",
        "about": "about:version",
        "data": "data:text/html,<p>made up</p>",
        "javascript": "javascript:document.title",
        "blob": f"blob:{site}/0b4c3a2e-0000-4000-8000-000000000000",
        "filesystem": f"filesystem:{marker.url}",
        "ftp": "ftp://127.0.0.1/x",
        "ws": f"ws://127.0.0.1:{port}/",
        "variable": "{{secret}}",
        "variable prefix": "{{files}}hostname.txt",
    }
    tests = {
        name: _steps(("navigate", None, url), ("assert_text", None, NOT_THERE))
        for name, url in refused.items()
    }
    tests["selector"] = _steps(("navigate", marker.url, None), ("assert_text", None, NOT_THERE))
    tests["plain English"] = [
        {"step_id": "s1", "description": f"Go to {marker.url}", "action": ""},
        {"step_id": "s2", "description": None, "action": "assert_text", "value": NOT_THERE},
    ]
    # Still opened: http(s), about:blank, a relative path, a host with a port.
    tests["allowed"] = _steps(
        ("navigate", None, "about:blank"),
        ("navigate", None, "/ok"),
        ("navigate", None, f"127.0.0.1:{port}/ok"),
        ("navigate", None, f"{site}/ok"),
        ("assert_title", None, "OK"),
    )
    results = _run(
        marker,
        tmp_path,
        tests,
        base_url=site,
        variables={"secret": marker.url, "files": marker.dir_url},
    )
    assert results["allowed"]["status"] == "passed", results["allowed"]
    for name in [*refused, "selector", "plain English"]:
        test = results[name]
        assert test["status"] == "failed", name
        first, second = test["steps"]
        assert first["status"] == "failed", (name, first)
        assert first["error_type"] == "invalid_step", (name, first)
        assert first["error"].startswith("Refused to open "), (name, first)
        assert first["error"].endswith(": only http and https URLs may be opened"), (name, first)
        assert second["status"] == "skipped", name
        assert test["final_url"] == "about:blank", (name, test["final_url"])
    assert results["variable"]["steps"][0]["error"] == (
        f"Refused to open {marker.url}: only http and https URLs may be opened"
    )
    assert marker.url in results["variable prefix"]["steps"][0]["error"]


def test_a_base_url_that_is_not_http_is_not_joined_to(
    marker: Marker, site: str, tmp_path: Path
) -> None:
    """A base URL saved before the check, or edited in the database, is refused too."""
    results = _run(
        marker,
        tmp_path,
        {"relative": _steps(("navigate", None, marker.path.name))},
        base_url=marker.dir_url,
    )
    step = _failed_step(results["relative"])
    assert step["error_type"] == "invalid_step"
    assert step["error"] == f"Refused to open {marker.url}: only http and https URLs may be opened"


# --------------------------------------------------------------------------- 2. Chromium


# page path, the click that follows (if any), what the browser said
VECTORS: dict[str, tuple[str, str | None, str]] = {
    "link click": ("/link", "#go", "Not allowed to load local resource"),
    "iframe": ("/iframe", None, "Not allowed to load local resource"),
    "fetch": ("/fetch", None, "Fetch API cannot load"),
    "window.open": ("/popup", None, "Not allowed to load local resource"),
    "window.open on click": ("/popup-click", "#go", "Not allowed to load local resource"),
    "location": ("/location", None, "Not allowed to load local resource"),
    "meta refresh": ("/refresh", None, "Not allowed to load local resource"),
    "subresources": ("/subresources", None, "Not allowed to load local resource"),
}


def _vector_steps(path: str, click: str | None) -> list[dict[str, Any]]:
    specs: list[tuple[str, str | None, str | None]] = [("navigate", None, path)]
    if click:
        specs.append(("click", click, None))
    # Time for the page to try, then a check that fails and quotes the page's text.
    specs += [("wait", None, "300"), ("assert_text", None, NOT_THERE)]
    return _steps(*specs)


def test_pages_served_over_http_cannot_open_local_files(
    marker: Marker, site: str, tmp_path: Path
) -> None:
    tests = {name: _vector_steps(path, click) for name, (path, click, _) in VECTORS.items()}
    tests["redirect"] = _steps(("navigate", None, "/redirect"))
    tests["own frames"] = _steps(("navigate", None, "/own-frames"), ("wait", None, "300"))
    results = _run(marker, tmp_path, tests, base_url=site)

    redirect = _failed_step(results["redirect"])
    assert redirect["error_type"] == "navigation_error"
    assert "net::ERR_UNSAFE_REDIRECT" in redirect["error"]
    assert results["own frames"]["status"] == "passed", results["own frames"]
    for name, (_, _, said) in VECTORS.items():
        test = results[name]
        step = _failed_step(test)
        # Chromium refused: the page stayed, the check read the http page only,
        # and the guard had nothing to do.
        assert step["error_type"] == "assertion_failed", (name, step)
        assert step["action"] == "assert_text", (name, step)
        assert test["final_url"].startswith(site), (name, test["final_url"])
        assert any(said in c["text"] for c in test["evidence"]["console_errors"]), (name, test)
        assert test["evidence"]["trace"] is not None, name


# --------------------------------------------------------------------------- 3. the guard

GUARDED = [
    "link click",
    "iframe",
    "window.open",
    "window.open on click",
    "location",
    "meta refresh",
]


def test_guard_when_chromium_lets_a_page_open_local_files(
    marker: Marker, site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With web security off, Chromium lets an http page take a frame (or a popup)
    to a file: URL. The guard notices, fails the step, blanks the page before
    anything reads it, and keeps no screenshot, trace or archive of it."""
    monkeypatch.setattr(browser, "BROWSER_ARGS", [*browser.BROWSER_ARGS, "--disable-web-security"])
    tests = {name: _vector_steps(*VECTORS[name][:2]) for name in GUARDED}
    for steps in tests.values():
        steps.append({"step_id": "after", "action": "navigate", "value": "/ok"})
    results = _run(marker, tmp_path, tests, base_url=site)
    for name in GUARDED:
        _assert_guarded(name, results[name])


def test_guard_when_a_step_opens_a_local_file(
    marker: Marker, site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step's own check switched off: the guard still refuses the page."""
    monkeypatch.setattr(urls, "target_problem", lambda target: None)
    monkeypatch.setattr(urls, "openable", lambda url: True)
    for name in ("view-source:", ""):
        steps = _steps(("navigate", None, name + marker.url), ("assert_text", None, NOT_THERE))
        results = _run(marker, tmp_path / (name or "file"), {"direct": steps}, base_url=site)
        _assert_guarded(name or "file", results["direct"])


def _assert_guarded(name: str, test: dict[str, Any]) -> None:
    assert test["status"] == "failed", (name, test)
    step = _failed_step(test)
    assert step["error_type"] == "navigation_error", (name, step)
    assert step["error"].startswith("Refused to open "), (name, step)
    assert "file:///" in step["error"], (name, step)
    assert "nothing from it was kept" in step["error"], (name, step)
    assert step["screenshot"] is None, (name, step)
    assert "context" not in step, (name, step)
    assert (step["expected"], step["actual"]) == (None, None), (name, step)
    assert test["steps"][-1]["status"] == "skipped", (name, test["steps"])
    assert test["final_url"] == "about:blank", (name, test["final_url"])
    assert test["evidence"]["trace"] is None, (name, test)
    assert test["evidence"].get("page_archive") is None, (name, test)


# --------------------------------------------------------------------------- 4. the API


def test_api_variables_cannot_point_a_step_at_a_file(
    bugbrain: BugbrainServer, marker: Marker, site: str
) -> None:
    api: Api = bugbrain.client("local-files")
    project_id, plan_id = seed.simple_plan(
        api,
        site,
        {
            "Home": [
                {"description": "Open home", "action": "navigate", "value": "{{home}}"},
                {"description": "Check", "action": "assert_text", "value": NOT_THERE},
            ]
        },
        trace_mode="always",
    )
    body = {"project_id": project_id, "test_plan_id": plan_id, "variables": {"home": marker.url}}
    execution = api.ok("POST", "/api/v1/executions", json=body)
    assert execution["status"] == "completed", execution
    results = api.ok("GET", f"/api/v1/executions/{execution['id']}/results")
    analysis = api.get(f"/api/v1/executions/{execution['id']}/failure-analysis")
    (test,) = results["test_results"]
    step = test["steps"][0]
    assert step["status"] == "failed"
    assert step["error_type"] == "invalid_step"
    assert step["error"] == f"Refused to open {marker.url}: only http and https URLs may be opened"
    assert analysis.status_code == 200, analysis.text
    assert "Refused to open" in analysis.text
    texts = [json.dumps(execution), json.dumps(results), analysis.text]
    for url in [test.get("trace"), test.get("page_archive"), step.get("screenshot")]:
        if url:
            texts.append(requests.get(url, timeout=30).content.decode("latin-1"))
    for text in texts:
        assert marker.token not in text


def test_saving_names_every_refused_step_and_keeps_the_rest(
    bugbrain: BugbrainServer, site: str
) -> None:
    api: Api = bugbrain.client("local-files-save")
    project = seed.project(api, site)
    refused = [
        {"action": "navigate", "value": "file:///etc/passwd"},
        {"action": "navigate", "value": "/about"},
        {"action": "goto", "selector": "chrome://version"},
        {"description": "Go to 'view-source:file:///etc/passwd'"},
    ]
    body = {"project_id": project["id"], "name": "Files", "steps": refused}
    response = api.post("/api/v1/test-cases", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    only = "only http and https URLs may be opened"
    assert error["details"] == [
        {"field": "steps[0].value", "message": f"Refused to open file:///etc/passwd: {only}"},
        {"field": "steps[2].selector", "message": f"Refused to open chrome://version: {only}"},
        {
            "field": "steps[3].description",
            "message": f"Refused to open view-source:file:///etc/passwd: {only}",
        },
    ]
    assert api.ok("GET", f"/api/v1/test-cases?project_id={project['id']}")["data"] == []

    allowed = [
        {"action": "navigate", "value": "about:blank"},
        {"action": "navigate", "value": "/about"},
        {"action": "navigate", "value": "localhost:3000/about"},
        {"action": "navigate", "value": "https://example.com/"},
        {"action": "navigate", "value": "{{home}}"},
        {"description": "Go to the home page"},
        {"description": "Click the file:///etc/passwd link"},  # a click, not a navigation
    ]
    body = {"project_id": project["id"], "name": "Web", "steps": allowed}
    case = api.ok("POST", "/api/v1/test-cases", json=body)
    assert [s["value"] for s in case["steps"][:5]] == [s["value"] for s in allowed[:5]]
