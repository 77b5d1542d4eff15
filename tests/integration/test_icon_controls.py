"""Plain English on a TodoMVC-style list, run end to end by the runner: an icon-only
delete button drawn by CSS and shown only on hover, verb-first sentences, and a
"Completed" link beside the "Clear completed (1)" button (never the decoy)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from bugbrain.contract.spec import parse_spec
from bugbrain.runner.browser import run_spec, system_chromium
from tests.support.servers import serving

pytestmark = pytest.mark.browser

PAGES = Path(__file__).resolve().parents[1] / "pages"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(functools.partial(_Quiet, directory=str(PAGES))) as url:
        yield url


def run(base_url: str, tmp_path: Path, *sentences: str) -> list[dict[str, Any]]:
    """The steps' results of one test written in ``sentences``."""
    steps = [{"step_id": f"s{i}", "description": s} for i, s in enumerate(sentences, 1)]
    spec = {
        "execution_id": "exec_icons",
        "chromium_path": system_chromium(headless=True),
        "headless": True,
        "screenshot_mode": "disabled",
        "element_wait_timeout_ms": 2000,
        "base_url": base_url,
        "artifacts_dir": str(tmp_path),
        "tests": [{"position": 0, "test_id": "tc_todo", "name": "Todos", "steps": steps}],
    }
    events: list[dict[str, Any]] = []
    asyncio.run(run_spec(parse_spec(spec), lambda e: events.append(dict(e))))
    finished = [e["result"] for e in events if e["event"] == "test_finished"]
    assert len(finished) == 1
    steps_done: list[dict[str, Any]] = finished[0]["steps"]
    return steps_done


ADD = (
    "Go to /todos.html",
    "Type 'Pay rent' into the new todo field",
    "Press Enter",
    "Type 'Water the plants' into the 'What needs to be done?' field",
    "Press Enter",
    "Verify '2 items left' is shown",
)


def _failed(steps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(s["name"], s.get("error") or "") for s in steps if s["status"] != "passed"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Click the delete button next to 'Water the plants'",
        "Delete 'Water the plants'",
        "Click the Delete button in the 'Water the plants' row",
        "Remove Water the plants from the list",
    ],
)
def test_the_hover_only_delete_control_of_a_row(
    base_url: str, tmp_path: Path, sentence: str
) -> None:
    steps = run(
        base_url,
        tmp_path,
        *ADD,
        sentence,
        "Verify '1 item left' is shown",
        "I should not see 'Water the plants'",
        "I should see 'Pay rent'",
    )
    assert not _failed(steps), _failed(steps)
    deleting = steps[len(ADD)]
    match = deleting["match"]
    assert "Water the plants" in match["revealed_by_hovering"], match
    assert any("destroy" in r or "×" in r for r in match["reasons"]), match


def test_clear_completed_beside_a_completed_link(base_url: str, tmp_path: Path) -> None:
    steps = run(
        base_url,
        tmp_path,
        *ADD,
        "Check 'Pay rent'",
        "Verify '1 item left' is shown",
        "Click 'Clear completed'",
        "I should not see 'Pay rent'",
        "I should see 'Water the plants'",  # not on the Completed filter
    )
    assert not _failed(steps), _failed(steps)
    clear = next(s for s in steps if s["name"] == "Click 'Clear completed'")
    assert clear["match"]["element"].startswith('button "Clear completed'), clear["match"]
    assert any(r.startswith("next best:") for r in clear["match"]["reasons"])


def test_a_row_with_no_delete_control_fails_clearly(base_url: str, tmp_path: Path) -> None:
    steps = run(base_url, tmp_path, *ADD, "Delete 'Buy milk'")
    failed = _failed(steps)
    assert [name for name, _ in failed] == ["Delete 'Buy milk'"]
    assert "Buy milk" in failed[0][1]


def test_the_todo_list_is_empty(base_url: str, tmp_path: Path) -> None:
    steps = run(
        base_url,
        tmp_path,
        *ADD,
        "Delete 'Pay rent'",
        "Delete 'Water the plants'",
        "Verify the todo list is empty",
    )
    assert not _failed(steps), _failed(steps)
    # ... and the same words fail while it is not.
    steps = run(base_url, tmp_path, *ADD, "Verify the todo list is empty")
    failed = _failed(steps)
    assert [name for name, _ in failed] == ["Verify the todo list is empty"]
    assert "found 2" in failed[0][1], failed
