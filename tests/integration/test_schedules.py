"""Schedules through the real API: validation, ticks that start executions,
several processes on one database firing each tick once, and ticks missed while
the server was down run once when it is back."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support import databases, seed
from tests.support.servers import Api, BugbrainServer, ShopServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser

EVERY_2_S = "* * * * * */2"
QUICK = [{"description": "Open about", "action": "navigate", "value": "/about"}]


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("schedules")


def _ticks(database_url: str, schedule_id: str) -> list[datetime]:
    """The ticks the schedule's executions were started for, read from the database."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT scheduled_for FROM executions WHERE schedule_id = :id "
                    "ORDER BY scheduled_for"
                ),
                {"id": schedule_id},
            )
            return [
                r[0] if isinstance(r[0], datetime) else datetime.fromisoformat(r[0]) for r in rows
            ]
    finally:
        engine.dispose()


def test_create_read_update_delete(api: Api, shop: ShopServer) -> None:
    project_id, plan_id = seed.simple_plan(api, shop.url, {"quick": QUICK})
    body = {
        "project_id": project_id,
        "test_plan_id": plan_id,
        "name": "Nightly",
        "cron": " 0  3 * * * ",
        "timezone": "Europe/Paris",
        "variables": {"who": "nightly", "token": {"value": "s3cr3t-tok", "secret": True}},
    }
    made = api.ok("POST", "/api/v1/schedules", json=body)
    assert made["id"].startswith("sch_")
    assert made["cron"] == "0 3 * * *"
    assert made["variables"] == {"who": "nightly", "token": {"value": None, "secret": True}}
    assert made["enabled"] is True
    assert made["next_run_at"].endswith(("T01:00:00.000Z", "T02:00:00.000Z"))  # 03:00 Paris
    assert made["last_run_at"] is None
    assert made["last_execution_id"] is None
    assert api.ok("GET", f"/api/v1/schedules/{made['id']}") == made
    listed = api.ok("GET", f"/api/v1/schedules?project_id={project_id}")
    assert [s["id"] for s in listed["data"]] == [made["id"]]
    paused = api.ok("PATCH", f"/api/v1/schedules/{made['id']}", json={"enabled": False})
    assert paused["next_run_at"] is None
    resumed = api.ok(
        "PATCH", f"/api/v1/schedules/{made['id']}", json={"enabled": True, "cron": "@hourly"}
    )
    assert resumed["next_run_at"].endswith(":00:00.000Z")
    assert api.delete(f"/api/v1/schedules/{made['id']}").status_code == 204
    assert api.get(f"/api/v1/schedules/{made['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"cron": "61 * * * *"}, "cron", "not a valid cron expression"),
        ({"cron": "* * *"}, "cron", "has 3 fields"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"environment": "nowhere"}, "environment", "unknown environment 'nowhere'"),
        ({"test_plan_id": "tp_missing"}, "test_plan_id", "not found"),
        ({"project_id": "proj_missing"}, "project_id", "not found"),
        ({"name": "  "}, "name", "must not be empty"),
        ({"enabled": "yes"}, "enabled", ""),
        ({"timeout_seconds": 10**30}, "timeout_seconds", "must be at most 21600"),
        ({"timeout_seconds": 21601}, "timeout_seconds", "must be at most 21600"),
        ({"every": "day"}, "every", "unknown field"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    api: Api, shop: ShopServer, change: dict[str, Any], field: str, message: str
) -> None:
    project_id, plan_id = seed.simple_plan(api, shop.url, {"quick": QUICK})
    body = {"project_id": project_id, "test_plan_id": plan_id, "name": "S", "cron": "@daily"}
    response = api.post("/api/v1/schedules", json={**body, **change})
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert [d["field"] for d in details] == [field]
    assert message in details[0]["message"]
    assert api.ok("GET", f"/api/v1/schedules?project_id={project_id}")["data"] == []


def test_a_plan_of_another_project_is_refused(api: Api, shop: ShopServer) -> None:
    project_id, _ = seed.simple_plan(api, shop.url, {"quick": QUICK})
    _, other_plan = seed.simple_plan(api, shop.url, {"quick": QUICK})
    body = {"project_id": project_id, "test_plan_id": other_plan, "name": "S", "cron": "@daily"}
    response = api.post("/api/v1/schedules", json=body)
    assert response.status_code == 422
    assert "belongs to another project" in response.json()["error"]["message"]
    made = api.ok(
        "POST", "/api/v1/schedules", json={**body, "test_plan_id": _plan_of(api, project_id)}
    )
    patch = api.patch(f"/api/v1/schedules/{made['id']}", json={"cron": None})
    assert patch.status_code == 422
    assert patch.json()["error"]["details"][0]["field"] == "cron"


def _plan_of(api: Api, project_id: str) -> str:
    return str(api.ok("GET", f"/api/v1/test-plans?project_id={project_id}")["data"][0]["id"])


def test_ticks_start_executions(api: Api, shop: ShopServer, bugbrain: BugbrainServer) -> None:
    project_id, plan_id = seed.simple_plan(api, shop.url, {"quick": QUICK})
    body = {"project_id": project_id, "test_plan_id": plan_id, "name": "S", "cron": EVERY_2_S}
    made = api.ok("POST", "/api/v1/schedules", json=body)
    fired = eventually(
        lambda: api.ok("GET", f"/api/v1/schedules/{made['id']}"),
        until=lambda s: s["last_execution_id"] is not None,
        timeout=20,
        message="the first tick to start an execution",
    )
    api.ok("PATCH", f"/api/v1/schedules/{made['id']}", json={"enabled": False})
    done = api.wait_terminal(fired["last_execution_id"])
    assert done["status"] == "completed", done
    listed = api.ok("GET", f"/api/v1/executions?project_id={project_id}&test_plan_id={plan_id}")[
        "data"
    ]
    assert fired["last_execution_id"] in {e["id"] for e in listed}
    ticks = _ticks(bugbrain.database_url, made["id"])
    assert len(ticks) == len(set(ticks)) == len(listed)


def _on_the_2_s_grid(ticks: list[datetime]) -> bool:
    """Ticks of ``*/2`` seconds, in order. (A scheduler that falls more than a tick
    behind, on a loaded machine, fires the late one and skips to the next due
    after now, by design: so gaps of 4 s are allowed, doubles are not.)"""
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return all(gap > timedelta(0) and gap.total_seconds() % 2 == 0 for gap in gaps)


def test_two_processes_on_one_database_fire_each_tick_once(
    tmp_path: Path, shop: ShopServer
) -> None:
    """Two API processes on one PostgreSQL database (no workers: the executions
    only need to exist), each running the scheduler."""
    admin = databases.postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server (BUGBRAIN_TEST_DATABASE_URL, or 127.0.0.1:5432)")
    databases.use_postgres(tmp_path / "a", admin)
    first = BugbrainServer(tmp_path / "a", workers=0)
    first.start()
    second = BugbrainServer(
        tmp_path / "b", workers=0, extra_env={"BUGBRAIN_DATABASE_URL": first.database_url}
    )
    second.start()
    try:
        api = first.client("two")
        project_id, plan_id = seed.simple_plan(api, shop.url, {"quick": QUICK})
        body = {"project_id": project_id, "test_plan_id": plan_id, "name": "S", "cron": EVERY_2_S}
        made = api.ok("POST", "/api/v1/schedules", json=body)
        eventually(
            lambda: _ticks(first.database_url, made["id"]),
            until=lambda ticks: len(ticks) >= 5,
            timeout=30,
            message="five ticks",
        )
        api.ok("PATCH", f"/api/v1/schedules/{made['id']}", json={"enabled": False})
        ticks = _ticks(first.database_url, made["id"])
        assert len(ticks) == len(set(ticks)), ticks  # the database refuses doubles anyway
        assert _on_the_2_s_grid(ticks), ticks
        # Each tick was won by one process's conditional update: none of them had
        # its insert refused by the unique tick (which would be logged).
        for server in (first, second):
            log = server.log_path.read_text(errors="replace")
            assert "firing schedules failed" not in log, log[-2000:]
    finally:
        second.stop()
        first.stop()


def test_ticks_missed_while_down_run_once(tmp_path: Path, shop: ShopServer) -> None:
    server = BugbrainServer(tmp_path, workers=1)
    server.start()
    try:
        api = server.client("missed")
        project_id, plan_id = seed.simple_plan(api, shop.url, {"quick": QUICK})
        body = {"project_id": project_id, "test_plan_id": plan_id, "name": "S", "cron": EVERY_2_S}
        made = api.ok("POST", "/api/v1/schedules", json=body)
        eventually(
            lambda: _ticks(server.database_url, made["id"]),
            until=lambda ticks: len(ticks) >= 1,
            timeout=20,
            message="a first tick",
        )
        server.stop()  # ticks may still fire while it stops: they are in `before`
        before = _ticks(server.database_url, made["id"])
        time.sleep(7)  # three or four ticks go by
        server.start()
        restarted = time.time()
        eventually(
            lambda: _ticks(server.database_url, made["id"]),
            until=lambda ticks: len(ticks) > len(before),
            timeout=20,
            message="the missed ticks to run",
        )
        time.sleep(0.5)
        after = _ticks(server.database_url, made["id"])[len(before) :]
        # Every tick after the last one fired before the stop was missed (three
        # or more in 7 s): they are run once, as one execution for the first of
        # them; the ticks after the restart follow.
        missed = [t for t in after if t.replace(tzinfo=UTC).timestamp() < restarted]
        assert len(missed) == 1, (missed, after)
        assert missed[0] > before[-1], (before[-1], missed)
        assert len(after) == len(set(after))
    finally:
        server.stop()
