"""The SDK's pure parts: backoff, Retry-After, the error mapping, which attempt
is retried, run_and_wait's polling schedule, configuration; and that importing
it loads no server code."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, get_type_hints

import httpx
import pytest
from pydantic import BaseModel

from bugbrain.client import AsyncClient, Client, config, models
from bugbrain.client import errors as e
from bugbrain.client.calls import _path
from bugbrain.client.models import STATUS
from bugbrain.client.polling import Poller
from bugbrain.client.retry import Attempts, Done, Retry, RetryPolicy
from bugbrain.schemas import projects, schedules, test_cases, test_plans, webhooks

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"


def test_importing_the_sdk_loads_no_server_code() -> None:
    probe = (
        "import sys, json, bugbrain.client\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fastapi','starlette','sqlalchemy','playwright','uvicorn','alembic','psutil'} "
        "or m.startswith(('bugbrain.api','bugbrain.services','bugbrain.db','bugbrain.runner',"
        "'bugbrain.worker','bugbrain.artifacts')))))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


# ---- backoff ----------------------------------------------------------------------


def _top(low: float, high: float) -> float:
    return high


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    policy = RetryPolicy(max_retries=10, backoff_base=0.5, backoff_max=4.0)
    assert [policy.backoff(n, _top) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.backoff(0, lambda low, high: low) == 0.0  # full jitter: from zero


def test_backoff_is_jittered_within_its_ceiling() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=30.0)
    waits = {policy.backoff(3) for _ in range(50)}
    assert all(0.0 <= w <= 8.0 for w in waits)
    assert len(waits) > 1


def test_retry_after_is_honoured_and_a_long_one_is_not_waited_for() -> None:
    policy = RetryPolicy(max_retries=3, max_retry_after=60.0)
    wait = policy.delay(0, 2.0, _top)
    assert wait is not None
    assert 2.0 <= wait <= 2.2
    assert policy.delay(0, 2.0, lambda low, high: low) == 2.0
    assert policy.delay(0, 61.0) is None
    assert policy.delay(3, 1.0) is None  # out of retries
    assert policy.delay(3, None) is None


def test_parse_retry_after() -> None:
    assert e.parse_retry_after("7") == 7.0
    assert e.parse_retry_after(" 0 ") == 0.0
    now = datetime(2025, 3, 8, 10, 30, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert e.parse_retry_after(later, now=now.timestamp()) == 90.0
    past = format_datetime(now - timedelta(seconds=5), usegmt=True)
    assert e.parse_retry_after(past, now=now.timestamp()) == 0.0
    for bad in (None, "", "soon", "-3", "1.5", "99999999"):
        assert e.parse_retry_after(bad) is None


# ---- the error mapping ------------------------------------------------------------


def _body(code: str, message: str = "m", details: list[dict[str, str]] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}).encode()


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, e.ValidationError),
        (401, e.AuthError),
        (403, e.AuthError),
        (404, e.NotFoundError),
        (405, e.ApiError),
        (409, e.ConflictError),
        (422, e.ValidationError),
        (429, e.RateLimitedError),
        (500, e.ServerError),
        (502, e.ServerError),
        (503, e.ServerError),
    ],
)
def test_each_status_maps_to_its_error(status: int, kind: type[e.ApiError]) -> None:
    error = e.error_from_response(status, {}, _body("whatever"), method="GET", url="/x")
    assert type(error) is kind
    assert error.status_code == status
    assert isinstance(error, e.BugbrainClientError)


def test_validation_details_name_the_fields() -> None:
    details = [
        {"field": "name", "message": "field required"},
        {"field": "steps[0].action", "message": "unknown action 'fly'"},
    ]
    error = e.error_from_response(422, {}, _body("validation_error", "Invalid", details))
    assert isinstance(error, e.ValidationError)
    assert error.fields == ["name", "steps[0].action"]
    assert error.details[1].message == "unknown action 'fly'"
    assert error.code == "validation_error"
    assert "422 validation_error: Invalid" in str(error)


def test_retry_after_is_carried_and_a_foreign_body_still_maps() -> None:
    error = e.error_from_response(429, {"retry-after": "12"}, b"<html>slow down</html>")
    assert isinstance(error, e.RateLimitedError)
    assert error.retry_after == 12.0
    assert error.code == "http_429"
    assert "slow down" in error.message
    assert e.error_from_response(503, {}, b"").message == "no error body"


# ---- which attempts are retried ---------------------------------------------------


def _attempts(method: str, retries: int = 3, **extra: Any) -> Attempts[str]:
    policy = RetryPolicy(max_retries=retries, backoff_base=0.1)
    return Attempts(method, "http://x/y", lambda r: r.text, policy, rng=_top, **extra)


def _answer(
    status: int, headers: dict[str, str] | None = None, body: bytes = b""
) -> httpx.Response:
    return httpx.Response(status, headers=headers, content=body)


def test_an_answer_is_parsed() -> None:
    assert _attempts("GET").answered(_answer(200, body=b"ok")) == Done("ok")


def test_get_is_retried_on_transport_errors_and_gateway_answers() -> None:
    attempts = _attempts("GET")
    assert attempts.failed(httpx.ReadTimeout("slow")) == Retry(0.1)
    assert attempts.answered(_answer(502)) == Retry(0.2)
    assert attempts.answered(_answer(503, {"Retry-After": "1"})) == Retry(1.1)
    with pytest.raises(e.ServerError):  # out of retries: the last error
        attempts.answered(_answer(504))


def test_errors_that_do_not_pass_are_not_retried() -> None:
    for exc in (httpx.UnsupportedProtocol("gopher"), httpx.ProxyError("refused")):
        with pytest.raises(e.TransportError):
            _attempts("GET").failed(exc)


def test_get_is_not_retried_on_client_errors_or_500() -> None:
    for status, kind in ((404, e.NotFoundError), (500, e.ServerError), (401, e.AuthError)):
        with pytest.raises(kind):
            _attempts("GET").answered(_answer(status))


def test_post_is_retried_only_where_the_server_did_not_act() -> None:
    assert isinstance(_attempts("POST").failed(httpx.ConnectError("refused")), Retry)
    assert isinstance(_attempts("POST").answered(_answer(429)), Retry)
    assert isinstance(_attempts("POST").answered(_answer(503)), Retry)
    with pytest.raises(e.TransportError):
        _attempts("POST").failed(httpx.ReadTimeout("may have run"))
    with pytest.raises(e.TransportError):
        _attempts("POST").failed(httpx.RemoteProtocolError("dropped"))
    for status in (500, 502, 504):
        with pytest.raises(e.ServerError):
            _attempts("POST").answered(_answer(status))


def test_a_long_retry_after_is_raised_with_it() -> None:
    with pytest.raises(e.RateLimitedError) as caught:
        _attempts("GET").answered(_answer(429, {"Retry-After": "3600"}))
    assert caught.value.retry_after == 3600.0


def test_transport_error_says_how_many_attempts() -> None:
    attempts = _attempts("GET", retries=1)
    attempts.failed(httpx.ConnectError("refused"))
    with pytest.raises(e.TransportError, match="after 2 attempts"):
        attempts.failed(httpx.ConnectError("refused"))


def test_a_repeated_delete_that_finds_nothing_is_done() -> None:
    attempts = _attempts("DELETE", ok_if_repeated=frozenset({404}), repeated=lambda: "gone")
    attempts.failed(httpx.ReadError("reset after sending"))
    assert attempts.answered(_answer(404)) == Done("gone")
    # Without a lost attempt before it, a 404 is the caller's to know.
    fresh = _attempts("DELETE", ok_if_repeated=frozenset({404}), repeated=lambda: "gone")
    with pytest.raises(e.NotFoundError) as caught:
        fresh.answered(_answer(404))
    assert caught.value.after_lost_attempt is False


def test_a_conflict_after_a_lost_attempt_says_so() -> None:
    attempts = _attempts("DELETE")
    attempts.failed(httpx.ReadError("reset after sending"))
    with pytest.raises(e.ConflictError) as caught:
        attempts.answered(_answer(409, body=_body("conflict")))
    assert caught.value.after_lost_attempt is True


def test_an_unreadable_success_is_an_unexpected_response() -> None:
    attempts: Attempts[Any] = Attempts(
        "GET", "http://x/y", lambda r: STATUS.validate_json(r.content), RetryPolicy()
    )
    with pytest.raises(e.UnexpectedResponseError):
        attempts.answered(_answer(200, body=b"<html>a login page</html>"))


# ---- run_and_wait's schedule -------------------------------------------------------


def _status(state: str, current: int = 0) -> Any:
    if state in {"queued", "pending", "running"}:
        return STATUS.validate_python(
            {
                "id": "exec_1",
                "status": state,
                "progress": {"current": current, "total": 4, "percent": current * 25},
                "created_at": "2025-03-08T10:30:00.000Z",
                "started_at": None,
                "estimated_completion": None,
            }
        )
    return STATUS.validate_python(
        {
            "id": "exec_1",
            "status": state,
            "passed_tests": 4,
            "failed_tests": 0,
            "skipped_tests": 0,
            "total_tests": 4,
            "duration_seconds": 3,
            "started_at": None,
            "completed_at": None,
        }
    )


def test_polls_back_off_while_nothing_moves_and_reset_when_it_does() -> None:
    poller = Poller.starting(now=0.0, wait=100.0, poll_interval=1.0, max_poll_interval=3.0)
    gaps = []
    for status in [
        _status("queued"),
        _status("queued"),
        _status("queued"),
        _status("queued"),
        _status("queued"),
        _status("running", 0),
        _status("running", 1),
        _status("running", 1),
    ]:
        assert not poller.seen(status)
        gaps.append(poller.next_delay(now=0.0))
    assert gaps == [1.0, 1.5, 2.25, 3.0, 3.0, 1.0, 1.0, 1.5]
    assert poller.seen(_status("completed"))


def test_no_poll_sleeps_past_the_deadline() -> None:
    poller = Poller.starting(now=10.0, wait=5.0, poll_interval=2.0, max_poll_interval=4.0)
    poller.seen(_status("running"))
    assert poller.next_delay(now=14.5) == pytest.approx(0.5)
    assert poller.next_delay(now=15.0) is None
    assert poller.remaining(now=20.0) == 0.0


def test_passing_poll_failures_are_tolerated_and_others_raised() -> None:
    poller = Poller.starting(now=0.0, wait=5.0, poll_interval=1.0, max_poll_interval=4.0)
    poller.failed(e.TransportError("down"))
    poller.failed(e.ServerError("x", status_code=502, code="http_502"))
    assert poller.next_delay(now=0.0) == 2.25
    with pytest.raises(e.AuthError):
        poller.failed(e.AuthError("revoked", status_code=401, code="unauthorized"))


def test_poller_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        Poller.starting(now=0.0, wait=5.0, poll_interval=0.0, max_poll_interval=1.0)
    with pytest.raises(ValueError, match="timeout"):
        Poller.starting(now=0.0, wait=0.0, poll_interval=1.0, max_poll_interval=1.0)


# ---- configuration and requests -------------------------------------------------


def test_base_url_from_argument_or_environment() -> None:
    assert config.base_url("http://h:8000/") == "http://h:8000"
    assert config.base_url("http://h:8000/api/v1/") == "http://h:8000"
    assert config.base_url(None, {"BUGBRAIN_URL": "https://bb.example"}) == "https://bb.example"
    with pytest.raises(e.BugbrainClientError, match="BUGBRAIN_URL"):
        config.base_url(None, {})
    with pytest.raises(e.BugbrainClientError, match="http"):
        config.base_url("ftp://h", {})
    assert config.api_key(None, {"BUGBRAIN_API_KEY": "k"}) == "k"
    assert config.api_key("mine", {"BUGBRAIN_API_KEY": "k"}) == "mine"
    assert "Authorization" not in config.headers(None)


def test_the_key_goes_only_to_the_servers_origin() -> None:
    assert config.same_origin("http://h:8000/api/v1/artifacts/x", "http://h:8000")
    assert not config.same_origin("http://cdn.example/x.png", "http://h:8000")
    assert not config.same_origin("https://h:8000/x", "http://h:8000")


def test_ids_cannot_change_the_paths_shape() -> None:
    assert _path("projects", "../keys") == "/api/v1/projects/..%2Fkeys"
    assert _path("executions", "exec_1", "status") == "/api/v1/executions/exec_1/status"


@pytest.mark.parametrize(
    ("fields", "model", "positional"),
    [
        (models.ProjectFields, projects.ProjectCreate, {"name"}),
        (models.ProjectUpdateFields, projects.ProjectUpdate, set()),
        (models.TestCaseFields, test_cases.TestCaseCreate, {"project_id", "name"}),
        (models.TestCaseUpdateFields, test_cases.TestCaseUpdate, set()),
        (models.TestPlanFields, test_plans.TestPlanCreate, {"project_id", "name"}),
        (models.TestPlanUpdateFields, test_plans.TestPlanUpdate, set()),
        (
            models.ScheduleFields,
            schedules.ScheduleCreate,
            {"project_id", "test_plan_id", "name", "cron"},
        ),
        (models.ScheduleUpdateFields, schedules.ScheduleUpdate, set()),
        (models.WebhookFields, webhooks.WebhookCreate, {"url", "events"}),
        (models.WebhookUpdateFields, webhooks.WebhookUpdate, set()),
    ],
)
def test_request_fields_are_the_apis(
    fields: type, model: type[BaseModel], positional: set[str]
) -> None:
    assert set(get_type_hints(fields)) | positional == set(model.model_fields)


# ---- the two clients ----------------------------------------------------------------


def _public(cls: type) -> dict[str, Any]:
    return {
        n: getattr(cls, n) for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))
    }


def test_async_client_has_every_method_of_client_with_the_same_signature() -> None:
    blocking = _public(Client)
    coroutines = _public(AsyncClient)
    assert set(blocking) - {"close"} == set(coroutines) - {"aclose"}
    for name, method in blocking.items():
        if name == "close":
            continue
        twin = coroutines[name]
        if inspect.isgeneratorfunction(method):  # a stream: an async generator there
            assert inspect.isasyncgenfunction(twin), name
            blocking_shape = inspect.signature(method).replace(return_annotation=None)
            assert blocking_shape == inspect.signature(twin).replace(return_annotation=None)
            continue
        assert inspect.iscoroutinefunction(twin), name
        assert inspect.signature(method) == inspect.signature(twin), name


def test_every_client_method_is_in_the_docs() -> None:
    text = (ROOT / "docs" / "sdk.md").read_text()
    for name in _public(Client):
        assert f"`{name}(" in text or f"{name}()" in text, name
