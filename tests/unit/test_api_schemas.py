"""The OpenAPI document: every route declares what it answers, errors in the
one error shape, and request schemas that say what the API really accepts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bugbrain.api.app import create_app
from bugbrain.schemas import test_cases as cases
from bugbrain.schemas import test_plans as plans
from bugbrain.schemas.common import NOT_BLANK
from bugbrain.schemas.executions import ExecutionCreate
from bugbrain.schemas.projects import ProjectUpdate
from bugbrain.settings import Settings

ERROR = "#/components/schemas/ErrorResponse"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("openapi"),
        max_timeout_seconds=600,
        default_timeout_seconds=60,
    )
    document: dict[str, Any] = create_app(settings, start_workers=False).openapi()
    return document


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_every_success_response_has_a_model(doc: dict[str, Any]) -> None:
    for method, path, op in operations(doc):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, f"{method} {path}: no success response"
        for status, response in ok.items():
            if status == "204":
                assert "content" not in response, f"{method} {path}"
                continue
            for media, content in response["content"].items():
                schema = content["schema"]
                refs = [schema] if "$ref" in schema else schema.get("oneOf", schema.get("anyOf"))
                if media == "application/json":
                    assert refs, f"{method} {path} {status}: {schema}"
                    assert all(r["$ref"].startswith("#/components/schemas/") for r in refs)


def test_every_error_uses_the_error_schema(doc: dict[str, Any]) -> None:
    for method, path, op in operations(doc):
        responses = op["responses"]
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR}, f"{method} {path} {status}"
        if path.startswith("/api/v1/"):
            assert "401" in responses, f"{method} {path}"
        if "requestBody" in op:
            assert {"400", "422"} <= set(responses), f"{method} {path}"
        if "{" in path and path != "/api/v1/artifacts/{path}":
            assert "404" in responses, f"{method} {path}"
    assert "HTTPValidationError" not in str(doc)


def test_conflicts_are_documented(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    assert "409" in paths["/api/v1/executions/{execution_id}"]["delete"]["responses"]
    assert "409" in paths["/api/v1/projects/{project_id}"]["delete"]["responses"]
    accept = paths["/api/v1/test-cases/{test_case_id}/heals/{heal_id}/accept"]["post"]
    assert "409" in accept["responses"]


def test_queued_responses_document_location(doc: dict[str, Any]) -> None:
    for path in ("/api/v1/executions", "/api/v1/executions/async"):
        assert "Location" in doc["paths"][path]["post"]["responses"]["202"]["headers"]


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for v in node.values() for n in _walk(v))]
    if isinstance(node, list):
        return [n for v in node for n in _walk(v)]
    return []


def test_constraints_are_json_schema_keywords(doc: dict[str, Any]) -> None:
    """Pydantic's own names (ge, max_length, …) mean nothing to a client: a
    constraint placed where pydantic cannot translate it would leak that way."""
    leaked = {"ge", "gt", "le", "lt", "min_length", "max_length", "multiple_of"}
    for name, schema in doc["components"]["schemas"].items():
        for node in _walk(schema):
            if "type" in node or "anyOf" in node:
                assert not leaked & set(node), f"{name}: {node}"


def test_timeout_bounds_follow_the_settings(doc: dict[str, Any]) -> None:
    prop = doc["components"]["schemas"]["ExecutionCreate"]["properties"]["timeout_seconds"]
    (integer,) = [b for b in prop["anyOf"] if b.get("type") == "integer"]
    assert (integer["minimum"], integer["maximum"]) == (1, 600)
    assert "default 60" in prop["description"]


def test_seed_create_bodies_fit_the_schema() -> None:
    for body in (
        {"test_plan_id": "tp_prod_xyz789", "project_id": "proj_abc123", "timeout_seconds": 300},
        {
            "test_plan_id": "tp_prod_xyz789",
            "project_id": "proj_abc123",
            "timeout_seconds": 300,
            "wait_for_completion": True,
        },
        {"test_plan_id": "tp_prod_xyz789", "project_id": "proj_abc123"},
    ):
        ExecutionCreate.model_validate(body)


# ---- schema and behaviour agree ---------------------------------------------------


def _schema_accepts(schema: dict[str, Any], value: Any) -> bool:
    """The string keywords the request schemas use (type, lengths, pattern)."""
    if "anyOf" in schema:
        return any(_schema_accepts(branch, value) for branch in schema["anyOf"])
    if schema.get("type") == "null":
        return value is None
    if schema.get("type") != "string" or not isinstance(value, str):
        return False
    if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
        return False
    return "pattern" not in schema or re.search(schema["pattern"], value) is not None


def _model_accepts(model: type[BaseModel], field: str, value: Any, **rest: Any) -> bool:
    try:
        model.model_validate({field: value, **rest})
    except ValidationError:
        return False
    return True


WHITESPACE_SAMPLES = ["", " ", "\t\n", "\u3000", "\x85", "\xa0 \u2028", "\x1c", "\u200b"]
STRINGS: list[tuple[type[BaseModel], str, list[str], dict[str, Any]]] = [
    (
        cases.TestCaseUpdate,
        "name",
        [*WHITESPACE_SAMPLES, "a", " a ", "a" * 300, " " + "a" * 299, "a" * 300 + " ", "a" * 301],
        {},
    ),
    (
        ProjectUpdate,
        "base_url",
        [
            "http://a",
            " https://x.y:80/p?q=1#f ",
            "HTTP://0",
            "ftp://a",
            "http://",
            "http:///x",
            "http://a b",
            "http://a/b c",
            "http://[::1]:8000/",
            "\x00http://a",
            "http://a\x7f",
            "http://a\n",
            "\u3000http://a",
            "http://" + "a" * 1993,
            "http://" + "a" * 1994,
        ],
        {},
    ),
    (
        ProjectUpdate,
        "default_environment",
        ["staging", " prod ", "", " ", "a b", "a" * 100, "a" * 101, "st@ge", "\x85x"],
        {},
    ),
    (
        ExecutionCreate,
        "project_id",
        ["proj_abc", " p ", "", " ", "\u3000", "a" * 40, "a" * 41, " " + "a" * 40],
        {"test_plan_id": "tp_x"},
    ),
]


@pytest.mark.parametrize(
    ("model", "field", "value", "rest"),
    [
        pytest.param(model, field, value, rest, id=f"{model.__name__}.{field}={value[:12]!r}")
        for model, field, values, rest in STRINGS
        for value in values
    ],
)
def test_string_schemas_say_what_is_accepted(
    model: type[BaseModel], field: str, value: str, rest: dict[str, Any]
) -> None:
    schema = model.model_json_schema()["properties"][field]
    assert _schema_accepts(schema, value) == _model_accepts(model, field, value, **rest)


@pytest.mark.parametrize("tag", ["a", " a ", "", " ", "\u3000", "a" * 50, "a" * 51])
def test_tags(tag: str) -> None:
    items = cases.TestCaseUpdate.model_json_schema()["properties"]["tags"]["items"]
    assert _schema_accepts(items, tag) == _model_accepts(cases.TestCaseUpdate, "tags", [tag])


@pytest.mark.parametrize(
    ("key", "accepted"),
    [("email", True), (" email ", True), ("_x.y-z", True), ("1st", False), ("a b", False)],
)
def test_variable_names(key: str, accepted: bool) -> None:
    schema = ExecutionCreate.model_json_schema()["properties"]["variables"]
    assert (re.search(schema["propertyNames"]["pattern"], key) is not None) is accepted
    assert (
        _model_accepts(ExecutionCreate, "variables", {key: 1}, project_id="p", test_plan_id="t")
        is accepted
    )


@pytest.mark.parametrize(
    ("step", "accepted"),
    [
        ({"action": "click", "selector": "#a"}, True),
        ({"description": "Open the cart"}, True),
        ({"description": "  "}, False),
        ({"action": None, "description": "x"}, True),
        ({"action": None}, False),
        ({}, False),
    ],
)
def test_a_step_needs_an_action_or_words(step: dict[str, Any], accepted: bool) -> None:
    branches = cases.StepIn.model_json_schema()["anyOf"]

    def fits(branch: dict[str, Any]) -> bool:
        return all(
            name in step and _schema_accepts(prop, step[name])
            for name, prop in branch["properties"].items()
            if prop.get("type") == "string" and "pattern" in prop
        ) and all(step.get(name) is not None for name in branch["required"])

    assert any(fits(b) for b in branches) is accepted
    try:
        cases.StepIn.model_validate(step)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


@pytest.mark.parametrize(("action", "accepted"), [("click", True), ("goto", True), ("fly", False)])
def test_actions_are_listed(action: str, accepted: bool) -> None:
    prop = cases.StepIn.model_json_schema()["properties"]["action"]
    (listed,) = [b for b in prop["anyOf"] if b.get("type") == "string"]
    assert (action in listed["enum"]) is accepted
    assert _model_accepts(cases.StepIn, "action", action) is accepted


@pytest.mark.parametrize("field", ["name", "description", "status", "tags", "steps"])
def test_update_fields_may_be_left_out_but_not_null(field: str) -> None:
    prop = cases.TestCaseUpdate.model_json_schema()["properties"][field]
    assert "anyOf" not in prop
    assert "default" not in prop
    assert not _model_accepts(cases.TestCaseUpdate, field, None)
    assert cases.TestCaseUpdate.model_validate({}).model_fields_set == set()


@pytest.mark.parametrize(("value", "accepted"), [(2, True), (2.0, True), (2.5, False)])
def test_integers_are_json_integers(value: float, accepted: bool) -> None:
    assert _model_accepts(plans.TestPlanUpdate, "retries", value) is accepted
    assert not _model_accepts(plans.TestPlanUpdate, "retries", "2")
    assert not _model_accepts(plans.TestPlanUpdate, "retries", True)


def test_not_blank_pattern_is_plain_regex() -> None:
    # The same pattern must mean the same in Python, Rust and ECMAScript
    # regexes: character escapes only, no \s (whose meaning differs).
    assert "\\s" not in NOT_BLANK
    assert "\\S" not in NOT_BLANK


def test_views_and_models_live_together() -> None:
    """Routes return models; no route annotation is a bare dict."""
    root = Path(__file__).resolve().parents[2] / "src/bugbrain/api/routes"
    for source in root.glob("*.py"):
        assert "-> dict[" not in source.read_text(), source.name
