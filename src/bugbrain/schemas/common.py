"""Shared request-model building blocks: strict types, field-level validators."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
VARIABLE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


class RequestModel(BaseModel):
    # Unknown fields are rejected: a typo like "timeout_second" must not be
    # silently ignored and leave the caller wondering why nothing changed.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _non_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def _variables(value: dict[str, str | int | float | bool]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, item in value.items():
        if not VARIABLE_NAME_RE.match(key):
            raise ValueError(f"invalid variable name {key!r} (letters, digits, _ . -)")
        out[key] = str(item).lower() if isinstance(item, bool) else str(item)
    return out


def _env_name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError("must be 1-100 letters, digits, '_', '.' or '-'")
    return value


Name = Annotated[StrictStr, Field(max_length=300), AfterValidator(_non_blank)]
Description = Annotated[StrictStr, Field(max_length=10_000)]
HttpUrl = Annotated[StrictStr, Field(max_length=2000), AfterValidator(_http_url)]
EnvironmentName = Annotated[StrictStr, AfterValidator(_env_name)]
Variables = Annotated[
    dict[StrictStr, StrictStr | StrictInt | float | StrictBool],
    Field(max_length=500),
    AfterValidator(_variables),
]
Id = Annotated[StrictStr, Field(min_length=1, max_length=40)]
