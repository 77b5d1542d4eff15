"""The Python SDK (``bugbrain.client``) against the real app over a real socket:
every resource, each error type, ``run_and_wait`` on real executions of the
demo shop (progress, deadline, cancel), heals, the async client; and retries
against a small scripted HTTP server on loopback (the app never answers 429)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from bugbrain.client import (
    AsyncClient,
    AuthError,
    Client,
    ConflictError,
    ExecutionTimeoutError,
    NotFoundError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
    verify_signature,
)
from bugbrain.client.models import (
    CancelledExecution,
    FinishedStatus,
    HiddenSecret,
    ProgressingStatus,
    QueuedExecution,
    Status,
)
from bugbrain.demo.shop import DEMO_EMAIL, DEMO_PASSWORD
from bugbrain.vocabulary import (
    TERMINAL,
    ExecutionStatus,
    FailureCategory,
    HealingMode,
    TestStatus,
)
from tests.support import seed
from tests.support.servers import BugbrainServer, ShopServer, free_port, serving

FAST = RetryPolicy(max_retries=2, backoff_base=0.05, backoff_max=0.2)
SHOP_VARIABLES = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}


@pytest.fixture(scope="module")
def key(bugbrain: BugbrainServer) -> str:
    return bugbrain.create_key("sdk")


@pytest.fixture
def bb(bugbrain: BugbrainServer, key: str) -> Iterator[Client]:
    with Client(bugbrain.url, key, retries=FAST) as client:
        yield client


@dataclass(frozen=True)
class ShopPlan:
    project_id: str
    plan_id: str
    passing_case: str
    failing_case: str


@pytest.fixture(scope="module")
def shop_plan(bugbrain: BugbrainServer, key: str, shop: ShopServer) -> ShopPlan:
    """The demo shop: one test that passes, one that fails, in one plan."""
    with Client(bugbrain.url, key) as client:
        project = client.create_project("SDK shop", base_url=shop.url, variables=SHOP_VARIABLES)
        passing = client.create_test_case(project.id, "Login", steps=seed.PASSING)
        failing = client.create_test_case(project.id, "Add to cart", steps=seed.FAILING)
        plan = client.create_test_plan(
            project.id,
            "Smoke",
            test_case_ids=[passing.id, failing.id],
            element_wait_timeout_ms=1000,
        )
    return ShopPlan(project.id, plan.id, passing.id, failing.id)


# ---- resources ------------------------------------------------------------------


def test_health_and_projects(bb: Client) -> None:
    assert bb.health().status == "ok"
    assert bb.ready().status == "ready"
    created = bb.create_project(
        "SDK project",
        base_url="http://shop.example",
        environments={"staging": {"base_url": "http://staging.example", "variables": {"n": 2}}},
        default_environment="staging",
        variables={"flag": True},
    )
    assert created.id.startswith("proj_")
    assert created.environments["staging"].variables == {"n": "2"}
    assert created.variables == {"flag": "true"}
    assert bb.get_project(created.id) == created
    other = bb.create_project("Second")
    page = bb.list_projects(limit=1)
    assert len(page.data) == 1
    assert page.pagination.total >= 2
    assert {p.id for p in bb.list_projects(limit=100).data} >= {created.id, other.id}

    renamed = bb.update_project(created.id, name="Renamed")
    assert (renamed.name, renamed.base_url) == ("Renamed", "http://shop.example")
    cleared = bb.update_project(created.id, base_url=None, default_environment=None)
    assert cleared.base_url is None
    assert cleared.default_environment is None
    assert "staging" in cleared.environments

    bb.delete_project(created.id)
    with pytest.raises(NotFoundError) as caught:
        bb.get_project(created.id)
    assert caught.value.code == "not_found"
    with pytest.raises(NotFoundError):
        bb.delete_project(created.id)  # no lost attempt before it: the 404 is news


def test_test_cases_and_plans(bb: Client) -> None:
    project = bb.create_project("Cases", base_url="http://shop.example")
    first = bb.create_test_case(
        project.id,
        "Checkout",
        description="buys a mug",
        priority="high",
        tags=["smoke"],
        steps=[
            {"action": "navigate", "value": "/"},
            {"description": "Click 'Add to cart' on the Blue Mug card"},
            {"action": "assert_count", "selector": ".item", "value": 1},
        ],
    )
    assert [s.step_id for s in first.steps] == ["step_1", "step_2", "step_3"]
    assert first.steps[2].value == "1"
    second = bb.create_test_case(project.id, "Search", status="archived")
    assert bb.get_test_case(first.id) == first
    assert bb.list_test_cases(project.id).pagination.total == 2
    assert [c.id for c in bb.list_test_cases(project.id, search="check").data] == [first.id]
    assert [c.id for c in bb.list_test_cases(project.id, status="archived").data] == [second.id]

    updated = bb.update_test_case(first.id, name="Checkout v2", tags=[])
    assert (updated.name, updated.tags, updated.priority) == ("Checkout v2", [], "high")

    plan = bb.create_test_plan(
        project.id,
        "Nightly",
        test_case_ids=[second.id, first.id],
        retries=1,
        healing=HealingMode.AUTO,
        screenshot_mode="on_failure",
    )
    assert plan.test_case_ids == [second.id, first.id]
    assert plan.healing is HealingMode.AUTO
    assert bb.get_test_plan(plan.id) == plan
    assert [p.id for p in bb.list_test_plans(project.id).data] == [plan.id]
    in_order = bb.list_test_cases(project.id, test_plan_id=plan.id).data
    assert [c.id for c in in_order] == [second.id, first.id]
    changed = bb.update_test_plan(plan.id, parallelism=2, name="Nightly 2")
    assert (changed.parallelism, changed.name, changed.retries) == (2, "Nightly 2", 1)

    bb.delete_test_case(second.id)
    assert bb.get_test_plan(plan.id).test_case_ids == [first.id]
    with pytest.raises(NotFoundError):
        bb.get_test_case(second.id)
    assert bb.list_test_case_heals(first.id).data == []
    with pytest.raises(NotFoundError):
        bb.accept_heal(first.id, "heal_nope")
    bb.delete_test_plan(plan.id)
    with pytest.raises(NotFoundError):
        bb.get_test_plan(plan.id)


def test_schedules_and_secret_variables(bb: Client) -> None:
    project = bb.create_project(
        "Scheduled",
        base_url="http://shop.example",
        environments={"staging": {"variables": {"token": {"value": "t0k", "secret": True}}}},
        variables={"email": "qa@example.com", "password": {"value": "pw", "secret": True}},
    )
    assert project.variables["email"] == "qa@example.com"
    assert project.variables["password"] == HiddenSecret(value=None, secret=True)
    assert project.environments["staging"].variables["token"] == HiddenSecret(
        value=None, secret=True
    )
    case = bb.create_test_case(project.id, "Home", steps=[{"action": "navigate", "value": "/"}])
    plan = bb.create_test_plan(project.id, "Nightly", test_case_ids=[case.id])
    schedule = bb.create_schedule(
        project.id,
        plan.id,
        "Every new year",
        "0 3 1 1 *",
        timezone="Europe/Paris",
        environment="staging",
        variables={"who": "nightly"},
        enabled=False,
    )
    assert (schedule.cron, schedule.timezone, schedule.enabled) == (
        "0 3 1 1 *",
        "Europe/Paris",
        False,
    )
    assert schedule.next_run_at is None
    assert bb.get_schedule(schedule.id) == schedule
    assert [s.id for s in bb.list_schedules(project.id).data] == [schedule.id]
    assert schedule.id in {s.id for s in bb.list_schedules().data}
    changed = bb.update_schedule(schedule.id, enabled=True, environment=None)
    assert (changed.enabled, changed.environment) == (True, None)
    assert changed.next_run_at is not None
    with pytest.raises(ValidationError) as error:
        bb.update_schedule(schedule.id, cron="61 * * * *")
    assert error.value.fields == ["cron"]
    bb.delete_schedule(schedule.id)
    with pytest.raises(NotFoundError):
        bb.get_schedule(schedule.id)


# ---- errors ---------------------------------------------------------------------


def test_bad_or_missing_key_is_an_auth_error(bugbrain: BugbrainServer) -> None:
    for key in ("bugbrain_sk_prod_nope", None):
        with Client(bugbrain.url, key, retries=0) as client, pytest.raises(AuthError) as caught:
            client.list_projects()
        assert caught.value.status_code == 401
        assert caught.value.code == "unauthorized"


def test_unknown_ids_are_not_found(bb: Client) -> None:
    for call in (
        lambda: bb.get_project("proj_nope"),
        lambda: bb.get_test_case("test_nope"),
        lambda: bb.update_test_plan("tp_nope", name="x"),
        lambda: bb.get_execution("exec_nope"),
        lambda: bb.get_status("exec_nope"),
        lambda: bb.get_results("exec_nope"),
        lambda: bb.get_failure_analysis("exec_nope"),
        lambda: bb.cancel_execution("exec_nope"),
        lambda: bb.list_executions("proj_nope"),
        lambda: bb.get_project("../health"),  # quoted: still an id, not a path
    ):
        with pytest.raises(NotFoundError):
            call()


def test_bad_bodies_are_validation_errors_naming_the_fields(bb: Client) -> None:
    project = bb.create_project("Validation")
    with pytest.raises(ValidationError) as caught:
        bb.create_test_case(project.id, "  ", steps=[{"action": "fly"}, {"action": "click"}])
    error = caught.value
    assert error.status_code == 422
    assert "name" in error.fields
    assert "steps[0].action" in error.fields
    assert any("unknown action" in d.message for d in error.details)

    with pytest.raises(ValidationError) as caught:
        bb.create_project("Files", base_url="file:///etc/passwd")
    assert caught.value.fields == ["base_url"]
    with pytest.raises(ValidationError) as caught:
        bb.list_executions(project.id, limit=500)
    assert caught.value.fields == ["limit"]
    with pytest.raises(ValidationError) as caught:
        bb.create_test_plan(project.id, "Plan", retries=9, test_case_ids=["test_nope"])
    assert set(caught.value.fields) >= {"retries"}


# ---- executions -------------------------------------------------------------------


@pytest.mark.browser
def test_run_and_wait_reports_progress_and_returns_the_results(
    bb: Client, shop_plan: ShopPlan
) -> None:
    seen: list[Status] = []
    results = bb.run_and_wait(
        shop_plan.plan_id,
        shop_plan.project_id,
        timeout=180,
        poll_interval=0.2,
        on_progress=seen.append,
    )
    assert results.status is ExecutionStatus.COMPLETED
    assert (results.summary.passed, results.summary.failed) == (1, 1)
    by_name = {t.name: t for t in results.test_results}
    assert by_name["Login"].status is TestStatus.PASSED
    failed = by_name["Add to cart"]
    assert failed.status is TestStatus.FAILED
    assert failed.error
    assert [s.status for s in failed.steps][-1] is TestStatus.FAILED

    assert seen
    assert isinstance(seen[-1], FinishedStatus)
    assert all(isinstance(s, ProgressingStatus) for s in seen[:-1])
    assert all(s.id == results.id for s in seen)

    summary = bb.get_execution(results.id)
    assert (summary.passed_tests, summary.failed_tests, summary.total_tests) == (1, 1, 2)
    status = bb.get_status(results.id)
    assert isinstance(status, FinishedStatus)
    assert status.status is ExecutionStatus.COMPLETED
    listed = bb.list_executions(
        shop_plan.project_id, status=ExecutionStatus.COMPLETED, test_plan_id=shop_plan.plan_id
    )
    assert results.id in {e.id for e in listed.data}
    assert bb.list_executions(shop_plan.project_id, created_after=summary.created_at).data

    analysis = bb.get_failure_analysis(results.id)
    (entry,) = analysis.analysis
    assert entry.test_name == "Add to cart"
    assert entry.failure_category is FailureCategory.SELECTOR_CHANGED
    assert entry.fix_suggestions
    assert bb.get_execution_heals(results.id).heals == []

    # The failing step's screenshot: a signed URL on the server, fetched as it is.
    shot = next(s.screenshot for s in failed.steps if s.screenshot)
    assert shot is not None
    assert bb.download(shot).startswith(b"\x89PNG")

    with pytest.raises(ConflictError) as caught:
        bb.cancel_execution(results.id)
    assert caught.value.status_code == 409


@pytest.mark.browser
def test_run_execution_waits_in_one_request(bb: Client, shop_plan: ShopPlan) -> None:
    done = bb.run_execution(shop_plan.plan_id, shop_plan.project_id, timeout_seconds=120)
    assert done.status is ExecutionStatus.COMPLETED
    assert done.polling_url is None
    assert (done.results.summary.passed, done.results.summary.failed) == (1, 1)
    assert {t.name for t in done.results.test_results} == {"Login", "Add to cart"}


@pytest.fixture(scope="module")
def slow_plan(bugbrain: BugbrainServer, key: str, shop: ShopServer) -> ShopPlan:
    """A plan whose one test dwells for a minute."""
    with Client(bugbrain.url, key) as client:
        project = client.create_project("SDK slow", base_url=shop.url)
        case = client.create_test_case(project.id, "Dwell", steps=seed.wait_steps(60_000))
        plan = client.create_test_plan(project.id, "Slow", test_case_ids=[case.id])
    return ShopPlan(project.id, plan.id, case.id, case.id)


@pytest.mark.browser
def test_run_and_wait_deadline_carries_the_execution(bb: Client, slow_plan: ShopPlan) -> None:
    with pytest.raises(ExecutionTimeoutError) as caught:
        bb.run_and_wait(slow_plan.plan_id, slow_plan.project_id, timeout=2, poll_interval=0.2)
    error = caught.value
    assert error.execution_id.startswith("exec_")
    assert not error.cancelled
    assert isinstance(error.last_status, ProgressingStatus)
    assert error.execution_id in str(error)
    assert bb.get_status(error.execution_id).status not in TERMINAL  # still going

    with pytest.raises(ConflictError):
        bb.delete_project(slow_plan.project_id)  # an unfinished execution
    cancelled = bb.cancel_execution(error.execution_id)
    assert isinstance(cancelled, CancelledExecution)
    assert cancelled.cancellation_reason == "requested"
    with pytest.raises(ConflictError):
        bb.cancel_execution(error.execution_id)


@pytest.mark.browser
def test_run_and_wait_can_cancel_at_its_deadline(bb: Client, slow_plan: ShopPlan) -> None:
    with pytest.raises(ExecutionTimeoutError) as caught:
        bb.run_and_wait(
            slow_plan.plan_id,
            slow_plan.project_id,
            timeout=1.5,
            poll_interval=0.2,
            cancel_on_timeout=True,
        )
    assert caught.value.cancelled
    assert bb.get_status(caught.value.execution_id).status is ExecutionStatus.CANCELLED


@pytest.mark.browser
def test_heals_through_the_sdk(bb: Client, lab: ShopServer) -> None:
    project = bb.create_project("SDK heals", base_url=lab.url)
    case = bb.create_test_case(project.id, "Add", steps=seed.HEAL_STEPS)
    plan = bb.create_test_plan(
        project.id,
        "Heal",
        test_case_ids=[case.id],
        element_wait_timeout_ms=1000,
        healing=HealingMode.AUTO,
    )

    def run(page: str) -> Any:
        variables = {"page": f"/pages/{page}"}
        return bb.run_and_wait(plan.id, project.id, variables=variables, timeout=120)

    assert run("heal-v1.html").summary.passed == 1  # a fingerprint to heal from
    healed = run("heal-v2.html")
    assert healed.summary.passed == 1
    (heal,) = bb.get_execution_heals(healed.id).heals
    assert heal.original_selector == ".add-to-cart-btn"
    assert healed.heals == [heal]
    assert [h.id for h in bb.list_test_case_heals(case.id).data] == [heal.id]

    accepted = bb.accept_heal(case.id, heal.id)
    assert accepted.heal.status == "accepted"
    assert accepted.test_case.steps[1].selector == heal.healed_selector
    with pytest.raises(ConflictError):
        bb.accept_heal(case.id, heal.id)


@pytest.mark.browser
def test_async_client(bugbrain: BugbrainServer, key: str, shop_plan: ShopPlan) -> None:
    async def main() -> None:
        seen: list[str] = []

        async def progress(status: Status) -> None:
            seen.append(status.status)

        async with AsyncClient(bugbrain.url, key, retries=FAST) as bb:
            assert (await bb.health()).status == "ok"
            project = await bb.get_project(shop_plan.project_id)
            assert project.name == "SDK shop"
            cases = await bb.list_test_cases(project.id, test_plan_id=shop_plan.plan_id)
            assert [c.id for c in cases.data] == [shop_plan.passing_case, shop_plan.failing_case]
            scratch = await bb.create_project("Async scratch")
            await bb.update_project(scratch.id, variables={"a": 1})
            await bb.delete_project(scratch.id)
            with pytest.raises(NotFoundError):
                await bb.get_project(scratch.id)
            with pytest.raises(ValidationError) as caught:
                await bb.create_test_plan(project.id, "", parallelism=0)
            assert {"name", "parallelism"} <= set(caught.value.fields)

            results = await bb.run_and_wait(
                shop_plan.plan_id, project.id, timeout=180, poll_interval=0.2, on_progress=progress
            )
            assert results.status is ExecutionStatus.COMPLETED
            assert results.summary.failed == 1
            assert seen[-1] == ExecutionStatus.COMPLETED
            analysis = await bb.get_failure_analysis(results.id)
            assert len(analysis.analysis) == 1
            assert (await bb.get_execution(results.id)).id == results.id

    asyncio.run(main())


# ---- retries, against a scripted server -------------------------------------------


@dataclass
class Script:
    """Answers per (method, path), in order; the last one repeats. Records
    each request's method, path, headers and arrival time."""

    answers: dict[tuple[str, str], list[tuple[int, dict[str, str], Any]]]
    seen: list[tuple[str, str, dict[str, str], float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, method: str, path: str) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            queue = self.answers[(method, path)]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        script = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                path = self.path.split("?")[0]
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with script.lock:
                    script.seen.append((self.command, path, dict(self.headers), time.monotonic()))
                status, headers, body = script.next(self.command, path)
                if status == 0:  # drop the connection without an answer
                    self.close_connection = True
                    return
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def do_DELETE(self) -> None:
                self._answer()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


HEALTH: tuple[int, dict[str, str], Any] = (200, {}, {"status": "ok", "version": "9.9.9"})
QUEUED = {
    "id": "exec_x",
    "status": "queued",
    "estimated_wait_seconds": 3,
    "polling_url": "/api/v1/executions/exec_x/status",
}


def _error(code: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": code.replace("_", " ")}}


def test_503_with_retry_after_is_retried_after_that_long() -> None:
    script = Script(
        {("GET", "/health"): [(503, {"Retry-After": "1"}, _error("unavailable")), HEALTH]}
    )
    with serving(script.handler()) as url, Client(url, "k", retries=FAST) as client:
        assert client.health().version == "9.9.9"
    first, second = script.seen
    assert second[3] - first[3] >= 1.0
    assert first[2]["Authorization"] == "Bearer k"
    assert first[2]["User-Agent"].startswith("bugbrain-python/")


def test_a_post_is_retried_on_429_but_not_on_500_or_502() -> None:
    path = "/api/v1/executions/async"
    script = Script(
        {("POST", path): [(429, {"Retry-After": "0"}, _error("rate_limited")), (202, {}, QUEUED)]}
    )
    with serving(script.handler()) as url, Client(url, "k", retries=FAST) as client:
        queued = client.start_execution("tp_1", "proj_1", variables={"a": 1})
    assert isinstance(queued, QueuedExecution)
    assert len(script.seen) == 2

    for status in (500, 502):
        script = Script(
            {("POST", path): [(status, {}, _error("internal_error")), (202, {}, QUEUED)]}
        )
        with (
            serving(script.handler()) as url,
            Client(url, "k", retries=FAST) as client,
            pytest.raises(ServerError) as caught,
        ):
            client.start_execution("tp_1", "proj_1")
        assert caught.value.status_code == status
        assert len(script.seen) == 1


def test_rate_limits_carry_retry_after() -> None:
    path = "/api/v1/projects"
    script = Script({("GET", path): [(429, {"Retry-After": "3600"}, _error("rate_limited"))]})
    with (
        serving(script.handler()) as url,
        Client(url, "k", retries=FAST) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.list_projects()
    assert caught.value.retry_after == 3600.0
    assert len(script.seen) == 1  # too long to wait: the caller decides

    script = Script({("GET", path): [(429, {"Retry-After": "0"}, _error("rate_limited"))]})
    with (
        serving(script.handler()) as url,
        Client(url, "k", retries=FAST) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.list_projects()
    assert caught.value.retry_after == 0.0
    assert len(script.seen) == 1 + FAST.max_retries


def test_not_ready_is_answered_at_once() -> None:
    body = {
        "error": {
            "code": "not_ready",
            "message": "Not ready: database",
            "details": [{"field": "database", "message": "connection refused"}],
        }
    }
    script = Script({("GET", "/readyz"): [(503, {"Retry-After": "0"}, body)]})
    with (
        serving(script.handler()) as url,
        Client(url, "k", retries=FAST) as client,
        pytest.raises(ServerError) as caught,
    ):
        client.ready()
    assert (caught.value.code, caught.value.details[0].field) == ("not_ready", "database")
    assert len(script.seen) == 1


def test_no_server_is_a_transport_error_after_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url, "k", retries=FAST) as client, pytest.raises(TransportError) as caught:
        client.health()
    assert "after 3 attempts" in str(caught.value)


def test_a_lost_delete_answered_404_on_retry_is_done() -> None:
    path = "/api/v1/projects/proj_1"
    script = Script({("DELETE", path): [(0, {}, None), (404, {}, _error("not_found"))]})
    with serving(script.handler()) as url, Client(url, "k", retries=FAST) as client:
        client.delete_project("proj_1")  # no NotFoundError: the first attempt did it
    assert len(script.seen) == 2


def test_a_lost_cancel_answered_409_on_retry_reads_the_status() -> None:
    cancelled = {
        "id": "exec_1",
        "status": "cancelled",
        "passed_tests": 0,
        "failed_tests": 0,
        "skipped_tests": 1,
        "total_tests": 1,
        "duration_seconds": 1,
        "started_at": None,
        "completed_at": "2025-03-08T10:31:00.000Z",
        "cancellation_reason": "requested",
        "cancelled_at": "2025-03-08T10:31:00.000Z",
    }
    script = Script(
        {
            ("DELETE", "/api/v1/executions/exec_1"): [(0, {}, None), (409, {}, _error("conflict"))],
            ("GET", "/api/v1/executions/exec_1/status"): [(200, {}, cancelled)],
        }
    )
    with serving(script.handler()) as url, Client(url, "k", retries=FAST) as client:
        answer = client.cancel_execution("exec_1")
    assert (answer.id, answer.cancellation_reason) == ("exec_1", "requested")


def test_the_key_is_not_sent_to_another_origin() -> None:
    shots = Script({("GET", "/shot.png"): [(200, {}, "png")]})
    with serving(shots.handler()) as elsewhere, Client("http://127.0.0.1:9", "secret") as client:
        assert client.download(elsewhere + "/shot.png") == b'"png"'
    assert "Authorization" not in shots.seen[0][2]


def test_the_async_client_retries_the_same_way() -> None:
    script = Script({("GET", "/health"): [(503, {"Retry-After": "0"}, None), HEALTH]})

    async def main(url: str) -> str:
        async with AsyncClient(url, "k", retries=FAST) as client:
            return (await client.health()).version

    with serving(script.handler()) as url:
        assert asyncio.run(main(url)) == "9.9.9"
    assert len(script.seen) == 2


# ---- schedules and live events -----------------------------------------------------


def test_schedules(bb: Client, shop_plan: ShopPlan) -> None:
    made = bb.create_schedule(
        shop_plan.project_id, shop_plan.plan_id, "Nightly", "0 3 * * *", timezone="Europe/Paris"
    )
    assert made.enabled
    assert made.next_run_at is not None
    assert bb.get_schedule(made.id) == made
    listed = bb.list_schedules(project_id=shop_plan.project_id)
    assert made.id in [s.id for s in listed.data]
    paused = bb.update_schedule(made.id, enabled=False, timeout_seconds=None)
    assert paused.next_run_at is None
    with pytest.raises(ValidationError) as caught:
        bb.update_schedule(made.id, cron="61 * * * *")
    assert caught.value.fields == ["cron"]
    bb.delete_schedule(made.id)
    with pytest.raises(NotFoundError):
        bb.get_schedule(made.id)


def test_events_follow_a_run_to_its_end(bb: Client, shop_plan: ShopPlan) -> None:
    queued = bb.start_execution(shop_plan.plan_id, shop_plan.project_id)
    events = list(bb.events(queued.id))
    assert events[-1].event == "status"
    assert events[-1].data["status"] == ExecutionStatus.COMPLETED
    finished = {e.data["position"]: e.data["status"] for e in events if e.event == "test_finished"}
    assert finished == {0: TestStatus.PASSED, 1: TestStatus.FAILED}
    # Resuming after the last event: nothing more.
    assert list(bb.events(queued.id, last_event_id=events[-1].id)) == []
    with pytest.raises(NotFoundError):
        list(bb.events("exec_missing"))


def test_async_events(bugbrain: BugbrainServer, key: str, shop_plan: ShopPlan) -> None:
    async def main() -> list[str]:
        async with AsyncClient(bugbrain.url, key, retries=FAST) as bb:
            queued = await bb.start_execution(shop_plan.plan_id, shop_plan.project_id)
            return [event.event async for event in bb.events(queued.id)]

    names = asyncio.run(main())
    assert names[-1] == "status"
    assert names.count("test_finished") == 2


class _DroppingStream(BaseHTTPRequestHandler):
    """An events stream that breaks after its first event, then, asked again
    with that event's id, sends the rest."""

    seen_ids: list[str | None] = []

    def do_GET(self) -> None:
        last = self.headers.get("Last-Event-ID")
        type(self).seen_ids.append(last)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if last is None:
            self.wfile.write(
                b'retry: 10\n\n: hello\n\nid: a\nevent: status\ndata: {"status": "running"}\n\n'
            )
            return  # the connection closes mid-run
        self.wfile.write(
            b'id: b\nevent: test_finished\ndata: {"position": 0,\ndata:  "status": "passed"}\n\n'
            b'id: c\nevent: status\ndata: {"status": "completed"}\n\n'
        )

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_dropped_stream_resumes_after_the_last_event() -> None:
    _DroppingStream.seen_ids = []
    with serving(_DroppingStream) as url, Client(url, "k", retries=FAST) as bb:
        got = [(e.id, e.event, e.data) for e in bb.events("exec_x")]
    assert got == [
        ("a", "status", {"status": "running"}),
        ("b", "test_finished", {"position": 0, "status": "passed"}),  # two data lines
        ("c", "status", {"status": "completed"}),
    ]
    assert _DroppingStream.seen_ids == [None, "a"]


def test_webhooks_through_the_sdk(bb: Client, shop_plan: ShopPlan) -> None:
    """Create (the secret once), read, change, rotate, deliveries (a real one, to
    a receiver on loopback, verified with the SDK's verify_signature), delete."""
    received: list[tuple[bytes, str]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-BugBrain-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Receiver) as url:
        made = bb.create_webhook(url, ["execution.completed"], description="CI")
        assert made.secret.startswith("whsec_")
        assert "secret" not in bb.get_webhook(made.id).model_dump()
        assert made.id in [w.id for w in bb.list_webhooks().data]
        changed = bb.update_webhook(made.id, events=["execution.completed", "test.failed"])
        assert set(changed.events) == {"execution.completed", "test.failed"}
        rotated = bb.rotate_webhook_secret(made.id)
        assert rotated.secret != made.secret
        done = bb.run_and_wait(shop_plan.plan_id, shop_plan.project_id, timeout=180)
        deadline = time.monotonic() + 60
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(received) == 2, received  # execution.completed and test.failed
        for body, signature in received:
            verify_signature(body, signature, rotated.secret)
            assert json.loads(body)["data"]["execution_id"] == done.id
        deliveries = bb.list_deliveries(made.id).data
        assert {d.event for d in deliveries} == {"execution.completed", "test.failed"}
        again = bb.redeliver(made.id, deliveries[0].id)
        assert again.redelivery_of == deliveries[0].id
    with pytest.raises(ValidationError) as caught:
        bb.create_webhook("ftp://example.com", ["execution.completed"])
    assert caught.value.fields == ["url"]
    bb.delete_webhook(made.id)
    with pytest.raises(NotFoundError):
        bb.get_webhook(made.id)
