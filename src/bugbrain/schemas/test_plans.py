from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt

from bugbrain.schemas.common import Description, Id, Name, RequestModel
from bugbrain.vocabulary import HealingMode, ScreenshotMode, TraceMode

Retries = Annotated[StrictInt, Field(ge=0, le=5)]
Browser = Literal["chromium"]
Parallelism = Annotated[StrictInt, Field(ge=1, le=16)]
ElementWait = Annotated[StrictInt, Field(ge=100, le=120_000)]
TestCaseIds = Annotated[list[Id], Field(max_length=1000)]


class TestPlanCreate(RequestModel):
    project_id: Id
    name: Name
    description: Description = ""
    test_case_ids: TestCaseIds = Field(default_factory=list)
    parallelism: Parallelism = 1
    stop_on_first_failure: StrictBool = False
    screenshot_mode: ScreenshotMode = ScreenshotMode.EVERY_STEP
    element_wait_timeout_ms: ElementWait = 5000
    browser: Browser = "chromium"
    retries: Retries = 0
    trace_mode: TraceMode = TraceMode.ON_FAILURE
    trace_snapshots: StrictBool = False
    healing: HealingMode = HealingMode.SUGGEST


class TestPlanUpdate(RequestModel):
    name: Name | None = None
    description: Description | None = None
    test_case_ids: TestCaseIds | None = None
    parallelism: Parallelism | None = None
    stop_on_first_failure: StrictBool | None = None
    screenshot_mode: ScreenshotMode | None = None
    element_wait_timeout_ms: ElementWait | None = None
    browser: Browser | None = None
    retries: Retries | None = None
    trace_mode: TraceMode | None = None
    trace_snapshots: StrictBool | None = None
    healing: HealingMode | None = None
