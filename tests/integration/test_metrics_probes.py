"""``/metrics`` in Prometheus' text format, read back with prometheus-client's own
parser, moving as executions run; ``/healthz``; ``/readyz`` ready, then not ready
when the database goes away (and ready again when it comes back, on PostgreSQL)
or when no browser launches."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support import databases, seed
from tests.support.servers import Api, BugbrainServer, ShopServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BugbrainServer]:
    """A server of its own: the figures are the whole database's."""
    started = BugbrainServer(tmp_path_factory.mktemp("metrics"), workers=1)
    started.start()
    yield started
    started.stop()


def scrape(server: BugbrainServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample, by name and labels."""
    response = requests.get(f"{server.url}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_as_executions_run(server: BugbrainServer, shop: ShopServer) -> None:
    api: Api = server.client("metrics")
    before = scrape(server)
    assert _value(before, "bugbrain_database_up") == 1
    assert _value(before, "bugbrain_info", version=_version(before)) == 1
    project_id, plan_id = seed.simple_plan(
        api, shop.url, {"passes": seed.PASSING, "fails": seed.FAILING}
    )
    body = {"project_id": project_id, "test_plan_id": plan_id}
    done = api.ok("POST", "/api/v1/executions", json=body)
    assert done["status"] == "completed", done
    after = scrape(server)
    completed = _value(after, "bugbrain_executions", status="completed")
    assert completed == _value(before, "bugbrain_executions", status="completed") + 1
    for status in ("queued", "pending", "running", "failed", "cancelled"):
        assert (status, _value(after, "bugbrain_executions", status=status)) == (status, 0)
    runs = "bugbrain_execution_duration_seconds_count"
    assert _value(after, runs) == _value(before, runs) + 1
    tests = "bugbrain_test_duration_seconds_count"
    assert _value(after, tests) == _value(before, tests) + 2
    # The two tests took some time, and every bucket holds at most the total.
    assert _value(after, "bugbrain_test_duration_seconds_sum") > 0
    assert _value(after, "bugbrain_test_duration_seconds_bucket", le="+Inf") == _value(after, tests)
    assert _value(after, "bugbrain_test_duration_seconds_bucket", le="0.5") <= _value(after, tests)
    # The worker keeps a warm runner (one Chromium) for the next execution.
    eventually(
        lambda: _value(scrape(server), "bugbrain_browsers_active"),
        until=lambda n: n >= 1,
        timeout=60,
        message="a warm runner to be counted",
    )
    assert _value(after, "process_resident_memory_bytes") > 0


def test_queue_depth_counts_what_waits(server: BugbrainServer, shop: ShopServer) -> None:
    api: Api = server.client("metrics-queue")
    project_id, plan_id = seed.simple_plan(api, shop.url, {"dwell": seed.wait_steps(3000)})
    body = {"project_id": project_id, "test_plan_id": plan_id}
    first = api.ok("POST", "/api/v1/executions/async", json=body)["id"]
    api.wait_status(first, ("running",))
    second = api.ok("POST", "/api/v1/executions/async", json=body)["id"]  # one worker: it waits
    samples = scrape(server)
    assert _value(samples, "bugbrain_queue_depth", queue="executions") == 1
    assert _value(samples, "bugbrain_executions", status="running") == 1
    for execution_id in (first, second):
        api.wait_terminal(execution_id)
    assert _value(scrape(server), "bugbrain_queue_depth", queue="executions") == 0


def _version(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> str:
    (labels,) = [dict(key[1]) for key in samples if key[0] == "bugbrain_info"]
    return labels["version"]


def _readyz(server: BugbrainServer) -> requests.Response:
    return requests.get(f"{server.url}/readyz", timeout=60)


def test_healthz_and_readyz(server: BugbrainServer) -> None:
    health = requests.get(f"{server.url}/healthz", timeout=30)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = _readyz(server)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "checks": {
            "database": {"status": "ok"},
            "migrations": {"status": "ok"},
            "browser": {"status": "ok"},
        },
    }


def test_readyz_fails_without_a_browser(tmp_path: Path) -> None:
    server = BugbrainServer(
        tmp_path, workers=1, extra_env={"BUGBRAIN_CHROMIUM_PATH": str(tmp_path / "no-chromium")}
    )
    server.start()
    try:
        answer = _readyz(server)
        assert answer.status_code == 503, answer.text
        error = answer.json()["error"]
        assert error["code"] == "not_ready"
        (detail,) = error["details"]  # the database is fine
        assert detail["field"] == "browser"
        assert "no-chromium" in detail["message"]
        assert error["message"].startswith("Not ready: browser: ")
        assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200
    finally:
        server.stop()


def test_readyz_fails_while_the_database_is_unreachable(tmp_path: Path) -> None:
    """On PostgreSQL, whatever the run's database: a database server that goes
    away and comes back (SQLite's file cannot be unreachable from a process that
    has it open)."""
    admin = databases.postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server (BUGBRAIN_TEST_DATABASE_URL, or 127.0.0.1:5432)")
    databases.use_postgres(tmp_path, admin)
    server = BugbrainServer(tmp_path, workers=1)
    server.start()
    try:
        assert _readyz(server).status_code == 200
        databases.allow_connections(tmp_path, False)
        answer = _readyz(server)
        assert answer.status_code == 503, answer.text
        error = answer.json()["error"]
        assert error["code"] == "not_ready"
        assert [d["field"] for d in error["details"]] == ["database"]  # migrations: skipped
        assert error["details"][0]["message"]
        assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200
        samples = scrape(server)  # still answers, and says the database is down
        assert _value(samples, "bugbrain_database_up") == 0
        databases.allow_connections(tmp_path, True)
        eventually(
            lambda: _readyz(server).status_code,
            until=lambda code: code == 200,
            timeout=30,
            message="ready again once the database is back",
        )
        assert _value(scrape(server), "bugbrain_database_up") == 1
    finally:
        databases.allow_connections(tmp_path, True)
        server.stop()


def test_reads_come_back_after_the_database_drops_every_connection(tmp_path: Path) -> None:
    """On PostgreSQL: the API's reads (status, list, results: ``api/reads.py``,
    on the event loop) hold pooled connections; a database server that ends
    them all (a restart) costs a read a retry on a fresh one, not an error."""
    admin = databases.postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server (BUGBRAIN_TEST_DATABASE_URL, or 127.0.0.1:5432)")
    databases.use_postgres(tmp_path, admin)
    server = BugbrainServer(tmp_path, workers=0)
    server.start()
    try:
        api = server.client("reads")
        project = api.ok("POST", "/api/v1/projects", json={"name": "p", "base_url": "http://x"})
        listing = f"/api/v1/executions?project_id={project['id']}"
        with ThreadPoolExecutor(8) as pool:  # several pooled connections in use
            answers = list(pool.map(lambda _: api.get(listing).status_code, range(40)))
        assert answers == [200] * 40
        databases.allow_connections(tmp_path, False)
        databases.allow_connections(tmp_path, True)
        for _ in range(10):  # every connection the pool held was ended
            answer = api.get(listing)
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"] == []
            unknown = api.get("/api/v1/executions/exec_none/status")
            assert unknown.status_code == 404, unknown.text
    finally:
        server.stop()
