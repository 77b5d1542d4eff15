"""Workers on PostgreSQL (procrastinate): the API alone (``--workers 0``) and real
``bugbrain worker`` processes sharing its database, each with a data directory
of its own (as on hosts of their own), artifacts in a local S3-compatible
server (moto). Many executions each run exactly once, every screenshot opens; a killed worker's executions end (or are re-queued and run
again) and leave no browser; a cancel reaches the worker; SIGTERM lets running
executions use their grace; one project cannot take every worker."""

from __future__ import annotations

import itertools
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from tests.support import databases, seed
from tests.support.s3 import LocalS3
from tests.support.servers import Api, BugbrainServer, ShopServer, WorkerProcess
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser

RUNNING = re.compile(r"running execution (exec_\w+)")


BUCKET, PREFIX = "distributed", "runs"


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    server = LocalS3()
    server.start()
    server.create_bucket(BUCKET)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, s3: LocalS3) -> Iterator[BugbrainServer]:
    admin = databases.postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server (BUGBRAIN_TEST_DATABASE_URL, or 127.0.0.1:5432)")
    data_dir = tmp_path_factory.mktemp("distributed")
    databases.use_postgres(data_dir, admin)
    api_only = BugbrainServer(data_dir, workers=0, extra_env=s3.env(f"s3://{BUCKET}/{PREFIX}"))
    api_only.start()
    yield api_only
    api_only.stop()


@pytest.fixture(scope="module")
def api(server: BugbrainServer) -> Api:
    return server.client("distributed")


@pytest.fixture
def workers(server: BugbrainServer) -> Iterator[list[WorkerProcess]]:
    """Workers a test starts; killed at its end whatever happened."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def _start(api: Api, project_id: str, plan_id: str) -> str:
    body = {"project_id": project_id, "test_plan_id": plan_id}
    return str(api.ok("POST", "/api/v1/executions/async", json=body)["id"])


def _plan(api: Api, shop: ShopServer, steps: list[dict[str, Any]], **settings: Any) -> tuple[str, str]:  # fmt: skip
    project = seed.project(api, shop.url)
    case = seed.test_case(api, project["id"], "Case", steps)
    return project["id"], seed.plan(api, project["id"], [case], **settings)


def _runs(workers: list[WorkerProcess]) -> Counter[str]:
    """How many times each execution was started, over every worker's log."""
    return Counter(m for w in workers for m in RUNNING.findall(w.log()))


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            continue
    return alive


def _at(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_sixty_executions_on_three_workers_each_run_once(
    server: BugbrainServer,
    api: Api,
    shop: ShopServer,
    workers: list[WorkerProcess],
    s3: LocalS3,
    tmp_path: Path,
) -> None:
    project_id, plan_id = _plan(
        api,
        shop,
        [
            {"description": "Open about", "action": "navigate", "value": "/about"},
            {"description": "Heading", "action": "assert_visible", "selector": "h1"},
        ],
        screenshot_mode="every_step",
    )
    hosts = [tmp_path / f"host{i}" for i in range(3)]
    workers.extend(
        WorkerProcess(server, f"w{i}", extra_env={"BUGBRAIN_DATA_DIR": str(host)})
        for i, host in enumerate(hosts)
    )
    for worker in workers:
        worker.start()
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: _start(api, project_id, plan_id), range(60)))
    deadline = time.monotonic() + 600
    for execution_id in ids:
        left = max(1.0, deadline - time.monotonic())
        ended = api.wait_terminal(execution_id, left)
        assert ended["status"] == "completed", ended
    runs = _runs(workers)
    assert {e: runs[e] for e in ids} == dict.fromkeys(ids, 1), "each execution runs exactly once"
    per_worker = [len(RUNNING.findall(w.log())) for w in workers]
    assert sum(per_worker) == 60
    assert all(n > 0 for n in per_worker), per_worker
    for execution_id in ids:
        results = api.ok("GET", f"/api/v1/executions/{execution_id}/results")
        (test,) = results["test_results"]
        assert test["status"] == "passed"
        assert results["summary"]["passed"] == 1
        urls = [test["screenshot"], *(s["screenshot"] for s in test["steps"])]
        assert len(urls) == 3
        for url in urls:
            response = requests.get(url, timeout=30)  # signed: no key needed
            assert response.status_code == 200, url
            assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    stored = s3.keys(BUCKET, PREFIX + "/")
    for execution_id in ids:
        mine = [k for k in stored if k.startswith(f"{PREFIX}/{execution_id}/")]
        assert sum(k.endswith(".png") for k in mine) == 2, mine
    # Nothing of any run stays on the hosts that ran them.
    assert [p for host in hosts for p in (host / "artifacts").rglob("*") if p.is_file()] == []


def test_a_killed_worker_loses_nothing(
    server: BugbrainServer, api: Api, shop: ShopServer, workers: list[WorkerProcess]
) -> None:
    project_id, plan_id = _plan(api, shop, seed.wait_steps(60_000))
    doomed = WorkerProcess(server, "doomed", concurrency=2)
    workers.append(doomed)
    doomed.start()
    ids = [_start(api, project_id, plan_id) for _ in range(2)]
    for execution_id in ids:
        api.wait_status(execution_id, ("running",), 120)
    runners = doomed.descendants()  # two runners and their browsers (and no idle one)
    assert len([p for p in runners if "bugbrain.runner" in " ".join(p.cmdline())]) == 2
    doomed.signal(signal.SIGKILL)
    killed_at = time.monotonic()
    for execution_id in ids:
        status = api.wait_status(execution_id, ("failed",), 20)
        assert status["failure_reason"] == "worker_lost"
    assert time.monotonic() - killed_at <= 20
    # The orphaned runners notice their parent is gone and take their browsers along.
    eventually(lambda: not _alive(runners), message="runners and browsers to exit", timeout=20)


def test_a_killed_workers_execution_runs_again_when_its_plan_says_so(
    server: BugbrainServer, api: Api, shop: ShopServer, workers: list[WorkerProcess]
) -> None:
    project_id, plan_id = _plan(api, shop, seed.wait_steps(6_000), requeue_on_worker_loss=True)
    doomed = WorkerProcess(server, "doomed-requeue")
    workers.append(doomed)
    doomed.start()
    execution_id = _start(api, project_id, plan_id)
    api.wait_status(execution_id, ("running",), 120)
    doomed.signal(signal.SIGKILL)
    survivor = WorkerProcess(server, "survivor")
    workers.append(survivor)
    survivor.start()
    assert api.wait_terminal(execution_id, 60)["status"] == "completed"
    assert _runs(workers)[execution_id] == 2  # once on each worker
    results = api.ok("GET", f"/api/v1/executions/{execution_id}/results")
    assert [t["status"] for t in results["test_results"]] == ["passed"]
    assert results["summary"] == {**results["summary"], "total": 1, "passed": 1, "failed": 0}


def test_cancel_stops_the_run_on_its_worker_within_five_seconds(
    server: BugbrainServer, api: Api, shop: ShopServer, workers: list[WorkerProcess]
) -> None:
    project_id, plan_id = _plan(api, shop, seed.wait_steps(60_000))
    worker = WorkerProcess(server, "cancel")
    workers.append(worker)
    worker.start()
    execution_id = _start(api, project_id, plan_id)
    api.wait_status(execution_id, ("running",), 120)
    runners = worker.descendants()  # its runner and browser (no idle one: the slot is busy)
    assert any("bugbrain.runner" in " ".join(p.cmdline()) for p in runners)
    asked = time.monotonic()
    body = api.ok("DELETE", f"/api/v1/executions/{execution_id}")
    assert body["status"] == "cancelled"
    eventually(lambda: not _alive(runners), message="the runner to be stopped", timeout=5)
    assert time.monotonic() - asked <= 5
    assert api.status(execution_id)["status"] == "cancelled"
    assert worker.proc is not None
    assert worker.proc.poll() is None


def test_sigterm_lets_running_executions_use_their_grace(
    server: BugbrainServer, api: Api, shop: ShopServer, workers: list[WorkerProcess]
) -> None:
    quick_project, quick_plan = _plan(api, shop, seed.wait_steps(2_000))
    slow_project, slow_plan = _plan(api, shop, seed.wait_steps(60_000))
    stopping = WorkerProcess(
        server, "stopping", concurrency=2, extra_env={"BUGBRAIN_SHUTDOWN_GRACE_SECONDS": "8"}
    )
    workers.append(stopping)
    stopping.start()
    quick = _start(api, quick_project, quick_plan)
    slow = _start(api, slow_project, slow_plan)
    for execution_id in (quick, slow):
        api.wait_status(execution_id, ("running",), 120)
    stopping.signal(signal.SIGTERM)
    later = _start(api, quick_project, quick_plan)  # a stopping worker takes no more work
    assert api.wait_terminal(quick, 30)["status"] == "completed"  # finished within the grace
    ended = api.wait_terminal(slow, 40)
    assert ended["status"] == "failed"
    assert ended["failure_reason"] == "server_shutdown"
    assert stopping.proc is not None
    assert stopping.proc.wait(timeout=30) == 0
    assert api.status(later)["status"] == "queued"
    assert _runs([stopping])[later] == 0
    taker = WorkerProcess(server, "taker")
    workers.append(taker)
    taker.start()
    assert api.wait_terminal(later, 60)["status"] == "completed"


def test_one_project_cannot_take_every_worker(
    server: BugbrainServer, api: Api, shop: ShopServer, workers: list[WorkerProcess]
) -> None:
    busy_project, busy_plan = _plan(api, shop, seed.wait_steps(3_000))
    other_project, other_plan = _plan(api, shop, seed.wait_steps(500))
    one_each = {"BUGBRAIN_PROJECT_CONCURRENCY": "1"}
    workers.extend(WorkerProcess(server, f"fair{i}", extra_env=one_each) for i in range(2))
    for worker in workers:
        worker.start()
    busy = [_start(api, busy_project, busy_plan) for _ in range(3)]
    other = _start(api, other_project, other_plan)
    ended = {e: api.wait_terminal(e, 120) for e in [*busy, other]}
    assert all(s["status"] == "completed" for s in ended.values())
    spans = sorted((_at(ended[e]["started_at"]), _at(ended[e]["completed_at"])) for e in busy)
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        assert second_start >= first_end - 0.5, "two of one project's executions overlapped"
    # The other project's execution, queued after all three, did not wait for them.
    assert _at(ended[other]["started_at"]) < spans[1][0]
