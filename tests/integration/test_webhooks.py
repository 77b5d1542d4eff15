"""Webhooks through the real API and a real receiver on loopback: signed
deliveries that verify with the SDK's ``verify_signature``, retries logged
attempt by attempt, a restart between attempts that loses nothing, bad input
refused with the field named, the secret shown once, and (on PostgreSQL) two
server processes on one database posting each attempt exactly once."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bugbrain.client import InvalidSignature, verify_signature
from tests.support import databases, seed
from tests.support.servers import Api, BugbrainServer, ShopServer, serving
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser

QUICK = [{"description": "Open about", "action": "navigate", "value": "/about"}]
ALL_EVENTS = [
    "execution.queued",
    "execution.started",
    "execution.completed",
    "execution.failed",
    "execution.cancelled",
    "test.failed",
    "test.healed",
]
# Fast retries, so that a test sees three attempts in a few seconds.
FAST = {"BUGBRAIN_WEBHOOK_RETRY_SECONDS": "1,1,1"}


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    @property
    def delivery(self) -> str:
        return self.headers["X-BugBrain-Delivery"]


@dataclass
class Receiver:
    """What the loopback receiver got; ``fail_first`` answers 500 to the first
    that many requests of each delivery."""

    url: str = ""
    fail_first: int = 0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of_event(self, event: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.headers.get("X-BugBrain-Event") == event]

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            delivery = headers.get("X-BugBrain-Delivery")
            seen = sum(1 for r in self.requests if r.delivery == delivery)
            code = 500 if seen < self.fail_first else 200
            self.requests.append(Received(headers, body, code))
            return code


@contextlib.contextmanager
def receiving(fail_first: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            code = receiver.answer(dict(self.headers.items()), body)
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"no" if code >= 300 else b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        receiver.url = url + "/hook"
        yield receiver


def _webhook(api: Api, url: str, events: list[str]) -> dict[str, Any]:
    return dict(api.ok("POST", "/api/v1/webhooks", json={"url": url, "events": events}))


def _deliveries(api: Api, webhook_id: str) -> list[dict[str, Any]]:
    return list(api.ok("GET", f"/api/v1/webhooks/{webhook_id}/deliveries")["data"])


def _run(api: Api, shop: ShopServer, steps: list[dict[str, Any]] = QUICK) -> str:
    project_id, plan_id = seed.simple_plan(api, shop.url, {"t": steps}, element_wait_timeout_ms=500)
    body = {"test_plan_id": plan_id, "project_id": project_id}
    execution_id = str(api.ok("POST", "/api/v1/executions/async", json=body)["id"])
    api.wait_terminal(execution_id)
    return execution_id


def _wait(what: Callable[[], Any], until: Callable[[Any], bool], message: str) -> Any:
    return eventually(what, until=until, timeout=30, interval=0.2, message=message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BugbrainServer]:
    served = BugbrainServer(tmp_path_factory.mktemp("hooks"), workers=1, extra_env=FAST)
    served.start()
    yield served
    served.stop()


def test_events_are_signed_and_verify(server: BugbrainServer, shop: ShopServer) -> None:
    api = server.client("signed")
    with receiving() as receiver:
        made = _webhook(api, receiver.url, ALL_EVENTS)
        secret = made["secret"]
        assert secret.startswith("whsec_")
        execution_id = _run(api, shop, [QUICK[0], *seed.FAILING[-1:]])
        done = _wait(
            lambda: receiver.of_event("execution.completed"),
            until=bool,
            message="execution.completed",
        )
    [completed] = done
    verify_signature(completed.body, completed.headers["X-BugBrain-Signature"], secret)
    with pytest.raises(InvalidSignature):
        verify_signature(completed.body + b" ", completed.headers["X-BugBrain-Signature"], secret)
    with pytest.raises(InvalidSignature):
        verify_signature(completed.body, completed.headers["X-BugBrain-Signature"], "whsec_other")
    payload = completed.payload
    assert payload["event"] == "execution.completed"
    assert payload["id"].startswith("evt_")
    assert payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["execution_id"] == execution_id
    assert data["status"] == "completed"
    assert (data["passed_tests"], data["failed_tests"]) == (0, 1)
    assert isinstance(data["duration_seconds"], float)
    assert completed.headers["Content-Type"] == "application/json"
    events = [r.headers["X-BugBrain-Event"] for r in receiver.requests]
    # A test failed: its event, and the execution's life from queued to completed.
    assert sorted(events) == sorted(
        ["execution.queued", "execution.started", "test.failed", "execution.completed"]
    )
    [failed] = receiver.of_event("test.failed")
    assert failed.payload["data"]["execution_id"] == execution_id
    assert failed.payload["data"]["error"]
    assert len({r.delivery for r in receiver.requests}) == len(receiver.requests)
    # The secret is shown once: nowhere in what the API answers afterwards.
    listed = api.get("/api/v1/webhooks").text + api.get(f"/api/v1/webhooks/{made['id']}").text
    listed += api.get(f"/api/v1/webhooks/{made['id']}/deliveries").text
    assert secret not in listed
    assert "secret" not in api.ok("GET", f"/api/v1/webhooks/{made['id']}")


def test_failing_twice_then_succeeding_logs_three_attempts(
    server: BugbrainServer, shop: ShopServer
) -> None:
    api = server.client("retries")
    with receiving(fail_first=2) as receiver:
        made = _webhook(api, receiver.url, ["execution.completed"])
        execution_id = _run(api, shop)
        delivery = _wait(
            lambda: _deliveries(api, made["id"]),
            until=lambda found: found and found[0]["status"] == "succeeded",
            message="the delivery to succeed",
        )[0]
    assert [r.answered for r in receiver.requests] == [500, 500, 200]
    assert len({r.delivery for r in receiver.requests}) == 1  # one delivery, three attempts
    assert {r.payload["id"] for r in receiver.requests} == {delivery["event_id"]}
    assert delivery["payload"]["data"]["execution_id"] == execution_id
    attempts = delivery["attempts"]
    assert [a["number"] for a in attempts] == [1, 2, 3]
    assert [a["status_code"] for a in attempts] == [500, 500, 200]
    assert [a["succeeded"] for a in attempts] == [False, False, True]
    assert attempts[0]["error"].startswith("HTTP 500")
    assert attempts[2]["error"] is None
    assert all(a["latency_ms"] >= 0 for a in attempts)
    assert delivery["next_attempt_at"] is None
    assert delivery["completed_at"] is not None


def test_a_receiver_that_never_answers_2xx_is_given_up_and_counted(
    server: BugbrainServer, shop: ShopServer
) -> None:
    api = server.client("given-up")
    with receiving(fail_first=100) as receiver:
        made = _webhook(api, receiver.url, ["execution.completed"])
        _run(api, shop)
        delivery = _wait(
            lambda: _deliveries(api, made["id"]),
            until=lambda found: found and found[0]["status"] == "failed",
            message="the delivery to be given up",
        )[0]
        assert len(delivery["attempts"]) == 4  # one, and a retry after each of 3 delays
        metrics = api.session.get(server.url + "/metrics", timeout=10).text
        assert "bugbrain_webhook_deliveries_failed" in metrics
        failed = [
            line
            for line in metrics.splitlines()
            if line.startswith("bugbrain_webhook_deliveries_failed ")
        ]
        assert float(failed[0].split()[1]) >= 1
        receiver.fail_first = 0
        again = api.ok(
            "POST", f"/api/v1/webhooks/{made['id']}/deliveries/{delivery['id']}/redeliver"
        )
        assert again["redelivery_of"] == delivery["id"]
        assert again["event_id"] == delivery["event_id"]
        assert again["id"] != delivery["id"]
        _wait(
            lambda: _deliveries(api, made["id"]),
            until=lambda found: any(
                d["id"] == again["id"] and d["status"] == "succeeded" for d in found
            ),
            message="the redelivery to succeed",
        )
    assert receiver.requests[-1].answered == 200
    assert receiver.requests[-1].payload["id"] == delivery["event_id"]


def test_a_restart_between_attempts_loses_nothing(tmp_path: Path, shop: ShopServer) -> None:
    server = BugbrainServer(tmp_path, workers=1, extra_env={"BUGBRAIN_WEBHOOK_RETRY_SECONDS": "4"})
    server.start()
    try:
        api = server.client("restart")
        with receiving(fail_first=1) as receiver:
            made = _webhook(api, receiver.url, ["execution.completed"])
            _run(api, shop)
            first = _wait(
                lambda: _deliveries(api, made["id"]),
                until=lambda found: found and len(found[0]["attempts"]) == 1,
                message="the first attempt",
            )[0]
            assert first["status"] == "pending"
            assert first["next_attempt_at"] is not None
            server.stop()  # the retry is due while nothing runs
            time.sleep(1)
            assert len(receiver.requests) == 1
            server.start()
            done = _wait(
                lambda: _deliveries(api, made["id"]),
                until=lambda found: found and found[0]["status"] == "succeeded",
                message="the delivery to complete after the restart",
            )[0]
        assert [a["status_code"] for a in done["attempts"]] == [500, 200]
        assert [r.answered for r in receiver.requests] == [500, 200]
        assert receiver.requests[0].body == receiver.requests[1].body
    finally:
        server.stop()


def test_cancel_is_an_event(server: BugbrainServer, shop: ShopServer) -> None:
    api = server.client("cancel")
    with receiving() as receiver:
        _webhook(api, receiver.url, ["execution.cancelled"])
        project_id, plan_id = seed.simple_plan(api, shop.url, {"slow": seed.wait_steps(20_000)})
        body = {"test_plan_id": plan_id, "project_id": project_id}
        execution_id = api.ok("POST", "/api/v1/executions/async", json=body)["id"]
        api.ok("DELETE", f"/api/v1/executions/{execution_id}")
        [cancelled] = _wait(
            lambda: receiver.of_event("execution.cancelled"), until=bool, message="cancelled"
        )
    assert cancelled.payload["data"]["status"] == "cancelled"
    assert cancelled.payload["data"]["cancellation_reason"] == "requested"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "ftp://example.com/x"}, "url", "http:// or https://"),
        ({"url": "file:///etc/passwd"}, "url", "http:// or https://"),
        ({"url": "example.com"}, "url", "http:// or https://"),
        ({"events": ["execution.exploded"]}, "events[0]", "execution.queued"),
        ({"events": []}, "events", "at least 1"),
        ({"events": ["test.failed", "test.failed"]}, "events", "listed twice"),
        ({"enabled": "yes"}, "enabled", ""),
        ({"secret": "whsec_mine"}, "secret", "unknown field"),
    ],
)
def test_bad_input_names_the_field(
    server: BugbrainServer, body: dict[str, Any], field: str, message: str
) -> None:
    api = server.client("bad-input")
    good = {"url": "https://hooks.example.com/x", "events": ["execution.completed"]}
    response = api.post("/api/v1/webhooks", json={**good, **body})
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert [d["field"] for d in details] == [field]
    assert message in details[0]["message"]
    assert api.ok("GET", "/api/v1/webhooks")["data"] == []


def test_crud_and_rotation(server: BugbrainServer) -> None:
    api = server.client("crud")
    made = _webhook(api, "https://hooks.example.com/a", ["execution.failed"])
    assert made["id"].startswith("wh_")
    assert made["enabled"] is True
    shown = api.ok("GET", f"/api/v1/webhooks/{made['id']}")
    assert shown == {k: v for k, v in made.items() if k != "secret"}
    assert [w["id"] for w in api.ok("GET", "/api/v1/webhooks")["data"]] == [made["id"]]
    changed = api.ok(
        "PATCH",
        f"/api/v1/webhooks/{made['id']}",
        json={"enabled": False, "events": ["test.failed", "test.healed"]},
    )
    assert (changed["enabled"], changed["events"]) == (False, ["test.failed", "test.healed"])
    assert api.patch(f"/api/v1/webhooks/{made['id']}", json={"url": None}).status_code == 422
    rotated = api.ok("POST", f"/api/v1/webhooks/{made['id']}/rotate-secret")
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != made["secret"]
    other = server.client("crud-other")
    assert other.get(f"/api/v1/webhooks/{made['id']}").status_code == 404
    assert other.get(f"/api/v1/webhooks/{made['id']}/deliveries").status_code == 404
    missing = api.post(f"/api/v1/webhooks/{made['id']}/deliveries/whd_nope/redeliver")
    assert missing.status_code == 404
    assert api.delete(f"/api/v1/webhooks/{made['id']}").status_code == 204
    assert api.get(f"/api/v1/webhooks/{made['id']}").status_code == 404


def test_two_processes_post_each_attempt_once(tmp_path: Path, shop: ShopServer) -> None:
    """Two API processes on one PostgreSQL database, both sending; the first
    also runs the executions. Every delivery reaches the receiver once."""
    admin = databases.postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server (BUGBRAIN_TEST_DATABASE_URL, or 127.0.0.1:5432)")
    databases.use_postgres(tmp_path / "a", admin)
    # Every process must open the endpoints' secrets to sign: one key for both.
    shared = {**FAST, "BUGBRAIN_SECRETS_KEY": Fernet.generate_key().decode()}
    first = BugbrainServer(tmp_path / "a", workers=1, extra_env=shared)
    first.start()
    second = BugbrainServer(
        tmp_path / "b",
        workers=0,
        extra_env={**shared, "BUGBRAIN_DATABASE_URL": first.database_url},
    )
    second.start()
    try:
        api = first.client("two")
        with receiving() as receiver:
            # Many deliveries at once: one execution, told to ten endpoints.
            hooks = [_webhook(api, receiver.url, ALL_EVENTS) for _ in range(10)]
            _run(api, shop)
            _run(api, shop)
            expected = 10 * 2 * 3  # queued, started, completed of two executions
            _wait(
                lambda: len(receiver.requests),
                until=lambda n: n >= expected,
                message=f"{expected} deliveries",
            )
            time.sleep(2)  # anything sent twice would have arrived by now
        ids = [r.delivery for r in receiver.requests]
        assert len(ids) == len(set(ids)) == expected
        for hook in hooks:
            for delivery in _deliveries(api, hook["id"]):
                assert delivery["status"] == "succeeded"
                assert len(delivery["attempts"]) == 1
    finally:
        second.stop()
        first.stop()
