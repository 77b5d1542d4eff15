"""Request bodies must be RFC 8259 JSON. Python's parser also takes NaN and
Infinity, and other failures (bad UTF-8, nesting too deep) surface from
FastAPI as a bare 400; this route class checks the body first so every
unparseable body gets the same precise ``invalid_json`` error.

No string of a request may hold the NUL character (U+0000): PostgreSQL's text
cannot store it, and an id holding it names nothing. A body or query field
holding it is refused (422, the field named) and a path holding it is not found,
on every database alike, before any query."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from fastapi import Request, Response
from fastapi.routing import APIRoute

from bugbrain.api.errors import error_response
from bugbrain.api.polled import direct_handler
from bugbrain.errors import FieldError

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def json_problem(body: bytes) -> str | None:
    try:
        json.loads(body, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        return "body is not UTF-8"
    except RecursionError:
        return "nesting is too deep"
    except ValueError as exc:
        return str(exc)
    return None


NUL = "\x00"
NUL_MESSAGE = "must not contain the NUL character (U+0000)"


def nul_fields(value: Any, path: str = "") -> list[str]:
    """Where in a parsed JSON value a string (or an object's key) holds NUL."""
    if isinstance(value, str):
        return [path or "body"] if NUL in value else []
    if isinstance(value, list):
        return [f for i, item in enumerate(value) for f in nul_fields(item, f"{path}[{i}]")]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += [where.replace(NUL, "\\u0000")] if NUL in str(key) else []
            found += nul_fields(item, where)
        return found
    return []


def _refused(fields: list[str]) -> Response:
    details = [FieldError(field, NUL_MESSAGE) for field in fields]
    summary = "; ".join(f"{d.field}: {d.message}" for d in details)
    return error_response(422, "validation_error", f"Invalid request: {summary}", details)


class StrictJsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = direct_handler(self) or super().get_route_handler()
        # Only parameters the route reads: it ignores the others, NUL or not.
        declared = {param.alias for param in self.dependant.query_params}

        async def checked(request: Request) -> Response:
            if any(NUL in str(v) for v in request.path_params.values()):
                return error_response(404, "not_found", "Not found: the path holds NUL (U+0000)")
            in_query = [
                k for k, v in request.query_params.multi_items() if k in declared and NUL in v
            ]
            if in_query:
                return _refused(in_query)
            # A route that takes no body ignores whatever it is sent.
            if self.body_field is not None and request.method in _BODY_METHODS:
                body = await request.body()  # cached: the handler reuses it
                problem = json_problem(body) if body.strip() else None
                if problem is not None:
                    detail = FieldError("body", f"request body is not valid JSON ({problem})")
                    return error_response(
                        400, "invalid_json", f"Invalid request: {detail.message}", [detail]
                    )
                if body.strip() and b"\\u0000" in body.lower():  # the only way JSON spells NUL
                    fields = nul_fields(json.loads(body))
                    if fields:
                        return _refused(fields)
            return await handler(request)

        return checked
