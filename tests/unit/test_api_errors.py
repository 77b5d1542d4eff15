"""The error mapping of the API: field names from pydantic locations, and the
status/code/details chosen for a list of validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bugbrain.api.errors import error_body, field_name, validation_details
from bugbrain.errors import FieldError
from bugbrain.schemas import test_cases, test_plans
from bugbrain.schemas.executions import ExecutionCreate
from bugbrain.schemas.projects import ProjectCreate

# Imported under other names: pytest would try to collect classes called Test*.
CaseCreate = test_cases.TestCaseCreate
PlanCreate = test_plans.TestPlanCreate

# --------------------------------------------------------------------------- field_name

FIELD_NAMES: list[tuple[tuple[Any, ...], str]] = [
    (("query", "limit"), "limit"),
    (("query", "created_after"), "created_after"),
    (("path", "execution_id"), "execution_id"),
    (("header", "authorization"), "authorization"),
    (("body", "name"), "name"),
    (("body", "steps", 0, "action"), "steps[0].action"),
    (("body", "steps", 3), "steps[3]"),
    (("body", "tags", 1), "tags[1]"),
    (("body", "test_case_ids", 0), "test_case_ids[0]"),
    (("body", "environments", "staging", "base_url"), "environments.staging.base_url"),
    # union members and validators add tags that are not field names
    (("body", "timeout_seconds", "int"), "timeout_seconds"),
    (("body", "variables", "k", "str"), "variables.k"),
    (("body", "variables", "k", "float"), "variables.k"),
    (("body", "variables", "k", "bool"), "variables.k"),
    (("body", "base_url", "nullable"), "base_url"),
    (("body", "base_url", "none"), "base_url"),
    (("body", "x", "dict"), "x"),
    (("body", "x", "list"), "x"),
    (("body", "base_url", "function-after[_http_url(), constrained-str]"), "base_url"),
    (("body", "name", "constrained-str"), "name"),
    (("body", "steps", 0, "action", "function-after[_action(), str]"), "steps[0].action"),
    # a dict key that failed validation is tagged '[key]'
    (("body", "environments", "bad name!", "[key]"), "environments.bad name!"),
    (("body", "variables", "1x", "[key]"), "variables.1x"),
    # the whole body, or no location at all
    (("body",), "body"),
    (("query",), "query"),
    ((), "body"),
    # no known prefix: every part is a field
    (("name",), "name"),
    (("project", "name"), "project.name"),
]


@pytest.mark.parametrize(("loc", "expected"), FIELD_NAMES)
def test_field_name(loc: tuple[Any, ...], expected: str) -> None:
    assert field_name(loc) == expected


def test_field_name_keeps_dict_keys_that_look_like_tags() -> None:
    # An environment called "int" (integration) whose base_url is wrong.
    errors = _errors(ProjectCreate, {"name": "P", "environments": {"int": {"base_url": "ftp://x"}}})
    _, _, details = validation_details(errors)
    assert [d.field for d in details] == ["environments.int.base_url"]


# --------------------------------------------------------------------------- validation_details


def err(loc: tuple[Any, ...], kind: str = "value_error", msg: str = "bad", **extra: Any) -> Any:
    return {"loc": loc, "type": kind, "msg": msg, **extra}


def test_json_invalid_is_400_invalid_json() -> None:
    errors = [
        err(("body", 1), "json_invalid", "JSON decode error", ctx={"error": "Expecting value"})
    ]
    status, code, details = validation_details(errors)
    assert (status, code) == (400, "invalid_json")
    assert details == [FieldError("body", "request body is not valid JSON (Expecting value)")]


def test_json_invalid_without_context() -> None:
    status, code, details = validation_details([err(("body", 0), "json_invalid")])
    assert (status, code) == (400, "invalid_json")
    assert details == [FieldError("body", "request body is not valid JSON (malformed JSON)")]


def test_json_invalid_wins_over_field_errors() -> None:
    errors = [err(("body", "name"), "missing"), err(("body", 3), "json_invalid")]
    status, code, details = validation_details(errors)
    assert (status, code) == (400, "invalid_json")
    assert [d.field for d in details] == ["body"]


def test_missing_body_is_400_invalid_body() -> None:
    status, code, details = validation_details([err(("body",), "missing", "Field required")])
    assert (status, code) == (400, "invalid_body")
    assert details == [FieldError("body", "request body is required")]


@pytest.mark.parametrize("kind", ["model_attributes_type", "dict_type", "model_type"])
def test_non_object_body_is_400_invalid_body(kind: str) -> None:
    status, code, details = validation_details([err(("body",), kind, "Input should be...")])
    assert (status, code) == (400, "invalid_body")
    assert details == [FieldError("body", "request body must be a JSON object")]


def test_field_errors_are_422_in_order() -> None:
    errors = [
        err(("query", "limit"), "greater_than_equal", "Input should be greater than or equal to 1"),
        err(("query", "project_id"), "missing", "Field required"),
        err(("query", "status"), "literal_error", "Input should be 'queued', ..."),
    ]
    status, code, details = validation_details(errors)
    assert (status, code) == (422, "validation_error")
    assert details == [
        FieldError("limit", "Input should be greater than or equal to 1"),
        FieldError("project_id", "field required"),
        FieldError("status", "Input should be 'queued', ..."),
    ]


MESSAGES = [
    ("missing", "Field required", "field required"),
    ("extra_forbidden", "Extra inputs are not permitted", "unknown field"),
    ("value_error", "Value error, must not be empty", "must not be empty"),
    ("int_type", "Input should be a valid integer", "Input should be a valid integer"),
]


@pytest.mark.parametrize(("kind", "msg", "expected"), MESSAGES)
def test_messages(kind: str, msg: str, expected: str) -> None:
    _, _, details = validation_details([err(("body", "x"), kind, msg)])
    assert details == [FieldError("x", expected)]


def test_message_defaults_when_pydantic_gives_none() -> None:
    _, _, details = validation_details([{"loc": ("body", "x"), "type": "odd"}])
    assert details == [FieldError("x", "invalid value")]


def test_union_members_report_one_detail_per_field() -> None:
    errors = [
        err(("body", "variables", "k", "str"), "string_type", "Input should be a valid string"),
        err(("body", "variables", "k", "int"), "int_type", "Input should be a valid integer"),
        err(("body", "variables", "k", "float"), "float_type", "Input should be a valid number"),
        err(("body", "variables", "k", "bool"), "bool_type", "Input should be a valid boolean"),
        err(("body", "name"), "missing"),
    ]
    status, code, details = validation_details(errors)
    assert (status, code) == (422, "validation_error")
    assert details == [
        FieldError("variables.k", "Input should be a valid string"),
        FieldError("name", "field required"),
    ]


def test_no_errors_is_an_empty_422() -> None:
    assert validation_details([]) == (422, "validation_error", [])


# --------------------------------------------------------------------------- real pydantic errors


def _errors(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    """The errors FastAPI would hand over for this request body."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [{**e, "loc": ("body", *e["loc"])} for e in caught.value.errors()]


REAL: list[tuple[type[BaseModel], dict[str, Any], list[str]]] = [
    (ExecutionCreate, {}, ["test_plan_id", "project_id"]),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "timeout_seconds": 0},
        ["timeout_seconds"],
    ),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "timeout_seconds": True},
        ["timeout_seconds"],
    ),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "timeout_seconds": 1.5},
        ["timeout_seconds"],
    ),
    (ExecutionCreate, {"test_plan_id": "tp", "project_id": "p", "variables": ["a"]}, ["variables"]),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "variables": {"n": {"a": 1}}},
        ["variables.n"],
    ),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "variables": {"1x": "v"}},
        ["variables"],
    ),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "wait_for_completion": "yes"},
        ["wait_for_completion"],
    ),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "timeout_second": 5},
        ["timeout_second"],
    ),
    (
        ExecutionCreate,
        {"test_plan_id": "tp", "project_id": "p", "environment": "a b"},
        ["environment"],
    ),
    (ProjectCreate, {"name": "  "}, ["name"]),
    (ProjectCreate, {"name": "P", "base_url": "ftp://x"}, ["base_url"]),
    (ProjectCreate, {"name": "P", "environments": {"bad name!": {}}}, ["environments.bad name!"]),
    (
        ProjectCreate,
        {"name": "P", "environments": {"qa": {"base_url": "x"}}},
        ["environments.qa.base_url"],
    ),
    (
        CaseCreate,
        {"project_id": "p", "name": "T", "steps": [{"action": "fly"}]},
        ["steps[0].action"],
    ),
    (
        CaseCreate,
        {"project_id": "p", "name": "T", "steps": [{"action": "click"}, {}]},
        ["steps[1]"],
    ),
    (CaseCreate, {"project_id": "p", "name": "T", "tags": "smoke"}, ["tags"]),
    (CaseCreate, {"project_id": "p", "name": "T", "tags": ["a", ""]}, ["tags[1]"]),
    (CaseCreate, {"project_id": "p", "name": "T", "priority": "urgent"}, ["priority"]),
    (PlanCreate, {"project_id": "p", "name": "P", "parallelism": 17}, ["parallelism"]),
    (PlanCreate, {"project_id": "p", "name": "P", "test_case_ids": ["a", 1]}, ["test_case_ids[1]"]),
    (PlanCreate, {"project_id": "p", "name": "P", "browser": "firefox"}, ["browser"]),
]


@pytest.mark.parametrize(("model", "data", "fields"), REAL)
def test_real_pydantic_errors(
    model: type[BaseModel], data: dict[str, Any], fields: list[str]
) -> None:
    status, code, details = validation_details(_errors(model, data))
    assert (status, code) == (422, "validation_error")
    assert [d.field for d in details] == fields
    assert all(d.message for d in details)


@pytest.mark.parametrize("data", [[], "text", 3, None])
def test_real_non_object_body(data: Any) -> None:
    status, code, details = validation_details(_errors(ExecutionCreate, data))
    assert (status, code) == (400, "invalid_body")
    assert [d.field for d in details] == ["body"]


# --------------------------------------------------------------------------- error_body


def test_error_body_without_details() -> None:
    assert error_body("not_found", "Project x not found") == {
        "error": {"code": "not_found", "message": "Project x not found"}
    }


def test_error_body_with_details() -> None:
    body = error_body("validation_error", "bad", [FieldError("limit", "too big")])
    assert body == {
        "error": {
            "code": "validation_error",
            "message": "bad",
            "details": [{"field": "limit", "message": "too big"}],
        }
    }
