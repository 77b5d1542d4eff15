"""Evidence in results: console errors, uncaught errors, failed requests, a
downloadable trace; retries keep every attempt and mark a flaky pass."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from typing import Any

import pytest
import requests

from bugbrain.contract.step_snapshots import marker
from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("evidence")


def run(
    api: Api, base_url: str, tests: dict[str, list[dict[str, str]]], **plan: object
) -> dict[str, Any]:
    project_id, plan_id = seed.simple_plan(api, base_url, tests, **plan)
    body = {"project_id": project_id, "test_plan_id": plan_id}
    execution = api.ok("POST", "/api/v1/executions", json=body)
    assert execution["status"] == "completed", execution
    return dict(api.ok("GET", f"/api/v1/executions/{execution['id']}/results"))


def test_failing_test_carries_console_requests_and_trace(api: Api, lab: ShopServer) -> None:
    results = run(
        api,
        lab.url,
        {
            "Dashboard": [
                {"description": "Open", "action": "navigate", "value": "/broken"},
                {"description": "Stats", "action": "assert_text", "value": "Visitors today"},
            ]
        },
        element_wait_timeout_ms=1500,
    )
    (test,) = results["test_results"]
    assert test["status"] == "failed"
    assert any("Failed to render widget" in c["text"] for c in test["console_errors"])
    assert all(c["type"] in ("error", "assert") for c in test["console_errors"])
    assert any("stats is undefined" in e for e in test["page_errors"])
    (failed_request,) = [r for r in test["failed_requests"] if r["url"].endswith("/api/stats")]
    assert failed_request["status"] == 500
    assert failed_request["method"] == "GET"
    trace = requests.get(test["trace"], timeout=30)
    assert trace.status_code == 200
    with zipfile.ZipFile(io.BytesIO(trace.content)) as archive:
        assert any(name.endswith(".trace") for name in archive.namelist())


def _traced_calls(trace_zip: bytes) -> tuple[Counter[str], int]:
    """The API calls a trace lists (by ``Class.method``) and its number of DOM snapshots."""
    calls: Counter[str] = Counter()
    snapshots = 0
    with zipfile.ZipFile(io.BytesIO(trace_zip)) as archive:
        for name in archive.namelist():
            if not name.endswith(".trace"):
                continue
            for line in archive.read(name).decode().splitlines():
                event = json.loads(line)
                expression = str(event.get("params", {}).get("expression", ""))
                if expression == marker("test_end"):  # the snapshot that ends the test
                    calls["marker"] += 1
                elif event.get("type") == "before":
                    calls[f"{event['class']}.{event['method']}"] += 1
                elif event.get("type") == "frame-snapshot":
                    snapshots += 1
    return calls, snapshots


@pytest.mark.parametrize(
    "snapshots",
    ["no", "trace_snapshots", "step_screenshots"],
    ids=["pixel screenshots", "trace_snapshots", "default"],
)
def test_trace_lists_the_steps_actions_not_the_runners_reads(
    api: Api, shop: ShopServer, snapshots: str
) -> None:
    """Finding and fingerprinting elements reads the page several times per step;
    the trace shows what the test did, as a hand-written test's trace would, and
    none of those reads. DOM snapshots around each action when the plan asks,
    or when passing steps' screenshots are made from them (the default, which
    also groups each step's calls under its name); the failing page is kept as an
    archive either way."""
    steps = [
        {"description": "Go to /login"},
        {"description": "Type 'demo@bugbrain.dev' into the Email field"},
        {
            "description": "Fill the password",
            "action": "fill",
            "selector": "#password",
            "value": "demo123",
        },
        {"description": "Click the Sign in button"},
        {"description": "Verify the heading says 'No such page'"},
    ]
    options: dict[str, dict[str, Any]] = {
        "no": {"screenshot_source": "pixels"},
        "trace_snapshots": {"screenshot_source": "pixels", "trace_snapshots": True},
        "step_screenshots": {},
    }
    settings = options[snapshots]
    results = run(api, shop.url, {"Login": steps}, element_wait_timeout_ms=800, **settings)
    (test,) = results["test_results"]
    assert test["status"] == "failed"
    assert [s["status"] for s in test["steps"]] == ["passed"] * 4 + ["failed"]
    calls, dom_snapshots = _traced_calls(requests.get(test["trace"], timeout=30).content)
    assert calls["Frame.goto"] == 1
    assert calls["Frame.fill"] == 2
    assert calls["Frame.click"] == 1
    internal = {"Frame.evaluateExpression", "Frame.evalOnSelectorAll", "Frame.queryCount"}
    assert not internal & set(calls), calls
    if snapshots == "no":
        assert dom_snapshots == 0
    else:
        assert dom_snapshots >= 2 * (calls["Frame.fill"] + calls["Frame.click"])
    # One group per step, named after it, when its screenshot is in the trace.
    assert calls["Tracing.tracingGroup"] == (5 if snapshots == "step_screenshots" else 0)
    assert calls["marker"] == (1 if snapshots == "step_screenshots" else 0)
    archive = requests.get(test["page_archive"], timeout=30)
    assert archive.status_code == 200
    assert archive.headers["content-type"].startswith("multipart/related")
    assert archive.headers["content-disposition"].startswith("attachment")
    assert b"Content-Type: multipart/related" in archive.content[:2000]
    assert b"Catalog" in archive.content  # the page the failing step was on


def test_page_archive_only_for_failures_with_tracing(api: Api, lab: ShopServer) -> None:
    passing = {"Health": [{"description": "Open", "action": "navigate", "value": "/health"}]}
    assert (
        run(api, lab.url, passing, trace_mode="always")["test_results"][0]["page_archive"] is None
    )
    failing = {
        "Nope": [*passing["Health"], {"description": "x", "action": "assert_text", "value": "nope"}]
    }
    off = run(api, lab.url, failing, trace_mode="off", element_wait_timeout_ms=300)
    assert off["test_results"][0]["status"] == "failed"
    assert off["test_results"][0]["page_archive"] is None


def test_passing_test_keeps_no_trace_by_default(api: Api, lab: ShopServer) -> None:
    results = run(
        api,
        lab.url,
        {"Health": [{"description": "Open", "action": "navigate", "value": "/health"}]},
    )
    (test,) = results["test_results"]
    assert test["status"] == "passed"
    assert test["trace"] is None


def test_trace_always_and_off(api: Api, lab: ShopServer) -> None:
    steps = {"Health": [{"description": "Open", "action": "navigate", "value": "/health"}]}
    always = run(api, lab.url, steps, trace_mode="always")["test_results"][0]
    assert always["trace"] is not None
    failing = {
        "Nope": [*steps["Health"], {"description": "x", "action": "assert_text", "value": "nope"}]
    }
    off = run(api, lab.url, failing, trace_mode="off", element_wait_timeout_ms=300)["test_results"][
        0
    ]
    assert off["status"] == "failed"
    assert off["trace"] is None


def test_retry_marks_flaky_and_keeps_every_attempt(api: Api, lab: ShopServer) -> None:
    steps = [
        {"description": "Open", "action": "navigate", "value": "/flaky?key=retry-test"},
        {"description": "Ready", "action": "assert_text", "selector": "#state", "value": "Ready"},
    ]
    results = run(api, lab.url, {"Flaky": steps}, retries=2, element_wait_timeout_ms=500)
    (test,) = results["test_results"]
    assert test["status"] == "passed"
    assert test["flaky"] is True
    first, second = test["attempts"]
    assert (first["attempt"], first["status"]) == (1, "failed")
    assert first["error_type"] == "assertion_failed"
    assert first["screenshot"]
    assert first["trace"]
    assert (second["attempt"], second["status"]) == (2, "passed")
    assert requests.get(first["screenshot"], timeout=30).status_code == 200
    assert results["summary"]["flaky"] == 1
    execution = api.ok("GET", f"/api/v1/executions/{results['id']}")
    assert (execution["passed_tests"], execution["flaky_tests"]) == (1, 1)


def test_retries_exhausted_stays_failed(api: Api, shop: ShopServer) -> None:
    results = run(
        api, shop.url, {"Always fails": seed.FAILING}, retries=1, element_wait_timeout_ms=300
    )
    (test,) = results["test_results"]
    assert test["status"] == "failed"
    assert test["flaky"] is False
    assert [a["status"] for a in test["attempts"]] == ["failed", "failed"]


def test_plan_trace_settings_default_and_update(api: Api, lab: ShopServer) -> None:
    _project_id, plan_id = seed.simple_plan(api, lab.url, {})
    plan = api.ok("GET", f"/api/v1/test-plans/{plan_id}")
    assert (plan["trace_mode"], plan["trace_snapshots"]) == ("on_failure", False)
    body = {"trace_mode": "always", "trace_snapshots": True}
    api.ok("PATCH", f"/api/v1/test-plans/{plan_id}", json=body)
    plan = api.ok("GET", f"/api/v1/test-plans/{plan_id}")
    assert (plan["trace_mode"], plan["trace_snapshots"]) == ("always", True)


def test_a_page_stuck_in_a_script_fails_its_step_and_the_run_goes_on(
    api: Api, lab: ShopServer
) -> None:
    """Playwright puts no time limit on evaluate or count: unbounded, a page whose
    main thread never comes back would hold the run until the execution's deadline
    (the execution would then fail, not complete)."""
    stuck = [
        {"description": "Open /pages/busy.html"},
        {"description": "Wait 1 second"},
    ]
    tests = {
        "Plain English": [*stuck, {"description": "Verify the page shows 'Ready'"}],
        "Explicit": [
            *stuck,
            {"description": "x", "action": "assert_text", "selector": "h1", "value": "Ready"},
        ],
        "Next": [{"description": "Open", "action": "navigate", "value": "/health"}],
    }
    results = run(api, lab.url, tests, element_wait_timeout_ms=1000, screenshot_mode="on_failure")
    by_name = {t["name"]: t for t in results["test_results"]}
    for name in ("Plain English", "Explicit"):
        test = by_name[name]
        assert test["status"] == "failed", test
        assert test["error_type"] == "timeout"
        assert "did not respond" in test["error"]
        assert test["trace"]  # kept; the screenshot and page archive are not tried
        assert test["page_archive"] is None
    assert by_name["Next"]["status"] == "passed"
