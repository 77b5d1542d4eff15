"""Executions: the create body and every shape the Executions API answers
(built by ``bugbrain.services.execution_views``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Strict, StrictBool, StrictInt

from bugbrain.schemas.common import (
    NOT_NULL,
    WHOLE,
    EnvironmentName,
    Id,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
    Variables,
    omitted,
)
from bugbrain.schemas.heals import Heal
from bugbrain.vocabulary import ExecutionStatus, ScreenshotSource, TestStatus

# The upper bound is a setting (``BUGBRAIN_MAX_TIMEOUT_SECONDS``): the service
# checks it, and ``create_app`` writes it into the OpenAPI document.
TimeoutSeconds = Annotated[StrictInt, Field(ge=1), WHOLE]


class ExecutionCreate(RequestModel):
    test_plan_id: Id = Field(description="A test plan of `project_id` with active test cases.")
    project_id: Id
    timeout_seconds: TimeoutSeconds | None = None
    wait_for_completion: StrictBool = True
    environment: EnvironmentName | None = Field(
        default=None,
        description="One of the project's environments (default: its `default_environment`).",
    )
    variables: Variables = Field(default_factory=dict)


# ---- responses ----------------------------------------------------------------

# The vocabulary's enums, taking the strings the views hold (models are strict).
ExecutionStatusValue = Annotated[ExecutionStatus, Strict(False)]
TestResultStatus = Annotated[TestStatus, Strict(False)]
StepStatus = TestResultStatus
OptionalStr = Annotated[str | None, NOT_NULL]
OptionalTimestamp = Annotated[Timestamp | None, NOT_NULL]

_FAILURE_REASON = (
    "When `status` is `failed`: `timeout`, `worker_lost`, `browser_launch_failed`, "
    "`runner_crashed` or `server_shutdown`."
)


class _Outcome(ResponseModel):
    """Why an execution ended, when it did not complete: these keys are present
    only for a ``failed`` (the first two) or ``cancelled`` (the last two) one."""

    failure_reason: str | None = Field(default=None, description=_FAILURE_REASON)
    failure_message: str | None = Field(default=None, description="When `status` is `failed`.")
    cancellation_reason: str | None = Field(
        default=None, description="When `status` is `cancelled`: `requested`, …"
    )
    cancelled_at: Timestamp | None = Field(
        default=None, description="When `status` is `cancelled`."
    )


class ExecutionSummary(_Outcome):
    id: str = Field(examples=["exec_abc123"])
    test_plan_id: str
    project_id: str
    status: ExecutionStatusValue
    passed_tests: int
    failed_tests: int
    skipped_tests: int
    flaky_tests: int
    total_tests: int
    duration_seconds: int | None = Field(description="Whole seconds; null until it starts.")
    duration_ms: int | None
    environment: str | None
    created_at: Timestamp
    started_at: Timestamp | None
    completed_at: Timestamp | None
    rerun_of: OptionalStr = omitted(
        "Only for a rerun (`POST /executions/{id}/rerun`): the execution it repeats."
    )


class ExecutionList(ResponseModel):
    data: list[ExecutionSummary]
    pagination: Pagination


class Progress(ResponseModel):
    current: int = Field(description="Tests finished.")
    total: int
    percent: int


class ProgressingStatus(ResponseModel):
    id: str
    status: Literal[ExecutionStatus.QUEUED, ExecutionStatus.PENDING, ExecutionStatus.RUNNING]
    progress: Progress
    created_at: Timestamp
    started_at: Timestamp | None
    estimated_completion: Timestamp | None


class FinishedStatus(_Outcome):
    id: str
    status: Literal[ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED]
    passed_tests: int
    failed_tests: int
    skipped_tests: int
    total_tests: int
    duration_seconds: int | None
    started_at: Timestamp | None
    completed_at: Timestamp | None


StatusReport = Annotated[ProgressingStatus | FinishedStatus, Field(discriminator="status")]


class QueuedExecution(ResponseModel):
    id: str
    status: Literal[ExecutionStatus.QUEUED]
    estimated_wait_seconds: int
    polling_url: str = Field(examples=["/api/v1/executions/exec_xyz789abc/status"])


class RerunCreate(RequestModel):
    only_failed: StrictBool = Field(
        default=False,
        description="Run only the tests that did not pass (failed, skipped or never "
        "finished) in the original, which must have ended.",
    )


class RerunQueued(QueuedExecution):
    """A rerun, queued: as ``POST /executions/async`` answers, and the original's id."""

    rerun_of: str = Field(examples=["exec_abc123"])


class CancelledExecution(ResponseModel):
    id: str
    status: Literal[ExecutionStatus.CANCELLED]
    cancellation_reason: str = Field(examples=["requested"])
    cancelled_at: Timestamp


# ---- results --------------------------------------------------------------------


class ResultSummary(ResponseModel):
    total: int
    passed: int
    failed: int
    skipped: int
    flaky: int


class ConsoleMessage(ResponseModel):
    type: str = Field(examples=["error", "assert"])  # not vocabulary: console levels
    text: str
    location: str | None


class FailedRequest(ResponseModel):
    method: str
    url: str
    resource_type: str
    status: int | None = Field(description="HTTP status; null when the request itself failed.")
    failure: str | None = Field(examples=["net::ERR_CONNECTION_REFUSED"])


class HealDecision(ResponseModel):
    ok: bool
    reason: str


class ElementMatch(ResponseModel):
    element: str = Field(examples=['button "Clear completed (1)"'])
    score: float = Field(description="0-1: 1 = the words exactly.")
    reasons: Annotated[list[str] | None, NOT_NULL] = omitted(
        "How it matched, where, and the next best match."
    )
    revealed_by_hovering: OptionalStr = omitted(
        "The container hovered to show a control that appears only on hover."
    )


class StepResult(ResponseModel):
    step_id: str
    name: str
    status: StepStatus
    action: str | None
    selector: str | None = Field(description="As written in the test case.")
    value: str | None
    resolved_selector: str | None = Field(description="What was acted on.")
    selector_source: str | None = Field(description="`explicit`, `cache` or `semantic`.")
    duration_ms: int | None
    ready_ms: Annotated[int | None, NOT_NULL] = omitted(
        "The first step in words after a navigation: how long of `duration_ms` it "
        "waited for the page to be ready (the plan's `page_ready`)."
    )
    url: str | None = Field(description="The page's URL after the step.")
    error: OptionalStr = omitted()
    error_type: OptionalStr = omitted()
    expected: OptionalStr = omitted()
    actual: OptionalStr = omitted()
    context: Annotated[dict[str, Any] | None, NOT_NULL] = omitted(
        "Page signals at the moment of failure."
    )
    match: Annotated[ElementMatch | None, NOT_NULL] = omitted(
        "Steps whose words chose the element: which one and why it won."
    )
    healed: Annotated[bool | None, NOT_NULL] = omitted()
    original_selector: str | None = Field(default=None, description="When `healed`.")
    healed_selector: str | None = Field(default=None, description="When `healed`.")
    heal_score: float | None = Field(default=None, description="When `healed`.")
    heal_candidates: Annotated[list[dict[str, Any]] | None, NOT_NULL] = omitted(
        "The best replacements for a missing element."
    )
    heal_decision: Annotated[HealDecision | None, NOT_NULL] = omitted(
        "Whether the best replacement passes every rule of an automatic heal, and why (not)."
    )
    screenshot: OptionalStr = omitted("A signed URL.")
    screenshot_source: Annotated[Annotated[ScreenshotSource, Strict(False)] | None, NOT_NULL] = (
        omitted(
            "What `screenshot` is made from: `pixels` (captured as the step ended) or "
            "`dom_snapshot` (the page's DOM as the step ended, rendered to a PNG the first "
            "time the URL is opened; the plan's `screenshot_source`)."
        )
    )


class TestResultBrief(ResponseModel):
    test_id: str
    name: str
    status: TestResultStatus
    duration_ms: int
    error: OptionalStr = omitted()
    screenshot: OptionalStr = omitted("A signed URL.")
    flaky: bool = Field(description="Failed, then passed on a retry.")
    healed: bool = Field(description="A step of it was healed.")


class _Evidence(ResponseModel):
    """Steps and evidence of a test result or of one of its attempts."""

    error: OptionalStr = omitted()
    error_type: OptionalStr = omitted()
    failed_step_id: OptionalStr = omitted()
    screenshot: OptionalStr = omitted("A signed URL.")
    final_url: str | None
    console_errors: list[ConsoleMessage]
    page_errors: list[str]
    failed_requests: list[FailedRequest]
    trace: str | None = Field(description="A signed URL of a Playwright trace zip.")
    page_archive: str | None = Field(description="A signed URL of the failing page (MHTML).")
    steps: list[StepResult]


class Attempt(_Evidence):
    attempt: int = Field(description="1 for the first run, 2 for the first retry, …")
    status: TestResultStatus
    duration_ms: int


class TestResult(_Evidence):
    test_id: str
    name: str
    status: TestResultStatus
    duration_ms: int
    flaky: bool = Field(description="Failed, then passed on a retry.")
    healed: bool = Field(description="A step of it was healed.")
    attempts: Annotated[list[Attempt] | None, NOT_NULL] = omitted(
        "Every attempt, when the plan retried the test."
    )


class ExecutionResults(ResponseModel):
    id: str
    test_plan_id: str
    status: ExecutionStatusValue
    test_results: list[TestResult]
    summary: ResultSummary
    heals: list[Heal]


class BriefResults(ResponseModel):
    test_results: list[TestResultBrief]
    summary: ResultSummary


class ExecutionCreated(ExecutionSummary):
    """The execution once it ended (``200``), or as far as it got (``202``)."""

    results: BriefResults
    polling_url: OptionalStr = omitted("Only with `202`: the execution has not ended yet.")
