"""The run spec: what a runner child is asked to run (pure).

Built by the services when an execution is created (the plan frozen, see
``services.executions.build_spec``), completed by the worker (where to write,
which browser) and validated once, by the child, with :func:`parse_spec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from bugbrain.vocabulary import HealingMode, PageReady, ScreenshotMode, ScreenshotSource, TraceMode


class SpecError(ValueError):
    """The spec is structurally invalid; the message names the field."""


def _scalar_text(value: Any) -> Any:
    """Step fields and variables may be written as numbers: they are text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _stripped_or_none(value: Any) -> Any:
    value = _scalar_text(value)
    return (value.strip() or None) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_scalar_text)]
NonEmpty = Annotated[str, Field(min_length=1, pattern=r"\S")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class StepSpec(_Frozen):
    step_id: NonEmpty
    action: str = ""
    selector: Text | None = None
    value: Text | None = None
    description: Text | None = None
    # The selector a previous passing run resolved this step's words to.
    cached_selector: Text | None = None
    # The element this step touched in its last passing run (healing compares to it).
    fingerprint: Mapping[str, Any] | None = None
    # That fingerprint is recent: do not read the element's again this run.
    fingerprint_fresh: bool = False
    # A selector an earlier run healed this step's selector to; reused before searching.
    remembered_heal: Text | None = None

    @field_validator("action", mode="before")
    @classmethod
    def _no_action_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("fingerprint", mode="before")
    @classmethod
    def _only_a_mapping(cls, value: Any) -> Any:
        return value if isinstance(value, Mapping) else None

    @field_validator("fingerprint_fresh", mode="before")
    @classmethod
    def _only_true(cls, value: Any) -> bool:
        return value is True


class TestSpec(_Frozen):
    __test__: ClassVar[bool] = False  # not a pytest test class

    position: Annotated[StrictInt, Field(ge=0)]
    test_id: NonEmpty
    name: str = ""
    steps: tuple[StepSpec, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        # ``position`` defaults to the index (set by RunSpec); a test without a
        # name shows its id.
        if isinstance(data, Mapping) and not (isinstance(data.get("name"), str) and data["name"]):
            return {**data, "name": data.get("test_id")}
        return data


_DEFAULTED_BY_BLANK = frozenset(
    {"browser", "screenshot_mode", "screenshot_source", "trace_mode", "healing", "page_ready"}
)


def _position(test: Mapping[str, Any], index: int) -> Any:
    position = test.get("position")
    return index if position is None else position


class RunSpec(_Frozen):
    execution_id: NonEmpty
    artifacts_dir: NonEmpty
    tests: tuple[TestSpec, ...]
    browser: Literal["chromium"] = "chromium"
    chromium_path: Annotated[str | None, BeforeValidator(_stripped_or_none)] = None
    headless: StrictBool = True
    parallelism: Annotated[StrictInt, Field(ge=1)] = 1
    stop_on_first_failure: StrictBool = False
    screenshot_mode: ScreenshotMode = ScreenshotMode.EVERY_STEP
    screenshot_source: ScreenshotSource = ScreenshotSource.DOM_SNAPSHOT
    element_wait_timeout_ms: Annotated[StrictInt, Field(ge=1)] = 5000
    navigation_timeout_ms: Annotated[StrictInt, Field(ge=1)] = 30000
    base_url: Annotated[str | None, BeforeValidator(_stripped_or_none)] = None
    variables: Mapping[str, Text] = Field(default_factory=dict)
    # Secret variables, sealed (name → Fernet token): the runner opens them with
    # the key its worker gives it, and masks their values in all it writes.
    secrets: Mapping[str, str] = Field(default_factory=dict)
    trace_mode: TraceMode = TraceMode.ON_FAILURE
    # DOM snapshots around every traced action (the viewer's time travel): 5-10 %
    # of run time, so off unless asked for; a failure keeps the page anyway.
    trace_snapshots: StrictBool = False
    retries: Annotated[StrictInt, Field(ge=0)] = 0
    healing: HealingMode = HealingMode.SUGGEST
    # What a step in words waits for after a navigation (runner/readiness.py).
    page_ready: PageReady = PageReady.NETWORK_QUIET

    @model_validator(mode="before")
    @classmethod
    def _fill_in(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        # As the hand-written parser before it did: null (and "" for the modes)
        # means the default, variables are text, a test's position defaults to
        # its index.
        data = {
            key: value
            for key, value in data.items()
            if key == "tests" or not (value is None or (key in _DEFAULTED_BY_BLANK and value == ""))
        }
        if isinstance(data.get("variables"), Mapping):
            data["variables"] = {
                k: "" if v is None else v if isinstance(v, str) else str(v)
                for k, v in data["variables"].items()
            }
        if isinstance(data.get("tests"), list):
            data["tests"] = [
                {**test, "position": _position(test, index)} if isinstance(test, Mapping) else test
                for index, test in enumerate(data["tests"])
            ]
        return data

    @model_validator(mode="after")
    def _unique_positions(self) -> RunSpec:
        positions = [t.position for t in self.tests]
        if len(set(positions)) != len(positions):
            raise ValueError("tests: positions must be unique")
        return self


_PROBLEMS: Mapping[str, str] = {
    "int_type": "expected an integer",
    "bool_type": "expected a boolean",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected an object",
    "mapping_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "string_type": "expected a string",
    "missing": "required",
    "string_too_short": "expected a non-empty string",
    "string_pattern_mismatch": "expected a non-empty string",
}


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part.startswith("function-"):
            out += f".{part}" if out else part
    return out or "spec"


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "greater_than_equal":
        return f"must be >= {error['ctx']['ge']}"
    if kind == "literal_error" and error["loc"] == ("browser",):
        return f"unsupported browser {error['input']!r} (only 'chromium')"
    if kind == "enum":
        return f"expected one of {error['ctx']['expected']}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return _PROBLEMS.get(kind, error["msg"])


def parse_spec(data: Any) -> RunSpec:
    """Validate a decoded JSON spec; raise SpecError naming the first bad field."""
    if not isinstance(data, Mapping):
        raise SpecError("spec: expected a JSON object")
    try:
        return RunSpec.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        problem = _problem(error)
        where = _where(error["loc"])
        at_root = not error["loc"]  # a rule over several fields says which itself
        raise SpecError(problem if at_root else f"{where}: {problem}") from None
