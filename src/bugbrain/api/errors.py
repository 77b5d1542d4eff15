"""One JSON error shape for every failure, mapped in one place:

{"error": {"code": "...", "message": "...", "details": [{"field": ..., "message": ...}]}}
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from bugbrain.errors import (
    AuthError,
    BugbrainError,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    Unavailable,
)

log = logging.getLogger("bugbrain.api")

STATUS_BY_ERROR: dict[type[BugbrainError], int] = {
    AuthError: 401,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    Unavailable: 503,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}

# Location parts pydantic adds for unions and validators; not field names.
_TYPE_TAGS = {"str", "int", "float", "bool", "none", "dict", "list", "nullable"}


def error_body(code: str, message: str, details: list[FieldError] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = [{"field": d.field, "message": d.message} for d in details]
    return {"error": body}


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


_STRUCTURAL_TAG = re.compile(r"^(\[key\]|[a-z-]+\[.*\]|constrained-[a-z]+)$")


def field_name(loc: tuple[Any, ...]) -> str:
    parts = list(loc[1:]) if loc and loc[0] in {"body", "query", "path", "header"} else list(loc)
    # Validators and dict keys add structural tags anywhere; a union adds the
    # member's type name after the field. Only a trailing type name is a tag:
    # elsewhere "int" may be the user's own key (an environment called "int").
    parts = [p for p in parts if isinstance(p, int) or not _STRUCTURAL_TAG.match(str(p))]
    if parts and isinstance(parts[-1], str) and parts[-1] in _TYPE_TAGS and len(parts) > 1:
        parts.pop()
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name = f"{name}.{part}" if name else str(part)
    return name or (str(loc[0]) if loc else "body")


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown field"
    text = str(error.get("msg", "invalid value"))
    return text.removeprefix("Value error, ")


def validation_details(errors: list[dict[str, Any]]) -> tuple[int, str, list[FieldError]]:
    details: list[FieldError] = []
    seen: set[str] = set()
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "malformed JSON")
            detail = FieldError("body", f"request body is not valid JSON ({reason})")
            return 400, "invalid_json", [detail]
        field = field_name(loc)
        if loc == ("body",):
            message = (
                "request body is required"
                if error.get("type") == "missing"
                else "request body must be a JSON object"
            )
            return 400, "invalid_body", [FieldError("body", message)]
        if field in seen:
            continue  # a union reports one error per member; the first says enough
        seen.add(field)
        details.append(FieldError(field, _message(error)))
    return 422, "validation_error", details


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path. Starlette's own ``Allow``
    names only the first route of the path (``GET /executions`` but not ``POST``)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(BugbrainError)
    async def _domain(_: Request, exc: BugbrainError) -> JSONResponse:
        status = next((s for t, s in STATUS_BY_ERROR.items() if isinstance(exc, t)), 400)
        details = exc.details if isinstance(exc, InvalidInput) else None
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, exc.code, exc.message, details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, details = validation_details(list(exc.errors()))
        summary = "; ".join(f"{d.field}: {d.message}" for d in details)
        return error_response(status, code, f"Invalid request: {summary}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")  # not vocabulary: an API error code
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(exc.status_code, code, message, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Internal server error; see the server log")
