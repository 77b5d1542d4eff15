from __future__ import annotations

from pydantic import Field

from bugbrain.schemas.common import (
    EnvironmentName,
    HttpUrl,
    Name,
    RequestModel,
    Variables,
)


class EnvironmentIn(RequestModel):
    base_url: HttpUrl | None = None
    variables: Variables = Field(default_factory=dict)


class ProjectCreate(RequestModel):
    name: Name
    base_url: HttpUrl | None = None
    environments: dict[EnvironmentName, EnvironmentIn] = Field(default_factory=dict, max_length=50)
    default_environment: EnvironmentName | None = None
    variables: Variables = Field(default_factory=dict)


class ProjectUpdate(RequestModel):
    name: Name | None = None
    base_url: HttpUrl | None = None
    environments: dict[EnvironmentName, EnvironmentIn] | None = Field(default=None, max_length=50)
    default_environment: EnvironmentName | None = None
    variables: Variables | None = None
