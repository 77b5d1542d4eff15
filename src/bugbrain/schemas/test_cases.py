from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from bugbrain.schemas.common import (
    NOT_BLANK,
    NOT_NULL,
    Description,
    Id,
    Name,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
    omitted,
    raw_max_length,
)
from bugbrain.steps.rules import ACTIONS, normalize_action
from bugbrain.vocabulary import ACTION_ALIASES

TestCaseStatus = Literal["active", "archived"]
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


Action = Annotated[
    StrictStr,
    AfterValidator(_action),
    Field(
        json_schema_extra={"enum": [*ACTIONS, *ACTION_ALIASES]},
        description="Also read case-insensitively, with `-`, spaces or camelCase for `_`.",
    ),
]
# A step needs an action, or a description to work out what to do from.
_ACTION_OR_DESCRIPTION: dict[str, Any] = {
    "anyOf": [
        {"required": ["action"], "properties": {"action": {"type": "string"}}},
        {
            "required": ["description"],
            "properties": {"description": {"type": "string", "pattern": NOT_BLANK}},
        },
    ]
}


class StepIn(RequestModel):
    model_config = ConfigDict(json_schema_extra=_ACTION_OR_DESCRIPTION)

    # Accepted for round-tripping a fetched test case; ids are reassigned in order.
    step_id: StrictStr | None = None
    description: Annotated[StrictStr, raw_max_length(2000), Field(max_length=2000)] | None = None
    action: Action | None = None
    selector: Annotated[StrictStr, raw_max_length(2000), Field(max_length=2000)] | None = None
    value: (
        Annotated[StrictStr, raw_max_length(10_000), Field(max_length=10_000)]
        | StrictInt
        | StrictFloat
        | None
    ) = None

    @model_validator(mode="after")
    def _needs_intent(self) -> StepIn:
        if not self.action and not self.description:
            raise ValueError("a step needs an action or a description")
        return self


Tag = Annotated[
    StrictStr,
    raw_max_length(50),
    Field(max_length=50, json_schema_extra={"pattern": NOT_BLANK}),
    AfterValidator(_tag),
]
Tags = Annotated[list[Tag], Field(max_length=50)]
Steps = Annotated[list[StepIn], Field(max_length=500)]


class TestCaseCreate(RequestModel):
    project_id: Id
    name: Name
    description: Description = ""
    status: TestCaseStatus = "active"
    priority: Priority = "medium"
    tags: Tags = Field(default_factory=list)
    steps: Steps = Field(default_factory=list)


class TestCaseUpdate(RequestModel):
    """Only the fields sent change; none of them may be ``null``."""

    name: Annotated[Name | None, NOT_NULL] = omitted()
    description: Annotated[Description | None, NOT_NULL] = omitted()
    status: Annotated[TestCaseStatus | None, NOT_NULL] = omitted()
    priority: Annotated[Priority | None, NOT_NULL] = omitted()
    tags: Annotated[Tags | None, NOT_NULL] = omitted()
    steps: Annotated[Steps | None, NOT_NULL] = omitted()


# ---- responses ----------------------------------------------------------------


class Step(ResponseModel):
    step_id: str = Field(examples=["step_1"])
    description: str
    action: str | None = Field(description="The canonical action, or null for a step in words.")
    selector: str | None
    value: str | None = Field(description="Numbers are kept as strings.")


class TestCase(ResponseModel):
    id: str = Field(examples=["test_abc123"])
    project_id: str
    name: str
    description: str
    status: TestCaseStatus
    priority: Priority
    tags: list[str]
    steps: list[Step]
    created_at: Timestamp
    updated_at: Timestamp


class TestCaseList(ResponseModel):
    data: list[TestCase]
    pagination: Pagination
