"""Passing steps' screenshots made from DOM snapshots (the plan default,
``screenshot_source: dom_snapshot``): through the API, each opens as a PNG
rendered from the test's trace that shows what a capture of the same moment
shows, is kept once rendered, and a failing step's is still a capture."""

from __future__ import annotations

import io
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import requests
from PIL import Image, ImageChops

from tests.support import seed
from tests.support.servers import Api, BugbrainServer, serving

pytestmark = pytest.mark.browser

# Styles from a stylesheet file, from a rule inserted through the CSSOM (no markup
# holds it), typed values, and a click that shows a large panel by script.
PAGE = b"""<!doctype html><html><head><title>Snap</title>
<link rel="stylesheet" href="/site.css"></head><body>
<h1>Orders</h1><label>Name <input id="name"></label>
<button id="show">Show</button><div id="panel" hidden>Shown</div>
<script>
const sheet = document.head.appendChild(document.createElement("style")).sheet;
sheet.insertRule("h1 { color: rgb(200, 0, 120); border-bottom: 6px solid rgb(0, 90, 200); }");
document.getElementById("show").onclick = () => {
  const panel = document.getElementById("panel");
  panel.hidden = false;
  panel.style.cssText = "width: 700px; height: 320px; background: rgb(20, 160, 60); color: white";
};
</script></body></html>"""
CSS = b"body { font: 18px sans-serif; background: rgb(250, 240, 210); margin: 24px; }"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body, kind = (CSS, "text/css") if self.path == "/site.css" else (PAGE, "text/html")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("step-snapshots")


STEPS = [
    {"description": "Open", "action": "navigate", "value": "/"},
    {"description": "Name", "action": "fill", "selector": "#name", "value": "Ada Lovelace"},
    {"description": "Show", "action": "click", "selector": "#show"},
    {"description": "Shown", "action": "assert_text", "selector": "#panel", "value": "Shown"},
]


def _steps(api: Api, site: str, steps: list[dict[str, Any]], **plan: Any) -> list[dict[str, Any]]:
    project_id, plan_id = seed.simple_plan(api, site, {"Orders": steps}, **plan)
    body = {"project_id": project_id, "test_plan_id": plan_id}
    execution = api.ok("POST", "/api/v1/executions", json=body)
    assert execution["status"] == "completed", execution
    results = api.ok("GET", f"/api/v1/executions/{execution['id']}/results")
    (test,) = results["test_results"]
    return list(test["steps"])


def _image(url: str) -> Image.Image:
    got = requests.get(url, timeout=60)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(got.content)).convert("RGB")


def _differing(a: Image.Image, b: Image.Image) -> float:
    """The share of pixels that differ visibly (any channel by more than 48)."""
    assert a.size == b.size == (1280, 720)
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 48 else 0)
    return diff.histogram()[255] / (a.size[0] * a.size[1])


def test_a_rendered_step_screenshot_shows_what_a_capture_shows(api: Api, site: str) -> None:
    rendered = _steps(api, site, STEPS)
    captured = _steps(api, site, STEPS, screenshot_source="pixels")
    assert [s["status"] for s in rendered] == ["passed"] * 4
    assert {s["screenshot_source"] for s in rendered} == {"dom_snapshot"}
    assert {s["screenshot_source"] for s in captured} == {"pixels"}
    images = [_image(s["screenshot"]) for s in rendered]
    for step, image in zip(captured, images, strict=True):
        # A focus ring or a caret may differ; the page may not.
        assert _differing(image, _image(step["screenshot"])) < 0.01, step["step_id"]
    # The comparison can fail: the panel the click shows is a tenth of the frame.
    assert _differing(images[1], images[2]) > 0.1


def test_rendered_once_then_kept(api: Api, site: str, bugbrain: BugbrainServer) -> None:
    steps = _steps(api, site, STEPS[:2])
    url = steps[1]["screenshot"]
    path = url.split("/api/v1/artifacts/", 1)[1].split("?", 1)[0]
    file = bugbrain.data_dir / "artifacts" / path
    assert not file.exists()
    first = requests.get(url, timeout=60)
    assert first.status_code == 200
    assert file.read_bytes() == first.content
    assert requests.get(url, timeout=60).content == first.content
    # A name no step marked in that trace is no screenshot.
    other = path.rsplit("/", 1)[0] + "/step_99.png"
    missing = api.get(f"/api/v1/artifacts/{other}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_a_failing_step_is_captured_and_the_trace_follows_trace_mode(api: Api, site: str) -> None:
    failing = [*STEPS[:3], {**STEPS[3], "value": "Not there"}]
    steps = _steps(api, site, failing, element_wait_timeout_ms=500)
    assert [s["status"] for s in steps] == ["passed"] * 3 + ["failed"]
    assert [s["screenshot_source"] for s in steps] == ["dom_snapshot"] * 3 + ["pixels"]
    # The failing step's capture and the step before's rendering show one page.
    assert _differing(_image(steps[2]["screenshot"]), _image(steps[3]["screenshot"])) < 0.01


def test_with_trace_mode_off_steps_are_captured(api: Api, site: str) -> None:
    steps = _steps(api, site, STEPS[:2], trace_mode="off")
    assert {s["screenshot_source"] for s in steps} == {"pixels"}
    assert all(_image(s["screenshot"]) for s in steps)
