"""``GET /executions/{id}/events`` on a real server and a real run: every test's
start and end, the terminal status last, and a client that reconnects with
``Last-Event-ID`` gets the rest and nothing twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser

Event = tuple[str, str, dict[str, Any]]  # id, event, data


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("events")


def stream(api: Api, execution_id: str, last_event_id: str | None = None) -> Iterator[Event]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    with api.get(
        f"/api/v1/executions/{execution_id}/events", stream=True, headers=headers, timeout=120
    ) as response:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        for line in response.iter_lines(decode_unicode=True):
            if line == "":
                if "data" in fields:
                    yield fields["id"], fields["event"], json.loads(fields["data"])
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value


def _key(event: Event) -> tuple[str, Any]:
    return event[1], event[2].get("position", event[2].get("status"))


def test_a_run_streams_to_its_end_and_resumes(api: Api, shop: ShopServer) -> None:
    _, plan_id = seed.simple_plan(api, shop.url, {"passes": seed.PASSING, "fails": seed.FAILING})
    project_id = api.ok("GET", f"/api/v1/test-plans/{plan_id}")["project_id"]
    body = {"project_id": project_id, "test_plan_id": plan_id}
    execution_id = api.ok("POST", "/api/v1/executions/async", json=body)["id"]

    first: list[Event] = []
    for event in stream(api, execution_id):
        first.append(event)
        if event[1] == "test_finished":
            break  # the client goes away mid-run
    rest = list(stream(api, execution_id, last_event_id=first[-1][0]))
    got = first + rest
    assert got[-1][1] == "status"
    assert got[-1][2]["status"] == "completed"
    assert got[-1][2]["passed_tests"] == 1
    assert got[-1][2]["failed_tests"] == 1
    assert [e for e in got if e[1] == "status" and e[2]["status"] in ("completed", "failed")] == [
        got[-1]
    ]
    keys = [_key(e) for e in got if e[1] in ("test_started", "test_finished")]
    assert sorted(keys) == sorted(
        [("test_started", 0), ("test_started", 1), ("test_finished", 0), ("test_finished", 1)]
    )
    for position in (0, 1):
        assert keys.index(("test_started", position)) < keys.index(("test_finished", position))
    finished = {e[2]["position"]: e[2] for e in got if e[1] == "test_finished"}
    assert finished[0]["status"] == "passed"
    assert finished[1]["status"] == "failed"
    assert finished[1]["error"]

    # Once it has ended, a new client gets the whole story at once, and one that
    # saw the end gets nothing more.
    replay = list(stream(api, execution_id))
    assert sorted(map(_key, replay)) == sorted(
        _key(e) for e in got if e[1] not in ("progress",) and not _is_running_status(e)
    )
    # One that saw the end is told so: 204, no stream (EventSource stops there).
    done = api.get(
        f"/api/v1/executions/{execution_id}/events", headers={"Last-Event-ID": replay[-1][0]}
    )
    assert done.status_code == 204
    assert done.content == b""


def _is_running_status(event: Event) -> bool:
    return event[1] == "status" and event[2]["status"] not in ("completed", "failed", "cancelled")


def test_errors_before_the_stream(api: Api, bugbrain: BugbrainServer) -> None:
    missing = api.get("/api/v1/executions/exec_missing/events")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    anonymous = requests.get(f"{bugbrain.url}/api/v1/executions/exec_missing/events", timeout=30)
    assert anonymous.status_code == 401
