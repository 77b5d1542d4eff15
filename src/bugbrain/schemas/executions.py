from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt

from bugbrain.schemas.common import EnvironmentName, Id, RequestModel, Variables

# The upper bound is a setting; the service checks it against settings.max_timeout_seconds.
TimeoutSeconds = Annotated[StrictInt, Field(ge=1)]


class ExecutionCreate(RequestModel):
    test_plan_id: Id
    project_id: Id
    timeout_seconds: TimeoutSeconds | None = None
    wait_for_completion: StrictBool = True
    environment: EnvironmentName | None = None
    variables: Variables = Field(default_factory=dict)
