"""The OpenAPI document: error responses declared per route with the one error
schema, and the parts of the document that depend on the settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from bugbrain.api.deps import BEARER_SCHEME, needs_key
from bugbrain.schemas.errors import ErrorResponse
from bugbrain.settings import Settings

# What each status means, as a route may answer it.
_WHEN = {
    400: "The body is not JSON (`invalid_json`), or is missing or not an object (`invalid_body`).",
    401: "Missing, malformed, unknown, revoked or expired API key (`unauthorized`).",
    403: "A tampered or expired signed URL (`forbidden`).",
    404: "No such object in your workspace (`not_found`).",
    409: "The object's state forbids this (`conflict`).",
    422: "A field is wrong (`validation_error`); `details[].field` names it.",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
}

Responses = dict[int | str, dict[str, Any]]


def errors(*statuses: int | tuple[int, str]) -> Responses:
    """``responses=`` for the error statuses a route can answer, each with the
    common error body; ``(status, "when")`` says when, for this route."""
    out: Responses = {}
    for item in statuses:
        status, when = item if isinstance(item, tuple) else (item, _WHEN[item])
        out[status] = {"model": ErrorResponse, "description": when}
        if status in _HEADERS:
            out[status]["headers"] = _HEADERS[status]
    return out


def location_header(description: str) -> dict[str, Any]:
    return {"Location": {"description": description, "schema": {"type": "string"}}}


def install(app: FastAPI, settings: Settings, routers: list[APIRouter]) -> None:
    """Build the document once, on first request, with the settings' values
    (``routers``: the app's, whose operations may take an API key)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _bearer_security(document, routers)
            _drop_default_validation_errors(document)
            _narrow_merged_schemas(document)
            _timeout_bounds(document, settings)
            _date_filters(document)
            app.openapi_schema = document
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 - FastAPI's documented override


def _bearer_security(document: dict[str, Any], routers: list[APIRouter]) -> None:
    """The bearer scheme on every operation that takes an API key, as FastAPI
    writes a security dependency's (``api.deps``: it is not one)."""
    name = BEARER_SCHEME.scheme_name
    secured = False
    for route in (route for router in routers for route in router.routes):
        if not (isinstance(route, APIRoute) and route.include_in_schema and needs_key(route)):
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            # Where FastAPI puts it: right after the operation id.
            entries = [(k, v) for k, v in operation.items() if k != "security"]
            at = next(i for i, (key, _) in enumerate(entries) if key == "operationId") + 1
            entries.insert(at, ("security", [{name: []}]))
            operation.clear()
            operation.update(entries)
            secured = True
    if secured:
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[name] = jsonable_encoder(BEARER_SCHEME.model, by_alias=True, exclude_none=True)


def _drop_default_validation_errors(document: dict[str, Any]) -> None:
    """FastAPI adds a ``422`` with its own error shape to every route with
    parameters. Routes that can answer 422 declare it with the common shape;
    on the others (a path parameter alone) it cannot happen."""
    default = "#/components/schemas/HTTPValidationError"
    for path in document.get("paths", {}).values():
        for operation in path.values():
            response = operation.get("responses", {}).get("422", {})
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") == default:
                del operation["responses"]["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def _narrow_merged_schemas(document: dict[str, Any]) -> None:
    """A route whose ``response_model`` is a union (``POST /executions``: the
    execution, or the queued body) and that names one member for a status in
    ``responses`` gets both merged into one schema by FastAPI: keep the member."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    schema = media.get("schema", {})
                    if "$ref" in schema and "anyOf" in schema:
                        media["schema"] = {"$ref": schema["$ref"]}


# What a date filter takes (``routes.executions.DateFilter``). The last form is
# spelled so that every string it matches is a real date-time (days up to 28).
_ZONELESS = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])[Tt ]"
    r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
)
DATE_FILTER = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date", "description": "Midnight UTC."},
        {"type": "string", "pattern": _ZONELESS, "description": "Without a zone: UTC."},
    ]
}


def _date_filters(document: dict[str, Any]) -> None:
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                branches = schema.get("anyOf", [schema])
                if parameter.get("in") == "query" and {"type": "string", "format": "date-time"} in (
                    branches
                ):
                    parameter["schema"] = {**DATE_FILTER, "title": schema.get("title", "")}


def _timeout_bounds(document: dict[str, Any], settings: Settings) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    # Every body that takes an execution's timeout: the same setting bounds it.
    for model in ("ExecutionCreate", "ScheduleCreate", "ScheduleUpdate"):
        properties = schemas.get(model, {}).get("properties", {})
        for branch in properties.get("timeout_seconds", {}).get("anyOf", []):
            if branch.get("type") == "integer":
                branch["maximum"] = settings.max_timeout_seconds
    create = schemas.get("ExecutionCreate", {}).get("properties", {})
    if "timeout_seconds" in create:
        create["timeout_seconds"]["description"] = (
            f"At most {settings.max_timeout_seconds} (`BUGBRAIN_MAX_TIMEOUT_SECONDS`); default "
            f"{settings.default_timeout_seconds}. Counted from the moment a worker claims it."
        )
