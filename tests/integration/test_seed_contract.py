"""The user's Executions API page, run against a local server: its curl
examples (host, key and ids changed) and its Python polling example (URL and
key changed) must work and return the fields the page shows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SEED_HOST = "https://api.bugbrain.tech"

# Verbatim from docs/seed/executions-api.txt (a copy of the user's page).
CURL_LIST = """curl "https://api.bugbrain.tech/api/v1/executions?project_id=proj_abc123&limit=10" \\
-H "Authorization: Bearer $API_KEY\""""
CURL_CREATE = """curl -X POST https://api.bugbrain.tech/api/v1/executions \\
-H "Authorization: Bearer $API_KEY" \\
-H "Content-Type: application/json" \\
-d '{
"test_plan_id": "tp_prod_xyz",
"project_id": "proj_abc123",
"timeout_seconds": 300
}'"""
CURL_STATUS = """curl https://api.bugbrain.tech/api/v1/executions/exec_abc123/status \\
-H "Authorization: Bearer $API_KEY\""""
CURL_CANCEL = """curl -X DELETE https://api.bugbrain.tech/api/v1/executions/exec_abc123 \\
-H "Authorization: Bearer $API_KEY\""""

LIST_ITEM_FIELDS = {
    "id",
    "test_plan_id",
    "project_id",
    "status",
    "passed_tests",
    "failed_tests",
    "total_tests",
    "duration_seconds",
    "created_at",
    "completed_at",
}
COMPLETED_STATUS_FIELDS = {
    "id",
    "status",
    "passed_tests",
    "failed_tests",
    "total_tests",
    "duration_seconds",
    "completed_at",
}
RUNNING_STATUS_FIELDS = {"id", "status", "progress", "started_at", "estimated_completion"}


def test_seed_copy_matches_the_page() -> None:
    page = (ROOT / "docs/seed/executions-api.txt").read_text()
    for command in (CURL_LIST, CURL_CREATE, CURL_STATUS, CURL_CANCEL):
        assert command in page


def curl(command: str, server: BugbrainServer, key: str, ids: dict[str, str]) -> Any:
    for seed_id, real_id in ids.items():
        command = command.replace(seed_id, real_id)
    command = command.replace(SEED_HOST, server.url)
    out = subprocess.run(
        ["bash", "-c", command + " --silent --show-error --max-time 120"],
        env={"API_KEY": key, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
        timeout=150,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def world(bugbrain: BugbrainServer, shop: ShopServer) -> dict[str, Any]:
    api = bugbrain.client("seed-contract")
    project_id, plan_id = seed.simple_plan(
        api,
        shop.url,
        {"Login Flow": seed.PASSING, "Add to Cart": seed.FAILING},
        element_wait_timeout_ms=1000,
    )
    return {"api": api, "project_id": project_id, "plan_id": plan_id}


def test_curl_examples(bugbrain: BugbrainServer, world: dict[str, Any]) -> None:
    api: Api = world["api"]
    ids = {"proj_abc123": world["project_id"], "tp_prod_xyz": world["plan_id"]}

    created = curl(CURL_CREATE, bugbrain, api.key, ids)
    assert created.keys() >= LIST_ITEM_FIELDS
    assert created["status"] == "completed"
    assert (created["passed_tests"], created["failed_tests"], created["total_tests"]) == (1, 1, 2)
    tests = created["results"]["test_results"]
    assert [t["name"] for t in tests] == ["Login Flow", "Add to Cart"]
    assert {"test_id", "name", "status", "duration_ms"} <= tests[0].keys()
    assert "error" not in tests[0]
    assert tests[1]["error"] == "Element not found: .add-to-cart-button"
    assert created["results"]["summary"] == {
        "total": 2,
        "passed": 1,
        "failed": 1,
        "skipped": 0,
        "flaky": 0,
    }

    listed = curl(CURL_LIST, bugbrain, api.key, ids)
    assert listed["pagination"] == {"limit": 10, "offset": 0, "total": 1}
    assert listed["data"][0].keys() >= LIST_ITEM_FIELDS
    assert listed["data"][0]["id"] == created["id"]

    ids["exec_abc123"] = created["id"]
    status = curl(CURL_STATUS, bugbrain, api.key, ids)
    assert status.keys() >= COMPLETED_STATUS_FIELDS
    assert status["status"] == "completed"

    # Cancel needs a live execution: start one that waits, then cancel it by curl.
    slow_case = seed.test_case(api, world["project_id"], "Slow", seed.wait_steps(30_000))
    slow_plan = seed.plan(api, world["project_id"], [slow_case])
    queued = api.ok(
        "POST",
        "/api/v1/executions/async",
        json={"test_plan_id": slow_plan, "project_id": world["project_id"]},
    )
    ids["exec_abc123"] = queued["id"]
    cancelled = curl(CURL_CANCEL, bugbrain, api.key, ids)
    assert cancelled["id"] == queued["id"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellation_reason"] == "requested"
    assert cancelled["cancelled_at"].endswith("Z")


def test_async_results_and_analysis_shapes(world: dict[str, Any]) -> None:
    api: Api = world["api"]
    body = {"test_plan_id": world["plan_id"], "project_id": world["project_id"]}
    response = api.post("/api/v1/executions/async", json=body)
    assert response.status_code == 202
    queued = response.json()
    assert set(queued) == {"id", "status", "estimated_wait_seconds", "polling_url"}
    assert queued["status"] == "queued"
    assert isinstance(queued["estimated_wait_seconds"], int)
    assert queued["polling_url"] == f"/api/v1/executions/{queued['id']}/status"
    assert response.headers["Location"] == queued["polling_url"]

    api.wait_terminal(queued["id"])
    results = api.ok("GET", f"/api/v1/executions/{queued['id']}/results")
    assert {"id", "test_plan_id", "test_results"} <= results.keys()
    passed, failed = results["test_results"]
    assert [s["step_id"] for s in passed["steps"]] == [f"step_{i}" for i in range(1, 6)]
    assert {"step_id", "name", "status"} <= passed["steps"][0].keys()
    assert passed["steps"][0]["name"] == "Open login"
    assert failed["status"] == "failed"
    assert failed["error"] == "Element not found: .add-to-cart-button"
    assert failed["screenshot"].startswith("http")

    analysis = api.ok("GET", f"/api/v1/executions/{queued['id']}/failure-analysis")
    assert analysis["id"] == queued["id"]
    (entry,) = analysis["analysis"]
    assert {
        "test_id",
        "test_name",
        "failure_category",
        "confidence",
        "description",
        "evidence",
        "fix_suggestions",
    } <= entry.keys()
    assert entry["test_name"] == "Add to Cart"
    assert entry["failure_category"] == "selector_changed"
    assert 0 < entry["confidence"] <= 1
    assert entry["evidence"]["expected_selector"] == ".add-to-cart-button"
    assert "suggested_alternative" in entry["evidence"]
    assert entry["evidence"]["screenshot"].startswith("http")
    assert entry["fix_suggestions"]


def test_python_polling_example(
    bugbrain: BugbrainServer, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/examples/run_test_async.py is the page's example with its indentation
    restored; only the URL and the key change here."""
    source = (ROOT / "docs/examples/run_test_async.py").read_text()
    namespace: dict[str, Any] = {"api_key": world["api"].key}
    exec(compile(source.replace(SEED_HOST, bugbrain.url), "run_test_async.py", "exec"), namespace)
    status = namespace["run_test_async"](world["plan_id"], world["project_id"])
    assert status["status"] == "completed"
    assert status["total_tests"] == 2
    assert "Started execution: exec_" in capsys.readouterr().out
