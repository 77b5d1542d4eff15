"""A passed step's screenshot is taken while the next step only looks at the page
(runner/screenshots.py ``Shutter``): it must still show that step's page, never a
later step's doing, and every step's result must arrive, in order, with its file.

Each click repaints the whole page another colour; a screenshot's colour says
which steps it saw."""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from bugbrain.contract import step_snapshots
from bugbrain.contract.spec import parse_spec
from bugbrain.runner.browser import run_spec, system_chromium
from bugbrain.runner.snapshot_render import SnapshotRenderer
from tests.support.png import pixel
from tests.support.servers import serving

PAGE = """<!doctype html><html><head><title>Paint</title>
<style>html, body { margin: 0; height: 100%; background: rgb(255, 255, 255); }</style>
</head><body>
<button id="paint">Paint</button><button id="hover-me">Hover</button>
<input id="name"><p id="count">0</p>
<script>
var colours = ["rgb(255, 0, 0)", "rgb(0, 0, 255)", "rgb(0, 128, 0)"], n = 0;
document.getElementById("paint").onclick = function () {
  document.body.style.background = colours[n % 3];
  document.documentElement.style.background = colours[n % 3];
  n += 1; document.getElementById("count").textContent = String(n);
};
// Typing acts at once (no wait for a stable element, as a click has): a capture
// still under way when it starts would show its colour.
document.getElementById("name").oninput = function () {
  document.body.style.background = "rgb(255, 255, 0)";
  document.documentElement.style.background = "rgb(255, 255, 0)";
};
// A key pressed on the page (no element) acts in one round trip: the fastest change.
document.addEventListener("keydown", function (e) {
  if (e.key !== "k") return;
  document.body.style.background = "rgb(0, 0, 0)";
  document.documentElement.style.background = "rgb(0, 0, 0)";
});
</script></body></html>"""

WHITE, RED, BLUE, GREEN = (255, 255, 255), (255, 0, 0), (0, 0, 255), (0, 128, 0)
YELLOW, BLACK = (255, 255, 0), (0, 0, 0)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def _run(
    base_url: str, artifacts: Path, steps: list[dict[str, Any]], source: str = "pixels"
) -> list[dict[str, Any]]:
    data = {
        "execution_id": "exec_shots",
        "browser": "chromium",
        "chromium_path": system_chromium(True),
        "headless": True,
        "parallelism": 1,
        "stop_on_first_failure": False,
        "screenshot_mode": "every_step",
        "screenshot_source": source,
        "element_wait_timeout_ms": 2000,
        "navigation_timeout_ms": 10000,
        "base_url": base_url,
        "variables": {},
        "artifacts_dir": str(artifacts),
        "tests": [{"position": 0, "test_id": "paint", "name": "Paint", "steps": steps}],
    }
    events: list[dict[str, Any]] = []
    asyncio.run(run_spec(parse_spec(data), lambda event: events.append(dict(event))))
    return events


def _step(i: int, action: str, selector: str | None = None, value: str | None = None, *,
          words: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {"step_id": f"s{i}", "description": words, "action": action,
            "selector": selector, "value": value}  # fmt: skip


STEPS = [
    _step(1, "navigate", value="/"),
    _step(2, "assert_text", "#count", "0"),  # looks only: overlaps s1's capture
    _step(3, "click", "#paint"),  # changes the page: waits for s2's capture
    _step(4, "assert_text", "#count", "1"),
    _step(5, "assert_title", value="Paint"),
    _step(6, "click", "#paint"),
    _step(7, "click", "#paint"),  # right after another change
    _step(8, "wait", value="1"),
    _step(9, "click", "#paint"),
    _step(10, "fill", "#name", "x"),  # types at once: s9's capture must be done first
    _step(11, "assert_text", "#count", "4"),
    _step(12, "click", "#paint"),
    _step(13, "press", None, "k"),  # acts at once: s12's capture must be done first
    _step(14, "assert_text", "#count", "5"),  # the last step's capture ends the test
]
EXPECTED = [WHITE, WHITE, RED, RED, RED, BLUE, GREEN, GREEN, RED, YELLOW, YELLOW, BLUE, BLACK]
EXPECTED += [BLACK]


def test_each_screenshot_shows_its_own_step(base_url: str, tmp_path: Path) -> None:
    steps = STEPS
    events = _run(base_url, tmp_path, steps)
    finished = [e for e in events if e["event"] == "step_finished"]
    assert [e["step"]["step_id"] for e in finished] == [s["step_id"] for s in steps]
    assert [e["step"]["status"] for e in finished] == ["passed"] * len(steps)
    seen = []
    for event in finished:
        rel = event["step"]["screenshot"]
        assert rel == f"paint/{event['step']['step_id']}.png"
        assert event["step"]["screenshot_source"] == "pixels"
        seen.append(pixel(tmp_path / rel, 640, 600))
    assert seen == EXPECTED
    (result,) = [e["result"] for e in events if e["event"] == "test_finished"]
    assert result["status"] == "passed"
    assert result["screenshot"] == "paint/s14.png"
    # The test's own steps list is the events' steps, screenshots included.
    assert [s["screenshot"] for s in result["steps"]] == [e["step"]["screenshot"] for e in finished]


def test_a_words_step_that_clicks_waits_for_the_capture_before(
    base_url: str, tmp_path: Path
) -> None:
    steps = [
        _step(1, "navigate", value="/"),
        _step(2, "click", "#paint"),
        _step(3, "", words="Verify the page shows '1'"),
        _step(4, "", words="Click the Paint button"),
        _step(5, "", words="Type 'x' into the name field"),
        _step(6, "", words="Verify the page shows '2'"),
    ]
    events = _run(base_url, tmp_path, steps)
    finished = [e["step"] for e in events if e["event"] == "step_finished"]
    assert [s["status"] for s in finished] == ["passed"] * 6, [s["error"] for s in finished]
    colours = [pixel(tmp_path / s["screenshot"], 640, 600) for s in finished]
    assert colours == [WHITE, RED, RED, BLUE, YELLOW, YELLOW]


def test_a_failing_step_after_a_pending_capture(base_url: str, tmp_path: Path) -> None:
    steps = [
        _step(1, "navigate", value="/"),
        _step(2, "click", "#paint"),
        _step(3, "assert_text", "#count", "7"),  # fails after waiting: s2's capture is done
        _step(4, "click", "#paint"),
    ]
    events = _run(base_url, tmp_path, steps)
    finished = [e["step"] for e in events if e["event"] == "step_finished"]
    assert [s["status"] for s in finished] == ["passed", "passed", "failed", "skipped"]
    assert pixel(tmp_path / finished[1]["screenshot"], 640, 600) == RED
    assert pixel(tmp_path / finished[2]["screenshot"], 640, 600) == RED
    assert finished[3]["screenshot"] is None
    (result,) = [e["result"] for e in events if e["event"] == "test_finished"]
    assert result["screenshot"] == finished[2]["screenshot"]


def test_each_dom_snapshot_renders_its_own_step(base_url: str, tmp_path: Path) -> None:
    """The same steps with screenshots made from DOM snapshots: each step's is
    marked in the trace as it ends, and renders to that step's page, not a
    later one's. Nothing is captured during the run."""
    events = _run(base_url, tmp_path, STEPS, source="dom_snapshot")
    finished = [e["step"] for e in events if e["event"] == "step_finished"]
    assert [s["status"] for s in finished] == ["passed"] * len(STEPS)
    assert {s["screenshot_source"] for s in finished} == {"dom_snapshot"}
    assert [s["screenshot"] for s in finished] == [f"paint/{s['step_id']}.png" for s in STEPS]
    assert not list(tmp_path.rglob("*.png"))  # rendered when opened, not before
    trace = tmp_path / "paint" / step_snapshots.TRACE_NAME
    (result,) = [e["result"] for e in events if e["event"] == "test_finished"]
    assert result["evidence"]["trace"] is None  # kept for the screenshots; trace_mode lists it
    with zipfile.ZipFile(trace) as archive:
        lines = archive.read("trace.trace").decode().splitlines()
    renderer = SnapshotRenderer(system_chromium(True))
    try:
        for step, colour in zip(finished, EXPECTED, strict=True):
            found = step_snapshots.snapshot_call(lines, step["screenshot"].split("/")[-1])
            assert found is not None, step["step_id"]
            png = tmp_path / f"{step['step_id']}-rendered.png"
            png.write_bytes(renderer.render(trace, *found))
            assert pixel(png, 640, 600) == colour, step["step_id"]
    finally:
        renderer.close()
