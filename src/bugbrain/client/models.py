"""The SDK's types: the API's own response models (``bugbrain.schemas``, which
import only pydantic and the pure core, so one definition serves the server and
its clients), and the fields each create and update call takes.

Responses are read with ``extra="allow"``: a newer server that adds a field
does not break an older client (the field is in ``model.model_extra``), while
the server itself keeps writing its models strictly.

The request fields are ``TypedDict``s rather than the API's request models so
that the server, not the client, is the one judge of a body: a wrong field is
the API's ``422`` (``ValidationError`` naming it), the same for every client.
``tests/unit/test_client_models.py`` checks they list the request models' fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypedDict

from pydantic import TypeAdapter

from bugbrain.schemas.common import Pagination
from bugbrain.schemas.errors import ErrorDetail
from bugbrain.schemas.executions import (
    Attempt,
    BriefResults,
    CancelledExecution,
    ConsoleMessage,
    ElementMatch,
    ExecutionCreated,
    ExecutionList,
    ExecutionResults,
    ExecutionSummary,
    FailedRequest,
    FinishedStatus,
    HealDecision,
    Progress,
    ProgressingStatus,
    QueuedExecution,
    RerunQueued,
    ResultSummary,
    StatusReport,
    StepResult,
    TestResult,
    TestResultBrief,
)
from bugbrain.schemas.failure_analysis import (
    AnalysisEvidence,
    ChangesSinceLastPass,
    FailureAnalysis,
    FailureAnalysisEntry,
)
from bugbrain.schemas.heals import ExecutionHeals, Heal, HealAccepted, HealList
from bugbrain.schemas.meta import Check, Health, Readiness
from bugbrain.schemas.projects import Environment, HiddenSecret, Project, ProjectList
from bugbrain.schemas.schedules import Schedule, ScheduleList
from bugbrain.schemas.test_cases import Step, TestCase, TestCaseList
from bugbrain.schemas.test_plans import TestPlan, TestPlanList
from bugbrain.schemas.webhooks import (
    Delivery,
    DeliveryAttempt,
    DeliveryList,
    Webhook,
    WebhookList,
    WebhookWithSecret,
)
from bugbrain.vocabulary import (
    ExecutionStatus,
    HealingMode,
    PageReady,
    ScreenshotMode,
    ScreenshotSource,
    TraceMode,
)

__all__ = [
    "AnalysisEvidence",
    "Attempt",
    "BriefResults",
    "CancelledExecution",
    "ChangesSinceLastPass",
    "Check",
    "ConsoleMessage",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryList",
    "ElementMatch",
    "Environment",
    "EnvironmentFields",
    "ErrorDetail",
    "ExecutionCreated",
    "ExecutionEvent",
    "ExecutionHeals",
    "ExecutionList",
    "ExecutionResults",
    "ExecutionStatus",
    "ExecutionSummary",
    "FailedRequest",
    "FailureAnalysis",
    "FailureAnalysisEntry",
    "FinishedStatus",
    "Heal",
    "HealAccepted",
    "HealDecision",
    "HealList",
    "Health",
    "HiddenSecret",
    "Pagination",
    "Progress",
    "ProgressingStatus",
    "Project",
    "ProjectFields",
    "ProjectList",
    "ProjectUpdateFields",
    "QueuedExecution",
    "Readiness",
    "RerunQueued",
    "ResultSummary",
    "Schedule",
    "ScheduleFields",
    "ScheduleList",
    "ScheduleUpdateFields",
    "SecretValue",
    "Status",
    "Step",
    "StepFields",
    "StepResult",
    "TestCase",
    "TestCaseFields",
    "TestCaseList",
    "TestCaseUpdateFields",
    "TestPlan",
    "TestPlanFields",
    "TestPlanList",
    "TestPlanUpdateFields",
    "TestResult",
    "TestResultBrief",
    "VariableValue",
    "Webhook",
    "WebhookFields",
    "WebhookList",
    "WebhookUpdateFields",
    "WebhookWithSecret",
]

# What ``GET /executions/{id}/status`` answers: progress while it runs, counts once it ended.
Status: TypeAlias = ProgressingStatus | FinishedStatus
STATUS: TypeAdapter[Status] = TypeAdapter(StatusReport)


class SecretValue(TypedDict):
    """A variable written as an object: ``{"value": "…", "secret": True}`` is a
    secret (stored encrypted, answered as ``HiddenSecret`` from then on)."""

    value: str
    secret: bool


VariableValue: TypeAlias = str | int | float | bool | SecretValue
Variables: TypeAlias = Mapping[str, VariableValue]


class EnvironmentFields(TypedDict, total=False):
    base_url: str | None
    variables: Variables


class ProjectFields(TypedDict, total=False):
    """``create_project(name, **fields)``."""

    base_url: str | None
    environments: Mapping[str, EnvironmentFields]
    default_environment: str | None
    variables: Variables


class ProjectUpdateFields(ProjectFields, total=False):
    """``update_project(id, **fields)``: only the fields given change; ``None``
    clears ``base_url`` and ``default_environment`` and empties
    ``environments`` and ``variables``."""

    name: str


class StepFields(TypedDict, total=False):
    """A test case's step: an ``action`` (with ``selector`` and ``value``), or a
    ``description`` in words, or both."""

    step_id: str
    description: str
    action: str
    selector: str
    value: str | int | float


class TestCaseFields(TypedDict, total=False):
    """``create_test_case(project_id, name, **fields)``."""

    description: str
    status: str  # "active" | "archived"
    priority: str  # "low" | "medium" | "high" | "critical"
    tags: Sequence[str]
    # A mapping read from JSON or YAML does as well as a ``StepFields``.
    steps: Sequence[StepFields | Mapping[str, Any]]


class TestPlanFields(TypedDict, total=False):
    """``create_test_plan(project_id, name, **fields)``."""

    description: str
    test_case_ids: Sequence[str]
    parallelism: int
    stop_on_first_failure: bool
    screenshot_mode: ScreenshotMode | str
    screenshot_source: ScreenshotSource | str
    element_wait_timeout_ms: int
    browser: str
    retries: int
    trace_mode: TraceMode | str
    trace_snapshots: bool
    healing: HealingMode | str
    page_ready: PageReady | str
    queue: str
    requeue_on_worker_loss: bool


class TestCaseUpdateFields(TestCaseFields, total=False):
    """``update_test_case(id, **fields)``: only the fields given change; none may be ``None``."""

    name: str


class TestPlanUpdateFields(TestPlanFields, total=False):
    """``update_test_plan(id, **fields)``: only the fields given change; none may be ``None``."""

    name: str


class ScheduleFields(TypedDict, total=False):
    """``create_schedule(project_id, test_plan_id, name, cron, **fields)``."""

    timezone: str
    environment: str
    variables: Variables
    timeout_seconds: int
    enabled: bool


class ScheduleUpdateFields(TypedDict, total=False):
    """``update_schedule(id, **fields)``: only the fields given change;
    ``environment`` and ``timeout_seconds`` may be ``None`` (the defaults again)."""

    name: str
    test_plan_id: str
    cron: str
    timezone: str
    environment: str | None
    variables: Variables
    timeout_seconds: int | None
    enabled: bool


@dataclass(frozen=True)
class ExecutionEvent:
    """One Server-Sent Event of ``events(execution_id)``: ``event`` is ``status``,
    ``test_started``, ``test_finished`` or ``progress``; ``id`` resumes after it."""

    id: str
    event: str
    data: dict[str, Any]


class WebhookFields(TypedDict, total=False):
    """``create_webhook(url, events, **fields)``."""

    description: str
    enabled: bool


class WebhookUpdateFields(WebhookFields, total=False):
    """``update_webhook(id, **fields)``: only the fields given change."""

    url: str
    events: Sequence[str]
