"""The file format of plans as code: one project per YAML file, as pydantic
models (docs/plans-as-code.md). ``schemas/bugbrain-project.schema.json`` is
their JSON Schema, for editors (``python -m bugbrain.ascode.fileformat``
writes it; a unit test keeps the committed one equal).

The models reuse the API's own field types (names, URLs, tags, actions, plan
settings and their ranges), so a file is refused, with its line, for what the
server would refuse, before anything is sent. Everything that names an object
is its ``name``: the project in the workspace, a test case, plan or schedule
in the project; plans list their test cases, and schedules their plan, by name.

A secret is never written in the file: ``{secret_env: NAME}`` says which
environment variable of the machine running ``bugbrain apply`` holds it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from bugbrain.schemas.common import (
    Description,
    EnvironmentName,
    HttpUrl,
    Name,
    raw_max_length,
)
from bugbrain.schemas.executions import TimeoutSeconds
from bugbrain.schemas.test_cases import Action, Priority, Tags, TestCaseStatus
from bugbrain.schemas.test_plans import (
    Browser,
    ElementWait,
    Parallelism,
    QueueName,
    RequeueOnWorkerLoss,
    Retries,
)
from bugbrain.settings import DEFAULT_QUEUE
from bugbrain.vocabulary import HealingMode, PageReady, ScreenshotMode, ScreenshotSource, TraceMode

SCHEMA_PATH = Path("schemas") / "bugbrain-project.schema.json"

ENV_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
VARIABLE_NAME = "^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"


class FileModel(BaseModel):
    # An unknown key is an error with its line: a typo must not be ignored.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SecretRef(FileModel):
    """A secret variable: its value is read from this environment variable when
    ``bugbrain apply`` runs, and sent as ``{"value": …, "secret": true}``."""

    model_config = ConfigDict(title="SecretRef")

    secret_env: Annotated[
        StrictStr,
        Field(
            pattern=ENV_VAR_RE.pattern,
            max_length=200,
            description="The environment variable holding the secret's value.",
            examples=["SHOP_PASSWORD"],
        ),
    ]


def _scalar(kinds: tuple[type, ...], what: str) -> Callable[[Any], Any]:
    """Accept exactly these Python types (YAML's scalars), with one message,
    instead of one error per member of a union."""

    def check(value: Any) -> Any:
        if isinstance(value, bool) and bool not in kinds:
            raise ValueError(f"must be {what}")
        if not isinstance(value, kinds):
            raise ValueError(f"must be {what}")
        return value

    return check


def _variable(value: Any) -> Any:
    if isinstance(value, dict):
        if "value" in value or "secret" in value:
            raise ValueError(
                "a secret's value is never written in the file: write "
                "{secret_env: ENV_VAR} and set ENV_VAR where `bugbrain apply` runs"
            )
        return SecretRef.model_validate(value)
    return _scalar((str, int, float, bool), "a string, number or boolean, or {secret_env: NAME}")(
        value
    )


_SCALAR_SCHEMAS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "number"},
    {"type": "boolean"},
]
VariableValue = Annotated[
    StrictStr | int | float | StrictBool | SecretRef,
    BeforeValidator(_variable),
    WithJsonSchema({"anyOf": [*_SCALAR_SCHEMAS, SecretRef.model_json_schema()]}),
]
Variables = Annotated[
    dict[
        Annotated[StrictStr, Field(pattern=VARIABLE_NAME)],
        VariableValue,
    ],
    Field(
        max_length=500,
        description="`{{name}}` in steps. A value is text, a number or a boolean (sent as "
        "text), or `{secret_env: ENV_VAR}` for a secret.",
    ),
]
StepValue = Annotated[
    StrictStr | int | float,
    BeforeValidator(_scalar((str, int, float), "a string or a number")),
    raw_max_length(10_000),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 10_000}, {"type": "number"}]}),
]
StepText = Annotated[StrictStr, raw_max_length(2000), Field(max_length=2000)]


class EnvironmentSpec(FileModel):
    base_url: HttpUrl | None = Field(
        default=None, description="Relative navigations join it (else the project's)."
    )
    variables: Variables = Field(default_factory=dict)


class StepSpec(FileModel):
    """An ``action`` (with ``selector`` and ``value``), or a ``description`` in
    words, or both. Step ids are not written: they are ``step_1``… in order."""

    description: StepText | None = None
    action: Action | None = None
    selector: StepText | None = None
    value: StepValue | None = None

    @model_validator(mode="after")
    def _needs_intent(self) -> StepSpec:
        if not self.action and not self.description:
            raise ValueError("a step needs an action or a description")
        return self


class TestCaseSpec(FileModel):
    __test__ = False  # not a pytest test class, whatever its name

    name: Name
    description: Description = ""
    status: TestCaseStatus = "active"
    priority: Priority = "medium"
    tags: Tags = Field(default_factory=list)
    steps: Annotated[list[StepSpec], Field(max_length=500)] = Field(default_factory=list)


class PlanSettings(FileModel):
    """A test plan's settings, as in the API (docs/api.md); a setting left out
    is the API's default."""

    parallelism: Parallelism = 1
    stop_on_first_failure: StrictBool = False
    screenshot_mode: ScreenshotMode = ScreenshotMode.EVERY_STEP
    screenshot_source: ScreenshotSource = ScreenshotSource.DOM_SNAPSHOT
    element_wait_timeout_ms: ElementWait = 5000
    browser: Browser = "chromium"
    retries: Retries = 0
    trace_mode: TraceMode = TraceMode.ON_FAILURE
    trace_snapshots: StrictBool = False
    healing: HealingMode = HealingMode.SUGGEST
    page_ready: PageReady = PageReady.NETWORK_QUIET
    queue: QueueName = DEFAULT_QUEUE
    requeue_on_worker_loss: RequeueOnWorkerLoss = False


class TestPlanSpec(FileModel):
    __test__ = False

    name: Name
    description: Description = ""
    test_cases: Annotated[
        list[Name],
        Field(
            max_length=1000,
            json_schema_extra={"uniqueItems": True},
            description="Test cases by name, in the order they run: this file's, or "
            "ones already on the server.",
        ),
    ] = Field(default_factory=list)
    settings: PlanSettings = Field(default_factory=PlanSettings)


class ScheduleSpec(FileModel):
    name: Name
    test_plan: Name = Field(description="The plan it starts, by name.")
    cron: Annotated[
        StrictStr,
        raw_max_length(200),
        Field(
            max_length=200,
            description="Five fields (minute hour day month weekday), six with seconds "
            "last, or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.",
            examples=["0 3 * * *"],
        ),
    ]
    timezone: Annotated[
        StrictStr, Field(max_length=100, description="IANA name", examples=["Europe/Paris"])
    ] = "UTC"
    environment: EnvironmentName | None = None
    variables: Variables = Field(default_factory=dict)
    timeout_seconds: TimeoutSeconds | None = None
    enabled: StrictBool = True


class ProjectSpec(FileModel):
    """One project and what it holds. Applying it makes the server's objects of
    these names match it; objects the file does not name are left alone."""

    model_config = ConfigDict(title="bugbrain project")

    name: Name = Field(description="The project's name: how `bugbrain apply` finds it.")
    base_url: HttpUrl | None = None
    default_environment: EnvironmentName | None = Field(
        default=None, description="One of `environments`."
    )
    variables: Variables = Field(default_factory=dict)
    environments: Annotated[dict[EnvironmentName, EnvironmentSpec], Field(max_length=50)] = Field(
        default_factory=dict
    )
    test_cases: list[TestCaseSpec] = Field(default_factory=list)
    test_plans: list[TestPlanSpec] = Field(default_factory=list)
    schedules: list[ScheduleSpec] = Field(default_factory=list)


Loc = tuple[str | int, ...]


def problems(spec: ProjectSpec) -> list[tuple[Loc, str]]:
    """What the models alone cannot say, each where it is: a name used twice,
    a default environment that is not one of the environments, a test case
    listed twice in a plan."""
    found: list[tuple[Loc, str]] = []

    def unique(names: list[str], where: Callable[[int], Loc], what: str) -> None:
        seen: set[str] = set()
        for index, name in enumerate(names):
            if name in seen:
                found.append((where(index), f"{what} {name!r} is named twice"))
            seen.add(name)

    unique([c.name for c in spec.test_cases], lambda i: ("test_cases", i, "name"), "test case")
    unique([p.name for p in spec.test_plans], lambda i: ("test_plans", i, "name"), "test plan")
    unique([s.name for s in spec.schedules], lambda i: ("schedules", i, "name"), "schedule")
    for number, plan in enumerate(spec.test_plans):

        def listed(index: int, plan_index: int = number) -> Loc:
            return ("test_plans", plan_index, "test_cases", index)

        unique(plan.test_cases, listed, "test case")
    if spec.default_environment and spec.default_environment not in spec.environments:
        found.append(
            (
                ("default_environment",),
                f"{spec.default_environment!r} is not one of environments "
                f"({', '.join(spec.environments) or 'none'})",
            )
        )
    return found


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a project file, for editors (YAML language servers)."""
    schema = ProjectSpec.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":  # python -m bugbrain.ascode.fileformat [PATH]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_PATH
    target.write_text(schema_text())
    print(f"wrote {target}")
