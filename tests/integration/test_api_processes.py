"""``bugbrain serve --api-processes N`` (PostgreSQL): N API processes share the
port, the first process runs the executions, a dead API process is replaced,
SIGTERM ends them all; on SQLite the setting is refused with a clear message."""

from __future__ import annotations

import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests

from tests.support import databases, seed
from tests.support.servers import BUGBRAIN, BugbrainServer, ShopServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser


def _api_processes(server: BugbrainServer) -> list[psutil.Process]:
    """The server's API processes: uvicorn starts each with multiprocessing's spawn."""
    found = []
    for proc in server.descendants():
        try:
            if any("spawn_main" in part for part in proc.cmdline()):
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found


def test_more_than_one_api_process_needs_postgres(tmp_path: Path) -> None:
    done = subprocess.run(
        [*BUGBRAIN, "serve", "--api-processes", "2", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "api_processes above 1 needs PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr


def test_api_processes_share_the_port_and_the_first_runs_executions(
    tmp_path: Path, shop: ShopServer
) -> None:
    admin = databases.postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server (BUGBRAIN_TEST_DATABASE_URL, or 127.0.0.1:5432)")
    databases.use_postgres(tmp_path, admin)
    server = BugbrainServer(tmp_path, workers=1, extra_env={"BUGBRAIN_API_PROCESSES": "2"})
    server.start()
    try:
        eventually(
            lambda: _api_processes(server),
            message="two API processes",
            until=lambda procs: len(procs) == 2,
        )
        api = server.client("procs")
        project_id, plan_id = seed.simple_plan(api, shop.url, {"Wait": seed.wait_steps(50)})
        body = {"project_id": project_id, "test_plan_id": plan_id}
        execution_id = api.ok("POST", "/api/v1/executions/async", json=body)["id"]
        status = f"/api/v1/executions/{execution_id}/status"
        with ThreadPoolExecutor(8) as pool:  # answered by either process, alike
            answers = list(pool.map(lambda _: api.get(status).status_code, range(40)))
        assert answers == [200] * 40
        ended = api.wait_terminal(execution_id)
        assert ended["status"] == "completed", ended  # run by the first process's worker

        # A dead API process is replaced; the other answers new connections
        # meanwhile (a kept-alive one to the dead process is reset, as with
        # any server that dies).
        killed = _api_processes(server)[0]
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        headers = {"Authorization": f"Bearer {api.key}"}
        for _ in range(20):
            fresh = requests.get(server.url + status, headers=headers, timeout=30)
            assert fresh.json()["status"] == "completed"
        eventually(
            lambda: _api_processes(server),
            message="the killed API process replaced",
            until=lambda procs: len(procs) == 2 and killed.pid not in {p.pid for p in procs},
            timeout=30,
        )

        assert server.proc is not None
        everyone = [psutil.Process(server.proc.pid), *server.descendants()]
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in everyone):
            time.sleep(0.2)
        assert not [p for p in everyone if _alive(p)]
    finally:
        server.stop()


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
