"""Shared model building blocks: strict request types whose JSON Schema states
what the API really accepts, and the base of the response models."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# Request strings are stripped before they are checked (``str_strip_whitespace``):
# these are the characters stripped (Unicode White_Space, as pydantic-core trims),
# spelled out (not ``\s``, which differs between regex dialects) for the JSON
# Schema patterns, which must describe the raw input.
WHITESPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WS = f"[{WHITESPACE}]*"
# A string that is not empty once stripped.
NOT_BLANK = f"[^{WHITESPACE}]"
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
VARIABLE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
# An absolute http(s) URL with a host, and no whitespace or control characters
# (it is handed to the browser as it is). IPv6 literals are not taken.
_URL_CORE = (
    rf"[Hh][Tt][Tt][Pp][Ss]?://[^/?#\[\]\x00-\x20\x7f{WHITESPACE}]+"
    rf"(?:[/?#][^\x00-\x20\x7f{WHITESPACE}]*)?"
)
URL_RE = re.compile(f"^{_URL_CORE}$")


def padded(core: str) -> str:
    """The JSON Schema pattern of ``core`` before stripping."""
    return f"^{_WS}{core}{_WS}$"


class RequestModel(BaseModel):
    # Unknown fields are rejected: a typo like "timeout_second" must not be
    # silently ignored and leave the caller wondering why nothing changed.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """What the API answers. A route builds it from the view's dict, once
    (``Model.model_validate(view)``: strict, no coercion, no unknown keys, so
    the JSON is exactly the view's), and FastAPI writes it leaving out the
    optional keys the view left out (``response_model_exclude_unset``)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def raw_max_length(limit: int) -> BeforeValidator:
    """``max_length`` counted before stripping, as the JSON Schema counts it."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and len(value) > limit:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": limit},
            )
        return value

    return BeforeValidator(check)


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 2.0 as an integer; so does the API.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# After an integer's constraints (``Annotated[StrictInt, Field(ge=1), WHOLE]``),
# so that they stay in its JSON Schema: a JSON integer is 2 or 2.0, not 2.5, "2" or true.
WHOLE = BeforeValidator(_whole_number)


def _non_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _http_url(value: str) -> str:
    if not URL_RE.match(value):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


SECRET_MAX_LENGTH = 10_000
NOT_BLANK_RE = re.compile(NOT_BLANK)


class SecretVariable(BaseModel):
    """A variable written as an object: ``{"value": "…", "secret": true}``. A
    secret's value is taken exactly as given (not stripped: it may be a password)."""

    model_config = ConfigDict(extra="forbid")

    value: Annotated[StrictStr, Field(min_length=1, max_length=SECRET_MAX_LENGTH)]
    secret: StrictBool

    @classmethod
    def check(cls, data: dict[Any, Any]) -> SecretVariable:
        """Validate, or raise ValueError saying what is wrong in words (its
        location is the variable's: ``variables.password``)."""
        try:
            entry = cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "value"
            kind = error["type"]
            problem = {
                "missing": "field required",
                "extra_forbidden": "unknown field (an object variable takes only "
                "`value` and `secret`)",
                "string_type": "must be a string",
                "bool_type": "must be true or false",
            }.get(kind, str(error["msg"]))
            raise ValueError(f"{where}: {problem}") from None
        if not NOT_BLANK_RE.search(entry.value):
            raise ValueError("value: must not be blank")
        return entry


# What ``Variables`` holds once validated: text, or a value with its flag.
VariableEntry = str | SecretVariable


def _variables(value: dict[str, VariableEntry]) -> dict[str, VariableEntry]:
    out: dict[str, VariableEntry] = {}
    for key, item in value.items():
        if not VARIABLE_NAME_RE.match(key):
            raise ValueError(f"invalid variable name {key!r} (letters, digits, _ . -)")
        if isinstance(item, SecretVariable):
            # {"value": …, "secret": false} is a plain variable written as an object.
            out[key] = item if item.secret else item.value
        else:
            out[key] = str(item).lower() if isinstance(item, bool) else str(item)
    return out


def _variable_entry(value: Any, scalar: ValidatorFunctionWrapHandler) -> Any:
    if isinstance(value, dict):
        return SecretVariable.check(value)
    return scalar(value)


def _env_name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError("must be 1-100 letters, digits, '_', '.' or '-'")
    return value


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("must not be null")
    return value


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class _NotNull:
    """An update field that may be left out but not set to ``null``: refuses
    ``None`` and drops the ``null`` branch from the field's JSON Schema."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_not_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        branches = [s for s in out.get("anyOf", []) if s != {"type": "null"}]
        if len(branches) == 1:
            rest = {k: v for k, v in out.items() if k != "anyOf"}
            return {**branches[0], **rest}
        return out


NOT_NULL = _NotNull()


def omitted(description: str | None = None) -> Any:
    """The default of a ``NOT_NULL`` field: absent (no ``default: null`` in the schema)."""
    return Field(default=None, description=description, json_schema_extra=_no_default)


# Patterns go into the JSON Schema only (``json_schema_extra``): the validators
# below check the same and say what is wrong in words.
Name = Annotated[
    StrictStr,
    raw_max_length(300),
    Field(max_length=300, json_schema_extra={"pattern": NOT_BLANK}),
    AfterValidator(_non_blank),
]
Description = Annotated[StrictStr, raw_max_length(10_000), Field(max_length=10_000)]
HttpUrl = Annotated[
    StrictStr,
    raw_max_length(2000),
    Field(max_length=2000, json_schema_extra={"pattern": padded(_URL_CORE)}),
    AfterValidator(_http_url),
]
EnvironmentName = Annotated[
    StrictStr,
    Field(json_schema_extra={"pattern": padded("[A-Za-z0-9_.-]{1,100}")}),
    AfterValidator(_env_name),
]
_SCALAR_SCHEMAS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
]
_SECRET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "SecretVariable",
    "description": "`secret: true` keeps the value encrypted, never shown again, "
    "masked in results (`••••`).",
    "properties": {
        "value": {
            "type": "string",
            "minLength": 1,
            "maxLength": SECRET_MAX_LENGTH,
            "pattern": NOT_BLANK,
        },
        "secret": {"type": "boolean"},
    },
    "required": ["value", "secret"],
    "additionalProperties": False,
}
VariableValue = Annotated[
    StrictStr | StrictInt | float | StrictBool,
    WrapValidator(_variable_entry),
    WithJsonSchema({"anyOf": [*_SCALAR_SCHEMAS, _SECRET_SCHEMA]}),
]
Variables = Annotated[
    dict[StrictStr, VariableValue],
    Field(
        max_length=500,
        json_schema_extra={"propertyNames": {"pattern": padded("[A-Za-z_][A-Za-z0-9_.-]{0,99}")}},
    ),
    AfterValidator(_variables),
]
Id = Annotated[
    StrictStr,
    raw_max_length(40),
    Field(min_length=1, max_length=40, json_schema_extra={"pattern": NOT_BLANK}),
]


# ---- responses ----------------------------------------------------------------

# UTC, to the millisecond, with ``Z`` (``bugbrain.clock.isoformat``).
Timestamp = Annotated[
    StrictStr,
    Field(json_schema_extra={"format": "date-time"}, examples=["2025-03-08T10:30:00.123Z"]),
]


class Pagination(ResponseModel):
    limit: int
    offset: int
    total: int = Field(description="All matching objects, not only this page's.")
