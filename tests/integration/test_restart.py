"""A crash (SIGKILL) of the server with one execution running and others
queued: after a restart every execution ends in a terminal state, with the
right reason, and no browser outlives the crash."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from tests.support import seed
from tests.support.servers import BugbrainServer, ShopServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser


def runner_processes(data_dir: Path) -> list[psutil.Process]:
    """Runner children (and their browsers) that belong to this data dir."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "bugbrain.runner.child" in cmdline and str(data_dir) in cmdline:
            found.append(proc)
            try:
                found.extend(proc.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
    return found


def test_sigkill_with_running_and_queued(tmp_path: Path, shop: ShopServer) -> None:
    server = BugbrainServer(tmp_path / "data", workers=1)
    server.start()
    try:
        api = server.client("restart")
        project = seed.project(api, shop.url)
        slow = seed.test_case(api, project["id"], "Slow", seed.wait_steps(60_000))
        quick = seed.test_case(api, project["id"], "Quick", seed.PASSING)
        slow_plan = seed.plan(api, project["id"], [slow])
        quick_plan = seed.plan(api, project["id"], [quick])

        def start(plan_id: str) -> str:
            body = {"project_id": project["id"], "test_plan_id": plan_id}
            return str(api.ok("POST", "/api/v1/executions/async", json=body)["id"])

        running = start(slow_plan)
        api.wait_status(running, ("running",))
        queued = [start(quick_plan), start(quick_plan)]
        for execution_id in queued:
            assert api.ok("GET", f"/api/v1/executions/{execution_id}/status")["status"] == "queued"
        assert runner_processes(server.data_dir)

        server.kill()
        # The orphaned runner notices its parent is gone and takes its browser with it.
        eventually(
            lambda: not runner_processes(server.data_dir),
            message="the runner and its Chromium to exit after the server's crash",
        )

        server.start()
        lost = api.wait_terminal(running)
        assert lost["status"] == "failed"
        assert lost["failure_reason"] == "worker_lost"
        results = api.ok("GET", f"/api/v1/executions/{running}/results")
        assert [t["status"] for t in results["test_results"]] == ["skipped"]
        for execution_id in queued:
            done = api.wait_terminal(execution_id)
            assert done["status"] == "completed", done
            assert done["passed_tests"] == 1
        listed = api.ok("GET", "/api/v1/executions", params={"project_id": project["id"]})
        assert {e["status"] for e in listed["data"]} == {"failed", "completed"}
    finally:
        server.stop()


def test_second_server_on_same_data_dir_is_refused(tmp_path: Path) -> None:
    first = BugbrainServer(tmp_path / "data")
    first.start()
    try:
        second = BugbrainServer(tmp_path / "data")
        with pytest.raises(RuntimeError, match="in use"):
            second.start()
    finally:
        first.stop()


def test_graceful_stop_ends_running_and_keeps_queued(tmp_path: Path, shop: ShopServer) -> None:
    server = BugbrainServer(tmp_path / "data", workers=1)
    server.start()
    try:
        api = server.client("shutdown")
        project = seed.project(api, shop.url)
        slow = seed.plan(
            api,
            project["id"],
            [seed.test_case(api, project["id"], "Slow", seed.wait_steps(60_000))],
        )
        quick = seed.plan(
            api, project["id"], [seed.test_case(api, project["id"], "Quick", seed.PASSING)]
        )
        body = {"project_id": project["id"]}
        running = api.ok("POST", "/api/v1/executions/async", json={**body, "test_plan_id": slow})[
            "id"
        ]
        api.wait_status(running, ("running",))
        queued = api.ok("POST", "/api/v1/executions/async", json={**body, "test_plan_id": quick})[
            "id"
        ]

        server.stop()  # SIGINT: a graceful stop
        assert not runner_processes(server.data_dir)
        server.start()
        stopped = api.wait_terminal(running)
        assert (stopped["status"], stopped["failure_reason"]) == ("failed", "server_shutdown")
        assert api.wait_terminal(queued)["status"] == "completed"
    finally:
        server.stop()


def test_browser_that_cannot_start_fails_the_execution(tmp_path: Path, shop: ShopServer) -> None:
    server = BugbrainServer(
        tmp_path / "data", extra_env={"BUGBRAIN_CHROMIUM_PATH": str(tmp_path / "no-chromium")}
    )
    server.start()
    try:
        api = server.client("no-browser")
        project_id, plan_id = seed.simple_plan(api, shop.url, {"Quick": seed.PASSING})
        result = api.ok(
            "POST", "/api/v1/executions", json={"project_id": project_id, "test_plan_id": plan_id}
        )
        assert result["status"] == "failed"
        assert result["failure_reason"] == "browser_launch_failed"
        assert result["failure_message"]
        assert [t["status"] for t in result["results"]["test_results"]] == ["skipped"]
    finally:
        server.stop()
