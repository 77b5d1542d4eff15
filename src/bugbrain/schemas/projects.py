from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bugbrain.schemas.common import (
    NOT_NULL,
    EnvironmentName,
    HttpUrl,
    Name,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
    Variables,
    omitted,
    padded,
)

# The names of a project's environments, as the keys of ``environments``.
_ENVIRONMENT_KEYS = {"propertyNames": {"pattern": padded("[A-Za-z0-9_.-]{1,100}")}}
Environments = Annotated[
    dict[EnvironmentName, "EnvironmentIn"],
    Field(max_length=50, json_schema_extra=_ENVIRONMENT_KEYS),
]


class EnvironmentIn(RequestModel):
    base_url: HttpUrl | None = None
    variables: Variables = Field(default_factory=dict)


class ProjectCreate(RequestModel):
    name: Name
    base_url: HttpUrl | None = None
    environments: Environments = Field(default_factory=dict)
    default_environment: EnvironmentName | None = Field(
        default=None, description="One of `environments`' names."
    )
    variables: Variables = Field(default_factory=dict)


class ProjectUpdate(RequestModel):
    """Only the fields sent change; ``null`` clears ``base_url`` and
    ``default_environment`` and empties ``environments`` and ``variables``."""

    name: Annotated[Name | None, NOT_NULL] = omitted()
    base_url: HttpUrl | None = None
    environments: Environments | None = None
    default_environment: EnvironmentName | None = Field(
        default=None, description="One of the project's environments' names."
    )
    variables: Variables | None = None


# ---- responses ----------------------------------------------------------------


class HiddenSecret(ResponseModel):
    """A secret variable as the API shows it: never its value."""

    value: None = Field(description="Never returned once stored.")
    secret: Literal[True]


ShownVariables = Annotated[
    dict[str, str | HiddenSecret],
    Field(description="Plain variables' values; a secret one as `{value: null, secret: true}`."),
]


class Environment(ResponseModel):
    base_url: str | None
    variables: ShownVariables


class Project(ResponseModel):
    id: str = Field(examples=["proj_abc123"])
    name: str
    base_url: str | None
    environments: dict[str, Environment]
    default_environment: str | None
    variables: ShownVariables
    created_at: Timestamp
    updated_at: Timestamp


class ProjectList(ResponseModel):
    data: list[Project]
    pagination: Pagination
