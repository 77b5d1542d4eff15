from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictFloat, StrictInt, StrictStr, model_validator

from bugbrain.schemas.common import Description, Id, Name, RequestModel
from bugbrain.steps.rules import ACTIONS, normalize_action
from bugbrain.vocabulary import ACTION_ALIASES

TestStatus = Literal["active", "archived"]
Priority = Literal["low", "medium", "high", "critical"]


def _action(value: str) -> str:
    normalized = normalize_action(value)
    if normalized not in ACTIONS:
        known = ", ".join([*ACTIONS, *(f"{a} (= {t})" for a, t in ACTION_ALIASES.items())])
        raise ValueError(f"unknown action {value!r}; known actions: {known}")
    return normalized


def _tag(value: str) -> str:
    if not value:
        raise ValueError("tags must not be empty")
    return value


class StepIn(RequestModel):
    # Accepted for round-tripping a fetched test case; ids are reassigned in order.
    step_id: StrictStr | None = None
    description: Annotated[StrictStr, Field(max_length=2000)] | None = None
    action: Annotated[StrictStr, AfterValidator(_action)] | None = None
    selector: Annotated[StrictStr, Field(max_length=2000)] | None = None
    value: Annotated[StrictStr, Field(max_length=10_000)] | StrictInt | StrictFloat | None = None

    @model_validator(mode="after")
    def _needs_intent(self) -> StepIn:
        if not self.action and not self.description:
            raise ValueError("a step needs an action or a description")
        return self


Tag = Annotated[StrictStr, Field(max_length=50), AfterValidator(_tag)]
Steps = Annotated[list[StepIn], Field(max_length=500)]


class TestCaseCreate(RequestModel):
    project_id: Id
    name: Name
    description: Description = ""
    status: TestStatus = "active"
    priority: Priority = "medium"
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default_factory=list)
    steps: Steps = Field(default_factory=list)


class TestCaseUpdate(RequestModel):
    name: Name | None = None
    description: Description | None = None
    status: TestStatus | None = None
    priority: Priority | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    steps: Steps | None = None
