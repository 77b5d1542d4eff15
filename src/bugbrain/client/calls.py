"""Every API operation as data: method, path, query, body and how to read the
answer. Written once here; ``Client`` and ``AsyncClient`` only send them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from bugbrain.client.config import API_PREFIX
from bugbrain.client.models import (
    STATUS,
    CancelledExecution,
    Delivery,
    DeliveryList,
    ExecutionCreated,
    ExecutionHeals,
    ExecutionList,
    ExecutionResults,
    ExecutionStatus,
    ExecutionSummary,
    FailureAnalysis,
    FinishedStatus,
    HealAccepted,
    HealList,
    Health,
    Project,
    ProjectFields,
    ProjectList,
    ProjectUpdateFields,
    QueuedExecution,
    Readiness,
    RerunQueued,
    Schedule,
    ScheduleFields,
    ScheduleList,
    ScheduleUpdateFields,
    Status,
    TestCase,
    TestCaseFields,
    TestCaseList,
    TestCaseUpdateFields,
    TestPlan,
    TestPlanFields,
    TestPlanList,
    TestPlanUpdateFields,
    Variables,
    Webhook,
    WebhookFields,
    WebhookList,
    WebhookUpdateFields,
    WebhookWithSecret,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# ``POST /executions`` waits up to the execution's timeout plus 10 s (docs/api.md);
# the server's default timeout, and the margin the client adds for the answer.
DEFAULT_EXECUTION_TIMEOUT = 300
SYNC_WAIT_MARGIN = 10 + 30


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, str | int] | None = None
    body: Any = None
    # Seconds for this call's answer; ``None``: the client's timeout.
    timeout: float | None = None
    # Statuses that mean "done already" when an earlier attempt may have gone
    # through (a retried DELETE answered 404), and the value to return then.
    ok_if_repeated: frozenset[int] = field(default_factory=frozenset)
    repeated: Callable[[], T] | None = None
    # False: one attempt, whatever the answer (a probe's 503 is its answer).
    retry: bool = True


def _model(model: type[M]) -> Callable[[httpx.Response], M]:
    def parse(response: httpx.Response) -> M:
        return model.model_validate_json(response.content, extra="allow")

    return parse


def _status(response: httpx.Response) -> Status:
    return STATUS.validate_json(response.content, extra="allow")


def _nothing(_: httpx.Response | None = None) -> None:
    return None


def _path(*parts: str) -> str:
    """``/api/v1/…`` with each id quoted: an id never changes the path's shape."""
    return API_PREFIX + "".join("/" + quote(part, safe="") for part in parts)


def _query(**values: Any) -> dict[str, str | int]:
    out: dict[str, str | int] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        out[name] = value if isinstance(value, int) else str(value)
    return out


def _delete(*parts: str) -> Call[None]:
    return Call(
        "DELETE", _path(*parts), _nothing, ok_if_repeated=frozenset({404}), repeated=_nothing
    )


def health() -> Call[Health]:
    return Call("GET", "/health", _model(Health))


def ready() -> Call[Readiness]:
    """``/readyz``: not ready is its 503, raised as ``ServerError`` at once."""
    return Call("GET", "/readyz", _model(Readiness), retry=False)


# ---- projects -----------------------------------------------------------------


def list_projects(limit: int | None, offset: int | None) -> Call[ProjectList]:
    params = _query(limit=limit, offset=offset)
    return Call("GET", _path("projects"), _model(ProjectList), params)


def create_project(name: str, fields: ProjectFields) -> Call[Project]:
    return Call("POST", _path("projects"), _model(Project), body={"name": name, **fields})


def get_project(project_id: str) -> Call[Project]:
    return Call("GET", _path("projects", project_id), _model(Project))


def update_project(project_id: str, fields: ProjectUpdateFields) -> Call[Project]:
    return Call("PATCH", _path("projects", project_id), _model(Project), body=dict(fields))


def delete_project(project_id: str) -> Call[None]:
    return _delete("projects", project_id)


# ---- test cases ---------------------------------------------------------------


def list_test_cases(
    project_id: str,
    *,
    test_plan_id: str | None,
    search: str | None,
    status: str | None,
    limit: int | None,
    offset: int | None,
) -> Call[TestCaseList]:
    params = _query(
        project_id=project_id,
        test_plan_id=test_plan_id,
        search=search,
        status=status,
        limit=limit,
        offset=offset,
    )
    return Call("GET", _path("test-cases"), _model(TestCaseList), params)


def create_test_case(project_id: str, name: str, fields: TestCaseFields) -> Call[TestCase]:
    body = {"project_id": project_id, "name": name, **fields}
    return Call("POST", _path("test-cases"), _model(TestCase), body=body)


def get_test_case(test_case_id: str) -> Call[TestCase]:
    return Call("GET", _path("test-cases", test_case_id), _model(TestCase))


def update_test_case(test_case_id: str, fields: TestCaseUpdateFields) -> Call[TestCase]:
    return Call("PATCH", _path("test-cases", test_case_id), _model(TestCase), body=dict(fields))


def delete_test_case(test_case_id: str) -> Call[None]:
    return _delete("test-cases", test_case_id)


def list_test_case_heals(test_case_id: str) -> Call[HealList]:
    return Call("GET", _path("test-cases", test_case_id, "heals"), _model(HealList))


def accept_heal(test_case_id: str, heal_id: str) -> Call[HealAccepted]:
    path = _path("test-cases", test_case_id, "heals", heal_id, "accept")
    return Call("POST", path, _model(HealAccepted))


# ---- test plans ---------------------------------------------------------------


def list_test_plans(project_id: str, limit: int | None, offset: int | None) -> Call[TestPlanList]:
    params = _query(project_id=project_id, limit=limit, offset=offset)
    return Call("GET", _path("test-plans"), _model(TestPlanList), params)


def create_test_plan(project_id: str, name: str, fields: TestPlanFields) -> Call[TestPlan]:
    body = {"project_id": project_id, "name": name, **fields}
    return Call("POST", _path("test-plans"), _model(TestPlan), body=body)


def get_test_plan(test_plan_id: str) -> Call[TestPlan]:
    return Call("GET", _path("test-plans", test_plan_id), _model(TestPlan))


def update_test_plan(test_plan_id: str, fields: TestPlanUpdateFields) -> Call[TestPlan]:
    return Call("PATCH", _path("test-plans", test_plan_id), _model(TestPlan), body=dict(fields))


def delete_test_plan(test_plan_id: str) -> Call[None]:
    return _delete("test-plans", test_plan_id)


# ---- schedules ----------------------------------------------------------------


def list_schedules(
    project_id: str | None, limit: int | None, offset: int | None
) -> Call[ScheduleList]:
    params = _query(project_id=project_id, limit=limit, offset=offset)
    return Call("GET", _path("schedules"), _model(ScheduleList), params)


def create_schedule(
    project_id: str, test_plan_id: str, name: str, cron: str, fields: ScheduleFields
) -> Call[Schedule]:
    body = {
        "project_id": project_id,
        "test_plan_id": test_plan_id,
        "name": name,
        "cron": cron,
        **fields,
    }
    return Call("POST", _path("schedules"), _model(Schedule), body=body)


def get_schedule(schedule_id: str) -> Call[Schedule]:
    return Call("GET", _path("schedules", schedule_id), _model(Schedule))


def update_schedule(schedule_id: str, fields: ScheduleUpdateFields) -> Call[Schedule]:
    return Call("PATCH", _path("schedules", schedule_id), _model(Schedule), body=dict(fields))


def delete_schedule(schedule_id: str) -> Call[None]:
    return _delete("schedules", schedule_id)


# ---- webhooks -----------------------------------------------------------------


def list_webhooks(limit: int | None, offset: int | None) -> Call[WebhookList]:
    return Call("GET", _path("webhooks"), _model(WebhookList), _query(limit=limit, offset=offset))


def create_webhook(
    url: str, events: Sequence[str], fields: WebhookFields
) -> Call[WebhookWithSecret]:
    body = {"url": url, "events": list(events), **fields}
    return Call("POST", _path("webhooks"), _model(WebhookWithSecret), body=body)


def get_webhook(webhook_id: str) -> Call[Webhook]:
    return Call("GET", _path("webhooks", webhook_id), _model(Webhook))


def update_webhook(webhook_id: str, fields: WebhookUpdateFields) -> Call[Webhook]:
    body: dict[str, Any] = dict(fields)
    if "events" in fields:
        body["events"] = list(fields["events"])
    return Call("PATCH", _path("webhooks", webhook_id), _model(Webhook), body=body)


def delete_webhook(webhook_id: str) -> Call[None]:
    return _delete("webhooks", webhook_id)


def rotate_webhook_secret(webhook_id: str) -> Call[WebhookWithSecret]:
    # Not retried: a lost answer would leave a secret nobody saw; rotate again.
    path = _path("webhooks", webhook_id, "rotate-secret")
    return Call("POST", path, _model(WebhookWithSecret), retry=False)


def list_deliveries(webhook_id: str, limit: int | None, offset: int | None) -> Call[DeliveryList]:
    params = _query(limit=limit, offset=offset)
    return Call("GET", _path("webhooks", webhook_id, "deliveries"), _model(DeliveryList), params)


def redeliver(webhook_id: str, delivery_id: str) -> Call[Delivery]:
    path = _path("webhooks", webhook_id, "deliveries", delivery_id, "redeliver")
    return Call("POST", path, _model(Delivery))


def events_path(execution_id: str) -> str:
    return _path("executions", execution_id, "events")


# ---- executions ---------------------------------------------------------------


def execution_body(
    test_plan_id: str,
    project_id: str,
    *,
    timeout_seconds: int | None,
    environment: str | None,
    variables: Variables | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"test_plan_id": test_plan_id, "project_id": project_id}
    if timeout_seconds is not None:
        body["timeout_seconds"] = timeout_seconds
    if environment is not None:
        body["environment"] = environment
    if variables:
        body["variables"] = dict(variables)
    return body


def start_execution(body: dict[str, Any]) -> Call[QueuedExecution]:
    return Call("POST", _path("executions", "async"), _model(QueuedExecution), body=body)


def run_execution(body: dict[str, Any]) -> Call[ExecutionCreated]:
    """``POST /executions``, waiting: the answer may take the execution's whole timeout."""
    wait = int(body.get("timeout_seconds") or DEFAULT_EXECUTION_TIMEOUT) + SYNC_WAIT_MARGIN
    body = {**body, "wait_for_completion": True}
    return Call("POST", _path("executions"), _model(ExecutionCreated), body=body, timeout=wait)


def list_executions(
    project_id: str,
    *,
    status: ExecutionStatus | str | None,
    test_plan_id: str | None,
    created_after: datetime | str | None,
    created_before: datetime | str | None,
    limit: int | None,
    offset: int | None,
) -> Call[ExecutionList]:
    params = _query(
        project_id=project_id,
        status=status,
        test_plan_id=test_plan_id,
        created_after=created_after,
        created_before=created_before,
        limit=limit,
        offset=offset,
    )
    return Call("GET", _path("executions"), _model(ExecutionList), params)


def get_execution(execution_id: str) -> Call[ExecutionSummary]:
    return Call("GET", _path("executions", execution_id), _model(ExecutionSummary))


def get_status(execution_id: str) -> Call[Status]:
    return Call("GET", _path("executions", execution_id, "status"), _status)


def get_results(execution_id: str) -> Call[ExecutionResults]:
    return Call("GET", _path("executions", execution_id, "results"), _model(ExecutionResults))


def get_failure_analysis(execution_id: str) -> Call[FailureAnalysis]:
    path = _path("executions", execution_id, "failure-analysis")
    return Call("GET", path, _model(FailureAnalysis))


def get_execution_heals(execution_id: str) -> Call[ExecutionHeals]:
    return Call("GET", _path("executions", execution_id, "heals"), _model(ExecutionHeals))


def cancel_execution(execution_id: str) -> Call[CancelledExecution]:
    """A retried cancel whose first attempt went through answers ``409`` (the
    execution has ended: cancelled); the clients then read its status."""
    return Call("DELETE", _path("executions", execution_id), _model(CancelledExecution))


def rerun_execution(execution_id: str, only_failed: bool) -> Call[RerunQueued]:
    """A POST: retried only where the server certainly did not act (retry.py)."""
    path = _path("executions", execution_id, "rerun")
    return Call("POST", path, _model(RerunQueued), body={"only_failed": only_failed})


def cancelled_from_status(status: Status) -> CancelledExecution | None:
    """The cancel's answer rebuilt from the status of an execution cancelled by request."""
    if not isinstance(status, FinishedStatus) or status.status != ExecutionStatus.CANCELLED:
        return None
    if status.cancellation_reason is None or status.cancelled_at is None:
        return None
    return CancelledExecution(
        id=status.id,
        status=ExecutionStatus.CANCELLED,
        cancellation_reason=status.cancellation_reason,
        cancelled_at=status.cancelled_at,
    )


def download(url: str) -> Call[bytes]:
    """An artifact: a signed URL from the results, or its path (sent with the key)."""
    return Call("GET", url, lambda response: response.content)
