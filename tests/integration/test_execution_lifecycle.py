"""Executions end to end through the real API: progress, screenshots, cancel,
timeout, environments and variables, listing."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psutil
import pytest
import requests

from bugbrain.artifacts.signing import ARTIFACTS_PREFIX, sign
from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser

MILLISECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _cmdline(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def runners_under(server: BugbrainServer) -> list[psutil.Process]:
    """Runner children: the one running an execution, and each worker's warm one."""
    return [p for p in server.descendants() if "bugbrain.runner.child" in _cmdline(p)]


def pages_under(server: BugbrainServer) -> list[psutil.Process]:
    """Chromium renderers: only a runner that runs a test has a page open (a warm
    runner's browser has none)."""
    return [p for p in server.descendants() if "--type=renderer" in _cmdline(p)]


def busy_runner(server: BugbrainServer) -> psutil.Process:
    """The runner whose browser has a page open, once there is one."""

    def find() -> psutil.Process | None:
        pages = {p.pid for p in pages_under(server)}
        for runner in runners_under(server):
            with_children = runner.children(recursive=True)
            if any(child.pid in pages for child in with_children):
                return runner
        return None

    found = eventually(find, message="a runner with a page open")
    assert found is not None
    return found


def gone(processes: list[psutil.Process]) -> bool:
    def dead(p: psutil.Process) -> bool:
        try:
            return not p.is_running() or p.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    return all(dead(p) for p in processes)


def start(api: Api, project_id: str, plan_id: str, **extra: Any) -> str:
    body = {"project_id": project_id, "test_plan_id": plan_id, **extra}
    return str(api.ok("POST", "/api/v1/executions/async", json=body)["id"])


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("lifecycle")


def test_progress_while_running(api: Api, shop: ShopServer) -> None:
    project_id, plan_id = seed.simple_plan(
        api, shop.url, {f"Dwell {i}": seed.wait_steps(1200) for i in range(4)}
    )
    execution_id = start(api, project_id, plan_id)
    seen: list[dict[str, Any]] = []

    def partly_done() -> bool:
        status = api.ok("GET", f"/api/v1/executions/{execution_id}/status")
        seen.append(status)
        assert status["status"] in ("queued", "pending", "running", "completed")
        return bool(status["status"] == "running" and 0 < status["progress"]["current"] < 4)

    eventually(partly_done, message="a running execution with partial progress")
    running = seen[-1]
    assert set(running) >= {"id", "status", "progress", "started_at", "estimated_completion"}
    progress = running["progress"]
    assert progress["total"] == 4
    assert progress["percent"] == progress["current"] * 100 // 4
    assert running["estimated_completion"] >= running["started_at"]
    # Every non-terminal status carries progress (the page's JS reads progress.percent).
    assert all("progress" in s for s in seen)
    final = api.wait_terminal(execution_id)
    assert (final["status"], final["passed_tests"], final["total_tests"]) == ("completed", 4, 4)


def test_screenshots_open_by_signed_url_or_key(
    api: Api, bugbrain: BugbrainServer, shop: ShopServer
) -> None:
    project_id, plan_id = seed.simple_plan(
        api, shop.url, {"Login Flow": seed.PASSING}, screenshot_mode="every_step"
    )
    execution_id = start(api, project_id, plan_id)
    api.wait_terminal(execution_id)
    results = api.ok("GET", f"/api/v1/executions/{execution_id}/results")
    steps = results["test_results"][0]["steps"]
    assert all(step["status"] == "passed" for step in steps)
    assert all(step["screenshot"].startswith(bugbrain.url) for step in steps)

    url = steps[-1]["screenshot"]
    anonymous = requests.get(url, timeout=30)  # no key: the signature is the credential
    assert anonymous.status_code == 200
    assert anonymous.headers["content-type"] == "image/png"
    assert anonymous.content.startswith(b"\x89PNG")

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    tampered_sig = url.replace(query["signature"][0], "0" * 64)
    assert requests.get(tampered_sig, timeout=30).status_code == 403
    other_path = url.replace("step_5.png", "step_1.png")
    assert requests.get(other_path, timeout=30).status_code == 403
    path = parts.path.removeprefix(ARTIFACTS_PREFIX)
    secret = (bugbrain.data_dir / "secret.key").read_bytes().strip()
    expired_at = int(time.time()) - 10
    expired = f"{bugbrain.url}{parts.path}?expires={expired_at}&signature={sign(secret, path, expired_at)}"
    response = requests.get(expired, timeout=30)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"

    bare = bugbrain.url + parts.path
    assert requests.get(bare, timeout=30).status_code == 401
    with_key = api.session.get(bare, timeout=30)
    assert with_key.status_code == 200
    assert with_key.content.startswith(b"\x89PNG")
    stranger = bugbrain.client("lifecycle-stranger")
    assert stranger.session.get(bare, timeout=30).status_code == 404


def test_screenshot_modes(api: Api, shop: ShopServer) -> None:
    tests = {"Pass": seed.PASSING, "Fail": seed.FAILING}
    counts = {}
    for mode in ("every_step", "on_failure", "disabled"):
        project_id, plan_id = seed.simple_plan(
            api, shop.url, tests, screenshot_mode=mode, element_wait_timeout_ms=500
        )
        execution_id = start(api, project_id, plan_id)
        api.wait_terminal(execution_id)
        results = api.ok("GET", f"/api/v1/executions/{execution_id}/results")
        counts[mode] = [
            sum(1 for s in t["steps"] if "screenshot" in s) for t in results["test_results"]
        ]
    assert counts == {"every_step": [5, 5], "on_failure": [0, 1], "disabled": [0, 0]}


def test_cancel_running_execution_stops_browser(
    api: Api, bugbrain: BugbrainServer, shop: ShopServer
) -> None:
    project_id, plan_id = seed.simple_plan(
        api, shop.url, {"Long 1": seed.wait_steps(30_000), "Long 2": seed.wait_steps(30_000)}
    )
    execution_id = start(api, project_id, plan_id)
    api.wait_status(execution_id, ("running",))
    runner = busy_runner(bugbrain)
    browser = [runner, *runner.children(recursive=True)]
    response = api.delete(f"/api/v1/executions/{execution_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancellation_reason"] == "requested"
    eventually(lambda: gone(browser), message="the runner and its Chromium to exit")

    status = api.ok("GET", f"/api/v1/executions/{execution_id}/status")
    assert status["status"] == "cancelled"
    assert status["cancelled_at"] == body["cancelled_at"]
    results = api.ok("GET", f"/api/v1/executions/{execution_id}/results")
    assert [t["status"] for t in results["test_results"]] == ["skipped", "skipped"]
    again = api.delete(f"/api/v1/executions/{execution_id}")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_cancel_queued_execution_is_immediate(api: Api, shop: ShopServer) -> None:
    project_id, plan_id = seed.simple_plan(api, shop.url, {"Quick": seed.PASSING})
    execution_id = start(api, project_id, plan_id)
    response = api.delete(f"/api/v1/executions/{execution_id}")
    # It may have been claimed in the meantime; either way it ends cancelled.
    assert response.status_code == 200
    assert api.wait_terminal(execution_id)["status"] == "cancelled"


def test_timeout_fails_execution_and_kills_browser(
    api: Api, bugbrain: BugbrainServer, shop: ShopServer
) -> None:
    project_id, plan_id = seed.simple_plan(
        api,
        shop.url,
        {"Quick": seed.PASSING, "Hangs": seed.wait_steps(60_000), "Never": seed.PASSING},
    )
    body = {"project_id": project_id, "test_plan_id": plan_id, "timeout_seconds": 6}
    started = time.monotonic()
    response = api.post("/api/v1/executions", json=body)
    assert response.status_code == 200
    result = response.json()
    assert time.monotonic() - started < 40
    assert result["status"] == "failed"
    assert result["failure_reason"] == "timeout"
    assert "6 s" in result["failure_message"]
    statuses = [t["status"] for t in result["results"]["test_results"]]
    assert statuses == ["passed", "skipped", "skipped"]
    # No page left open anywhere, and no runner beyond each worker's warm one.
    eventually(lambda: not pages_under(bugbrain), message="the timed-out test's page to close")
    assert len(runners_under(bugbrain)) <= bugbrain.workers
    status = api.ok("GET", f"/api/v1/executions/{result['id']}/status")
    assert status["status"] == "failed"
    assert status["failure_reason"] == "timeout"


def test_environment_and_variable_overrides(api: Api, shop: ShopServer) -> None:
    project = seed.project(
        api,
        "http://127.0.0.1:9",  # nothing listens there: only the environment's URL works
        environments={
            "staging": {"base_url": shop.url, "variables": {"page": "/about"}},
            "prod": {"base_url": "http://127.0.0.1:9"},
        },
        default_environment="prod",
    )
    case = seed.test_case(
        api,
        project["id"],
        "Visit",
        [
            {"description": "Open", "action": "navigate", "value": "{{page}}"},
            {"description": "Title", "action": "assert_title", "value": "{{title}}"},
        ],
    )
    plan_id = seed.plan(api, project["id"], [case])
    body = {"project_id": project["id"], "test_plan_id": plan_id}
    ok = api.ok(
        "POST",
        "/api/v1/executions",
        json={**body, "environment": "staging", "variables": {"title": "About"}},
    )
    assert ok["status"] == "completed"
    assert ok["passed_tests"] == 1
    assert ok["environment"] == "staging"

    wrong = api.ok(
        "POST",
        "/api/v1/executions",
        json={**body, "environment": "staging", "variables": {"title": "Nope"}},
    )
    assert wrong["failed_tests"] == 1
    default_env = api.ok("POST", "/api/v1/executions", json={**body, "variables": {"title": "x"}})
    assert default_env["environment"] == "prod"
    assert default_env["failed_tests"] == 1

    unknown = api.post("/api/v1/executions", json={**body, "environment": "qa"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "environment"


def test_list_newest_first_with_filters(api: Api, shop: ShopServer) -> None:
    project_id, plan_id = seed.simple_plan(api, shop.url, {"Quick": seed.PASSING})
    first = api.ok(
        "POST", "/api/v1/executions", json={"project_id": project_id, "test_plan_id": plan_id}
    )
    # The first ran to its end before the second is created: a later millisecond.
    second = api.ok(
        "POST", "/api/v1/executions", json={"project_id": project_id, "test_plan_id": plan_id}
    )
    for stamp in (first["created_at"], first["completed_at"], second["created_at"]):
        assert MILLISECONDS.fullmatch(stamp), stamp
    listed = api.ok("GET", "/api/v1/executions", params={"project_id": project_id})
    assert [e["id"] for e in listed["data"]] == [second["id"], first["id"]]
    assert listed["pagination"] == {"limit": 20, "offset": 0, "total": 2}
    page = api.ok(
        "GET", "/api/v1/executions", params={"project_id": project_id, "limit": 1, "offset": 1}
    )
    assert [e["id"] for e in page["data"]] == [first["id"]]
    assert page["pagination"]["total"] == 2
    none = api.ok(
        "GET", "/api/v1/executions", params={"project_id": project_id, "status": "failed"}
    )
    assert none["data"] == []
    assert none["pagination"]["total"] == 0
    after = api.ok(
        "GET",
        "/api/v1/executions",
        params={"project_id": project_id, "created_after": second["created_at"]},
    )
    assert [e["id"] for e in after["data"]] == [second["id"]]
    before = api.ok(
        "GET",
        "/api/v1/executions",
        params={"project_id": project_id, "created_before": second["created_at"]},
    )
    assert [e["id"] for e in before["data"]] == [first["id"]]
    # Filters also take whole seconds (and any ISO 8601).
    that_second = first["created_at"][:19] + "Z"
    since = api.ok(
        "GET", "/api/v1/executions", params={"project_id": project_id, "created_after": that_second}
    )
    assert [e["id"] for e in since["data"]] == [second["id"], first["id"]]
    long_ago = api.ok(
        "GET",
        "/api/v1/executions",
        params={"project_id": project_id, "created_before": "2000-01-01T00:00:00Z"},
    )
    assert long_ago["pagination"]["total"] == 0


def test_artifacts_stay_inside_the_store(api: Api, bugbrain: BugbrainServer) -> None:
    response = api.get("/api/v1/artifacts/../secret.key")
    assert response.status_code in (404, 400)
    assert Path(bugbrain.data_dir / "secret.key").read_bytes().decode() not in response.text


def test_runner_crash_fails_execution_and_leaves_no_browser(
    api: Api, bugbrain: BugbrainServer, shop: ShopServer
) -> None:
    project_id, plan_id = seed.simple_plan(api, shop.url, {"Long": seed.wait_steps(30_000)})
    execution_id = start(api, project_id, plan_id)
    api.wait_status(execution_id, ("running",))
    runner = busy_runner(bugbrain)
    browsers = runner.children(recursive=True)
    runner.kill()  # SIGKILL: its own clean-up cannot run
    final = api.wait_terminal(execution_id)
    assert final["status"] == "failed"
    assert final["failure_reason"] == "runner_crashed"
    assert "exited with code -9" in final["failure_message"]
    # The browsers were reparented away from the server when their runner died:
    # follow the very processes seen before the crash.
    eventually(lambda: gone(browsers), message="the orphaned Chromium to exit")


def _warm_ready(server: BugbrainServer) -> bool:
    """Each worker holds one idle runner whose Chromium is up (and no page open)."""
    runners = runners_under(server)
    return (
        len(runners) == server.workers
        and all("--warm" in _cmdline(r) for r in runners)
        and all(any("chrom" in c.name() for c in r.children(recursive=True)) for r in runners)
        and not pages_under(server)
    )


def test_executions_start_on_warm_runners(
    api: Api, bugbrain: BugbrainServer, shop: ShopServer
) -> None:
    eventually(lambda: _warm_ready(bugbrain), message="each worker's warm runner")
    project_id, plan_id = seed.simple_plan(api, shop.url, {"Dwell": seed.wait_steps(1500)})
    execution_id = start(api, project_id, plan_id)
    assert "--warm" in _cmdline(busy_runner(bugbrain))
    assert api.wait_terminal(execution_id)["status"] == "completed"
    # Its log moved into the execution's directory with it.
    assert (bugbrain.data_dir / "artifacts" / execution_id / "runner.log").is_file()
    eventually(lambda: _warm_ready(bugbrain), message="a new warm runner for the next execution")

    # A warm runner that died while idle is replaced by a runner started cold.
    for runner in runners_under(bugbrain):
        runner.kill()
    project_id, plan_id = seed.simple_plan(api, shop.url, {"Quick": seed.PASSING})
    body = {"project_id": project_id, "test_plan_id": plan_id}
    done = api.ok("POST", "/api/v1/executions", json=body)
    assert (done["status"], done["passed_tests"]) == ("completed", 1)
    eventually(lambda: _warm_ready(bugbrain), message="warm runners again")


def test_warm_runners_can_be_turned_off(tmp_path: Path, shop: ShopServer) -> None:
    server = BugbrainServer(tmp_path / "data", workers=1, extra_env={"BUGBRAIN_WARM_RUNNERS": "0"})
    server.start()
    try:
        api = server.client("cold")
        project_id, plan_id = seed.simple_plan(api, shop.url, {"Dwell": seed.wait_steps(1500)})
        assert runners_under(server) == []
        execution_id = start(api, project_id, plan_id)
        assert "--warm" not in _cmdline(busy_runner(server))
        assert api.wait_terminal(execution_id)["status"] == "completed"
        assert runners_under(server) == []
    finally:
        server.stop()
