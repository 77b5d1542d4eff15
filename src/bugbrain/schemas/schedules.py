"""Schedules: a test plan run on a cron expression, in a time zone."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, StrictBool, StrictStr

from bugbrain import cron
from bugbrain.schemas.common import (
    NOT_NULL,
    EnvironmentName,
    Id,
    Name,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
    Variables,
    omitted,
    padded,
    raw_max_length,
)
from bugbrain.schemas.executions import TimeoutSeconds
from bugbrain.schemas.projects import ShownVariables

# The shape only (a nickname, or 5 or 6 fields of cron's characters; spaces
# between them may be any): the validator also checks each field's range.
_FIELD = "[0-9A-Za-z*/,?#-]+"
_NICKNAMES = "|".join(name[1:] for name in cron.NICKNAMES)
_CRON_SHAPE = f"(@({_NICKNAMES})|{_FIELD}([ \\t]+{_FIELD}){{4,5}})"
Cron = Annotated[
    StrictStr,
    raw_max_length(200),
    Field(
        max_length=200,
        json_schema_extra={"pattern": padded(_CRON_SHAPE)},
        description="Five fields (minute hour day month weekday), six with seconds last, "
        "or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.",
        examples=["0 6 * * 1-5"],
    ),
    AfterValidator(cron.check_cron),
]
TimeZone = Annotated[
    StrictStr,
    raw_max_length(100),
    Field(
        max_length=100,
        json_schema_extra={"enum": sorted(available_timezones())},
        description="IANA name; the cron expression is read in it.",
        examples=["Europe/Paris"],
    ),
    AfterValidator(cron.check_timezone),
]


class ScheduleCreate(RequestModel):
    project_id: Id
    test_plan_id: Id = Field(description="A test plan of `project_id`.")
    name: Name
    cron: Cron
    timezone: TimeZone = "UTC"
    environment: EnvironmentName | None = Field(
        default=None,
        description="One of the project's environments (default: its `default_environment`).",
    )
    variables: Variables = Field(default_factory=dict)
    timeout_seconds: TimeoutSeconds | None = None
    enabled: StrictBool = True


class ScheduleUpdate(RequestModel):
    """Only the fields sent change; ``environment`` and ``timeout_seconds`` may be
    ``null`` (the defaults again), the others not."""

    name: Annotated[Name | None, NOT_NULL] = omitted()
    test_plan_id: Annotated[Id | None, NOT_NULL] = omitted()
    cron: Annotated[Cron | None, NOT_NULL] = omitted()
    timezone: Annotated[TimeZone | None, NOT_NULL] = omitted()
    environment: EnvironmentName | None = None
    variables: Annotated[Variables | None, NOT_NULL] = omitted()
    timeout_seconds: TimeoutSeconds | None = None
    enabled: Annotated[StrictBool | None, NOT_NULL] = omitted()


# ---- responses ----------------------------------------------------------------


class Schedule(ResponseModel):
    id: str = Field(examples=["sch_prod_xyz"])
    project_id: str
    test_plan_id: str
    name: str
    cron: str
    timezone: str
    environment: str | None
    variables: ShownVariables
    timeout_seconds: int | None
    enabled: bool
    next_run_at: Timestamp | None = Field(description="`null` while disabled.")
    last_run_at: Timestamp | None
    last_execution_id: str | None = Field(description="The execution the last tick started.")
    last_error: str | None = Field(
        description="Why the last tick could not start an execution (the plan has no "
        "active test case, say); `null` once one starts."
    )
    created_at: Timestamp
    updated_at: Timestamp


class ScheduleList(ResponseModel):
    data: list[Schedule]
    pagination: Pagination
