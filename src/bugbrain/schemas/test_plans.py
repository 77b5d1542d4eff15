from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict, StrictBool, StrictInt, StringConstraints

from bugbrain.schemas.common import (
    NOT_NULL,
    WHOLE,
    Description,
    Id,
    Name,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
    omitted,
)
from bugbrain.settings import DEFAULT_QUEUE, QUEUE_NAME
from bugbrain.vocabulary import (
    HealingMode,
    PageReady,
    ScreenshotMode,
    ScreenshotSource,
    TraceMode,
)

Retries = Annotated[StrictInt, Field(ge=0, le=5), WHOLE]
Browser = Literal["chromium"]
Parallelism = Annotated[StrictInt, Field(ge=1, le=16), WHOLE]
ElementWait = Annotated[StrictInt, Field(ge=100, le=120_000), WHOLE]
QueueName = Annotated[
    str,
    StringConstraints(strict=True, pattern=f"^{QUEUE_NAME.pattern}$"),
    Field(
        description="The job queue its executions go to (PostgreSQL deployments): only "
        "workers started with `--queue` of that name take them. Lower-case letters, "
        "digits, `_`, `.`, `-`; at most 40.",
        examples=[DEFAULT_QUEUE],
    ),
]
RequeueOnWorkerLoss = Annotated[
    StrictBool,
    Field(
        description="When the worker running an execution dies, put the execution back in "
        "the queue once (its results so far discarded) instead of failing it `worker_lost`."
    ),
]
TestCaseIds = Annotated[
    list[Id],
    Field(
        max_length=1000,
        json_schema_extra={"uniqueItems": True},
        description="Test cases of the same project, in the order they run; no duplicates.",
    ),
]


class TestPlanCreate(RequestModel):
    project_id: Id
    name: Name
    description: Description = ""
    test_case_ids: TestCaseIds = Field(default_factory=list)
    parallelism: Parallelism = 1
    stop_on_first_failure: StrictBool = False
    screenshot_mode: ScreenshotMode = ScreenshotMode.EVERY_STEP
    screenshot_source: ScreenshotSource = Field(
        default=ScreenshotSource.DOM_SNAPSHOT,
        description="What a passing step's screenshot is made from: the page's DOM "
        "snapshot in the test's trace, rendered to a PNG when first opened (a few "
        "percent of run time), or a capture of the frame at once (about half again "
        "of a short step's time without a GPU). A failing step's is always a capture.",
    )
    element_wait_timeout_ms: ElementWait = 5000
    browser: Browser = "chromium"
    retries: Retries = 0
    trace_mode: TraceMode = TraceMode.ON_FAILURE
    trace_snapshots: StrictBool = False
    healing: HealingMode = HealingMode.SUGGEST
    page_ready: PageReady = Field(
        default=PageReady.NETWORK_QUIET,
        description="What the first step in words after a navigation waits for: the "
        "`load` event, or that and a short network-quiet window (at most 2 s).",
    )
    queue: QueueName = DEFAULT_QUEUE
    requeue_on_worker_loss: RequeueOnWorkerLoss = False


# A plan's run settings: every field of a new plan but what names and fills it.
PLAN_SETTINGS: tuple[str, ...] = tuple(
    name
    for name in TestPlanCreate.model_fields
    if name not in {"project_id", "name", "description", "test_case_ids"}
)


class TestPlanUpdate(RequestModel):
    """Only the fields sent change; none of them may be ``null``."""

    name: Annotated[Name | None, NOT_NULL] = omitted()
    description: Annotated[Description | None, NOT_NULL] = omitted()
    test_case_ids: Annotated[TestCaseIds | None, NOT_NULL] = omitted()
    parallelism: Annotated[Parallelism | None, NOT_NULL] = omitted()
    stop_on_first_failure: Annotated[StrictBool | None, NOT_NULL] = omitted()
    screenshot_mode: Annotated[ScreenshotMode | None, NOT_NULL] = omitted()
    screenshot_source: Annotated[ScreenshotSource | None, NOT_NULL] = omitted()
    element_wait_timeout_ms: Annotated[ElementWait | None, NOT_NULL] = omitted()
    browser: Annotated[Browser | None, NOT_NULL] = omitted()
    retries: Annotated[Retries | None, NOT_NULL] = omitted()
    trace_mode: Annotated[TraceMode | None, NOT_NULL] = omitted()
    trace_snapshots: Annotated[StrictBool | None, NOT_NULL] = omitted()
    healing: Annotated[HealingMode | None, NOT_NULL] = omitted()
    page_ready: Annotated[PageReady | None, NOT_NULL] = omitted()
    queue: Annotated[QueueName | None, NOT_NULL] = omitted()
    requeue_on_worker_loss: Annotated[RequeueOnWorkerLoss | None, NOT_NULL] = omitted()


# ---- responses ----------------------------------------------------------------


class TestPlan(ResponseModel):
    id: str = Field(examples=["tp_prod_xyz"])
    project_id: str
    name: str
    description: str
    test_case_ids: list[str]
    parallelism: int
    stop_on_first_failure: bool
    screenshot_mode: Annotated[ScreenshotMode, Strict(False)]  # the row holds the string
    screenshot_source: Annotated[ScreenshotSource, Strict(False)]
    element_wait_timeout_ms: int
    browser: Browser
    retries: int
    trace_mode: Annotated[TraceMode, Strict(False)]
    trace_snapshots: bool
    healing: Annotated[HealingMode, Strict(False)]
    page_ready: Annotated[PageReady, Strict(False)]
    queue: str
    requeue_on_worker_loss: bool
    created_at: Timestamp
    updated_at: Timestamp


class TestPlanList(ResponseModel):
    data: list[TestPlan]
    pagination: Pagination
