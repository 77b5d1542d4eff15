"""Moving an embedded SQLite install to PostgreSQL (``bugbrain db copy --to``): a
database with executions, results, heals, fingerprints and keys (one revoked)
arrives whole, row for row; a server on the copy answers the old keys, serves
the old screenshots, and runs new executions. A target that holds data, or a
data directory a server is using, is refused and nothing changes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bugbrain.db.engine import create_engine
from bugbrain.db.tables import metadata
from tests.support import databases, seed
from tests.support.servers import BUGBRAIN, Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser

STEPS = seed.HEAL_STEPS


@pytest.fixture(scope="module")
def admin() -> str:
    url = databases.postgres_admin_url()
    if url is None:
        pytest.skip("no PostgreSQL server (BUGBRAIN_TEST_DATABASE_URL, or 127.0.0.1:5432)")
    return url


def _copy(data_dir: Path, target: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in BugbrainServer(data_dir).env().items() if k != "BUGBRAIN_DATABASE_URL"}
    return subprocess.run(
        [*BUGBRAIN, "db", "copy", "--to", target, "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    dict(r)
                    for r in conn.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    ).mappings()
                ]
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def embedded(
    tmp_path_factory: pytest.TempPathFactory, lab: ShopServer, admin: str
) -> tuple[BugbrainServer, str, dict[str, str]]:
    """A SQLite install with a bit of everything in it, stopped."""
    data_dir = tmp_path_factory.mktemp("embedded")
    server = BugbrainServer(data_dir, workers=1)
    if databases.on_postgres():  # the whole run is on PostgreSQL: this one stays SQLite
        server.env = lambda: {  # type: ignore[method-assign]
            k: v for k, v in BugbrainServer.env(server).items() if k != "BUGBRAIN_DATABASE_URL"
        }
    server.start()
    api = server.client("moving")
    revoked = server.create_key("moving", name="old")
    project = seed.project(api, lab.url)
    case_id = seed.test_case(api, project["id"], "Add to Cart", STEPS)
    plan_id = seed.plan(api, project["id"], [case_id], element_wait_timeout_ms=1000)
    ids = {"project_id": project["id"], "test_plan_id": plan_id}

    def run(page: str) -> dict[str, Any]:
        body = {**ids, "variables": {"page": f"/pages/{page}"}}
        return dict(api.ok("POST", "/api/v1/executions", json=body))

    assert run("heal-v1.html")["passed_tests"] == 1  # results, screenshots, a fingerprint
    assert run("heal-v2.html")["failed_tests"] == 1  # a failure and its analysis
    api.ok("PATCH", f"/api/v1/test-plans/{plan_id}", json={"healing": "auto"})
    healed = run("heal-v2.html")
    assert healed["passed_tests"] == 1
    assert api.ok("GET", f"/api/v1/executions/{healed['id']}/heals")["heals"]
    listed = api.ok("GET", "/api/v1/executions", params={"project_id": project["id"]})
    assert listed["pagination"]["total"] == 3
    old = Api(server.url, revoked)
    (old_key,) = [k for k in _keys(server) if k["name"] == "old"]
    subprocess.run(
        [*BUGBRAIN, "keys", "revoke", old_key["id"], "--data-dir", str(data_dir)],
        env=server.env(),
        check=True,
        capture_output=True,
    )
    assert old.get("/api/v1/projects").status_code == 401
    server.stop()
    return server, api.key, {**ids, "revoked": revoked, "healed": healed["id"]}


def _keys(server: BugbrainServer) -> list[dict[str, Any]]:
    out = subprocess.run(
        [*BUGBRAIN, "keys", "list", "--json", "--data-dir", str(server.data_dir)],
        env=server.env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return list(json.loads(out.stdout))


def test_copy_to_postgresql_loses_nothing(
    embedded: tuple[BugbrainServer, str, dict[str, str]], admin: str, tmp_path: Path
) -> None:
    server, key, ids = embedded
    target_dir = tmp_path / "pg"
    databases.use_postgres(target_dir, admin)
    target = databases.database_url(target_dir)
    assert target is not None
    before = _rows(server.database_url)
    assert all(before[t] for t in ("api_keys", "executions", "test_results", "heals")), {
        t: len(rows) for t, rows in before.items()
    }
    assert before["element_fingerprints"]

    done = _copy(server.data_dir, target)
    assert done.returncode == 0, done.stderr
    assert "now set BUGBRAIN_DATABASE_URL" in done.stdout
    assert _rows(target) == before  # every row of every table, equal after the trip

    # A server on the copy: same data directory (screenshots, the signing secret).
    moved = BugbrainServer(server.data_dir, workers=1, extra_env={"BUGBRAIN_DATABASE_URL": target})
    moved.start()
    try:
        api = Api(moved.url, key)
        assert Api(moved.url, ids["revoked"]).get("/api/v1/projects").status_code == 401
        results = api.ok("GET", f"/api/v1/executions/{ids['healed']}/results")
        shot = results["test_results"][0]["screenshot"]
        assert requests.get(shot, timeout=30).content[:8] == b"\x89PNG\r\n\x1a\n"
        assert api.ok("GET", f"/api/v1/executions/{ids['healed']}/heals")["heals"]
        body = {
            "project_id": ids["project_id"],
            "test_plan_id": ids["test_plan_id"],
            "variables": {"page": "/pages/heal-v2.html"},
        }
        again = api.ok("POST", "/api/v1/executions", json=body)
        assert (again["status"], again["passed_tests"]) == ("completed", 1)  # the heal reused
    finally:
        moved.stop()

    # Copying again onto it: refused, nothing written.
    after = _rows(target)
    refused = _copy(server.data_dir, target)
    assert refused.returncode != 0
    assert "The target database is not empty" in refused.stderr
    assert _rows(target) == after


def test_copy_is_refused_while_a_server_uses_the_data_directory(
    embedded: tuple[BugbrainServer, str, dict[str, str]], admin: str, tmp_path: Path
) -> None:
    server, _, _ = embedded
    target_dir = tmp_path / "pg-busy"
    databases.use_postgres(target_dir, admin)
    target = databases.database_url(target_dir)
    assert target is not None
    server.start()
    try:
        refused = _copy(server.data_dir, target)
    finally:
        server.stop()
    assert refused.returncode != 0
    assert "in use" in refused.stderr
    engine = create_engine(target)
    try:
        assert sa.inspect(engine).get_table_names() == []  # not even migrated
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("target", "message"),
    [("mysql://db/x", "--to: a postgresql:// (or sqlite:///) database URL"), ("", "--to")],
)
def test_copy_refuses_a_bad_target(tmp_path: Path, target: str, message: str) -> None:
    out = _copy(tmp_path / "data", target)
    assert out.returncode == 2
    assert message in out.stderr
