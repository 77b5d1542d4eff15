"""Request bodies must be RFC 8259 JSON. Python's parser also takes NaN and
Infinity, and other failures (bad UTF-8, nesting too deep) surface from
FastAPI as a bare 400; this route class checks the body first so every
unparseable body gets the same precise ``invalid_json`` error."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from fastapi import Request, Response
from fastapi.routing import APIRoute

from bugbrain.api.errors import error_response
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


class StrictJsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            # A route that takes no body ignores whatever it is sent.
            if self.body_field is not None and request.method in _BODY_METHODS:
                body = await request.body()  # cached: the handler reuses it
                problem = json_problem(body) if body.strip() else None
                if problem is not None:
                    detail = FieldError("body", f"request body is not valid JSON ({problem})")
                    return error_response(
                        400, "invalid_json", f"Invalid request: {detail.message}", [detail]
                    )
            return await handler(request)

        return checked
