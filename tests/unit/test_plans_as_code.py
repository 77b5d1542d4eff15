"""Plans as code without a server: the file format and its JSON Schema, errors
with their line, the diff and plan logic, and export's documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bugbrain.ascode import changes, fileformat, remote
from bugbrain.ascode.changes import ABSENT, FieldChange, PlanError, Secret
from bugbrain.ascode.fileformat import PlanSettings, ProjectSpec
from bugbrain.ascode.yamlio import FileError, load_project, load_projects
from bugbrain.client.models import Project
from bugbrain.schemas import test_plans

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = {"value": None, "secret": True}


def test_the_committed_json_schema_is_the_generated_one() -> None:
    committed = (ROOT / fileformat.SCHEMA_PATH).read_text()
    assert committed == fileformat.schema_text(), (
        "run: python -m bugbrain.ascode.fileformat (writes schemas/bugbrain-project.schema.json)"
    )
    schema = json.loads(committed)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(ProjectSpec.model_fields)


def test_plan_settings_are_the_apis_with_its_defaults() -> None:
    api = {
        name: info.default
        for name, info in test_plans.TestPlanCreate.model_fields.items()
        if name not in {"project_id", "name", "description", "test_case_ids"}
    }
    assert PlanSettings().model_dump() == api
    assert tuple(api) == changes.SETTINGS


# ---- reading ------------------------------------------------------------------


def _load(tmp_path: Path, text: str, name: str = "p.yaml") -> ProjectSpec:
    path = tmp_path / name
    path.write_text(text)
    return load_project(path).spec


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(FileError) as caught:
        load_project(path)
    return [str(p).removeprefix(f"{path}:").strip() for p in caught.value.problems]


def test_yaml_1_2_keeps_text_as_text(tmp_path: Path) -> None:
    spec = _load(
        tmp_path,
        "name: P\nvariables: {answer: no, code: '0123', on: on, day: 2025-03-08}\n"
        "test_cases:\n  - name: c\n    steps:\n      - {action: fill, selector: '#x', value: no}\n",
    )
    assert spec.variables == {"answer": "no", "code": "0123", "on": "on", "day": "2025-03-08"}
    assert spec.test_cases[0].steps[0].value == "no"


def test_errors_name_the_line_and_the_field(tmp_path: Path) -> None:
    assert _problems(tmp_path, "name: P\nbase_url: ftp://x\n") == [
        "2:1: base_url: must be an absolute http:// or https:// URL"
    ]
    found = _problems(
        tmp_path,
        "name: P\ntest_cases:\n  - name: a\n    steps:\n      - {action: fly}\n"
        "      - {selector: '#x'}\n",
    )
    assert found[0].startswith("5:10: test_cases[0].steps[0].action: unknown action 'fly'")
    assert found[1] == "6:9: test_cases[0].steps[1]: a step needs an action or a description"
    assert _problems(tmp_path, "name: P\nvariables:\n  n: null\n") == [
        "3:3: variables.n: must be a string, number or boolean, or {secret_env: NAME}"
    ]
    assert _problems(tmp_path, "name: P\ntest_plans:\n  - name: x\n    settings: {retries: 9}\n")[
        0
    ].startswith("4:16: test_plans[0].settings.retries: Input should be less than or equal to 5")
    assert _problems(tmp_path, "base_url: http://x\n") == ["1:1: name: required"]
    assert _problems(tmp_path, "name: P\nenvironments:\n  qa: {colour: red}\n") == [
        "3:8: environments.qa.colour: unknown field 'colour' (known fields: base_url, variables)"
    ]


def test_names_used_twice_and_a_default_environment_that_does_not_exist(tmp_path: Path) -> None:
    found = _problems(
        tmp_path,
        "name: P\ndefault_environment: prod\nenvironments: {qa: {}}\n"
        "test_cases:\n  - name: a\n  - name: a\n"
        "test_plans:\n  - name: x\n    test_cases: [a, a]\n",
    )
    assert found == [
        "6:5: test_cases[1].name: test case 'a' is named twice",
        "9:21: test_plans[0].test_cases[1]: test case 'a' is named twice",
        "2:1: default_environment: 'prod' is not one of environments (qa)",
    ]


def test_not_yaml_or_not_a_project(tmp_path: Path) -> None:
    assert _problems(tmp_path, "name: P\nname: Q\n")[0].startswith("2:1: not valid YAML")
    assert _problems(tmp_path, "- a\n- b\n") == [
        "1:1: expected a project: a mapping with name, test_cases, …"
    ]
    assert _problems(tmp_path, "") == ["empty: expected a project (name: …)"]
    assert _problems(tmp_path, "name: !secret x\n")[0].startswith("1:1: unsupported YAML value")


def test_a_directory_is_read_whole_and_a_project_may_be_in_one_file_only(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: A\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("name: B\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.yaml").write_text("not: a project\n")
    (tmp_path / "notes.txt").write_text("ignored")
    assert [p.spec.name for p in load_projects([tmp_path])] == ["A", "B"]
    (tmp_path / "sub" / "again.yaml").write_text("name: A\n")
    with pytest.raises(FileError) as caught:
        load_projects([tmp_path])
    assert "project 'A' is also in" in str(caught.value)
    with pytest.raises(FileError, match="no such file or directory"):
        load_projects([tmp_path / "missing.yaml"])


# ---- planning -----------------------------------------------------------------

SPEC = ProjectSpec.model_validate(
    {
        "name": "Shop",
        "base_url": "http://shop.example",
        "variables": {"email": "a@example.com", "n": 2, "on": True, "pw": {"secret_env": "PW"}},
        "environments": {"qa": {"variables": {"t": {"secret_env": "T"}}}},
        "default_environment": "qa",
        "test_cases": [
            {"name": "Login", "tags": ["smoke"], "steps": [{"action": "goto", "value": "/"}]},
            {"name": "Cart", "steps": [{"description": "Click 'Add'"}]},
        ],
        "test_plans": [{"name": "Smoke", "test_cases": ["Login", "Cart"]}],
        "schedules": [{"name": "Nightly", "test_plan": "Smoke", "cron": "@daily"}],
    }
)


def _server() -> dict[str, Any]:
    """What the server answers after applying ``SPEC``."""
    step = {"step_id": "step_1", "description": "", "action": "navigate", "selector": None}
    return {
        "project": {
            "id": "proj_1",
            "name": "Shop",
            "base_url": "http://shop.example",
            "default_environment": "qa",
            "variables": {"email": "a@example.com", "n": "2", "on": "true", "pw": HIDDEN},
            "environments": {"qa": {"base_url": None, "variables": {"t": HIDDEN}}},
        },
        "cases": [
            {
                "id": "test_1",
                "name": "Login",
                "description": "",
                "status": "active",
                "priority": "medium",
                "tags": ["smoke"],
                "steps": [{**step, "value": "/"}],
            },
            {
                "id": "test_2",
                "name": "Cart",
                "description": "",
                "status": "active",
                "priority": "medium",
                "tags": [],
                "steps": [{**step, "description": "Click 'Add'", "action": None, "value": None}],
            },
        ],
        "plans": [
            {
                "id": "tp_1",
                "name": "Smoke",
                "description": "",
                "test_case_ids": ["test_1", "test_2"],
                **PlanSettings().model_dump(mode="json"),
            }
        ],
        "schedules": [
            {
                "id": "sch_1",
                "name": "Nightly",
                "test_plan_id": "tp_1",
                "cron": "@daily",
                "timezone": "UTC",
                "environment": None,
                "variables": {},
                "timeout_seconds": None,
                "enabled": True,
            }
        ],
    }


def _plan(spec: ProjectSpec = SPEC, **server: Any) -> changes.ProjectPlan:
    state = {**_server(), **server}
    return changes.plan_project(
        spec,
        state["project"],
        state["cases"],
        state["plans"],
        state["schedules"],
        update_secrets=state.get("update_secrets", False),
    )


def _verbs(plan: changes.ProjectPlan) -> list[tuple[str, str, str]]:
    return [(op.kind, op.name, op.verb) for op in plan.operations]


def test_a_new_project_creates_everything_with_the_api_fields() -> None:
    plan = changes.plan_project(SPEC, None)
    assert {op.verb for op in plan.operations} == {"create"}
    assert plan.project.send["variables"] == {
        "email": "a@example.com",
        "n": "2",
        "on": "true",
        "pw": Secret("PW"),
    }
    body = changes.resolve(plan.project.send, {"PW": "s3cret", "T": "tok"})
    assert body["variables"]["pw"] == {"value": "s3cret", "secret": True}
    assert body["environments"]["qa"]["variables"]["t"] == {"value": "tok", "secret": True}
    login = plan.children[0].send
    assert login["steps"] == [
        {"description": "", "action": "navigate", "selector": None, "value": "/"}
    ]
    assert plan.children[2].send["test_cases"] == ["Login", "Cart"]
    assert plan.children[3].send["test_plan"] == "Smoke"


def test_what_the_server_holds_already_is_unchanged_secrets_included() -> None:
    plan = _plan()
    assert {op.verb for op in plan.operations} == {"unchanged"}
    assert [op.id for op in plan.operations] == ["proj_1", "test_1", "test_2", "tp_1", "sch_1"]
    assert plan.left_alone == []


def test_update_secrets_sends_them_again() -> None:
    plan = _plan(update_secrets=True)
    assert plan.project.verb == "update"
    assert changes.changed_fields(plan.project.changes) == ["variables", "environments"]
    assert plan.project.send["variables"]["email"] == "a@example.com"  # the map goes whole


def test_changes_are_listed_field_by_field() -> None:
    server = _server()
    server["project"]["variables"]["pw"] = "plain now"
    server["project"]["variables"]["old"] = "x"
    server["project"]["base_url"] = "http://old.example"
    server["cases"][0]["steps"][0]["value"] = "/home"
    server["plans"][0]["retries"] = 3
    server["plans"][0]["test_case_ids"] = ["test_2", "test_1"]
    plan = _plan(**server)
    assert _verbs(plan) == [
        ("project", "Shop", "update"),
        ("test case", "Login", "update"),
        ("test case", "Cart", "unchanged"),
        ("test plan", "Smoke", "update"),
        ("schedule", "Nightly", "unchanged"),
    ]
    assert plan.project.changes == [
        FieldChange("base_url", "http://old.example", "http://shop.example"),
        FieldChange("variables.pw", "plain now", Secret("PW")),
        FieldChange("variables.old", "x", ABSENT),
    ]
    assert set(plan.project.send) == {"base_url", "variables"}
    smoke = plan.children[2]
    assert set(smoke.send) == {"test_cases", "retries"}
    lines = changes.report([plan], dry_run=True)
    assert lines[:4] == [
        "project 'Shop': would be updated (base_url, variables)",
        "    base_url: 'http://old.example' → 'http://shop.example'",
        "    variables.pw: 'plain now' → (secret from $PW)",
        "    variables.old: removed (was 'x')",
    ]
    assert "      steps: 1 → 1" in lines
    assert "        - navigate value='/home'" in lines
    assert "        + navigate value='/'" in lines
    assert "      test_cases: ['Cart', 'Login'] → ['Login', 'Cart']" in lines
    assert lines[-1] == "0 to create, 3 to update, 2 unchanged; dry run: nothing was changed"


def test_objects_the_file_does_not_name_are_left_alone() -> None:
    server = _server()
    server["cases"].append({**server["cases"][1], "id": "test_3", "name": "Legacy"})
    plan = _plan(**server)
    assert plan.left_alone == [("test case", "Legacy")]
    assert "  left alone (on the server, not in the file): test case 'Legacy'" in (
        changes.report([plan], dry_run=False)
    )


def test_ambiguous_names_and_references_to_nothing_are_refused() -> None:
    server = _server()
    server["cases"].append({**server["cases"][0], "id": "test_9"})
    with pytest.raises(PlanError) as caught:
        _plan(**server)
    ((loc, message),) = caught.value.problems
    assert loc == ("test_cases", 0, "name")
    assert "2 test cases named 'Login' (test_1, test_9)" in message

    dangling = SPEC.model_copy(
        update={
            "test_plans": [SPEC.test_plans[0].model_copy(update={"test_cases": ["Login", "Gone"]})],
            "schedules": [SPEC.schedules[0].model_copy(update={"test_plan": "Nope"})],
        }
    )
    with pytest.raises(PlanError) as caught:
        changes.plan_project(dangling, None)
    assert [loc for loc, _ in caught.value.problems] == [
        ("test_plans", 0, "test_cases", 1),
        ("schedules", 0, "test_plan"),
    ]
    # A test case on the server only may be listed.
    server = _server()
    server["cases"].append({**server["cases"][0], "id": "test_7", "name": "Gone"})
    changes.plan_project(
        dangling.model_copy(update={"schedules": []}),
        **{"project": server["project"], "cases": server["cases"], "plans": server["plans"]},
    )


def test_secret_references_are_found_everywhere() -> None:
    assert changes.secret_refs(SPEC) == [
        (("variables", "pw"), "PW"),
        (("environments", "qa", "variables", "t"), "T"),
    ]


# ---- export -------------------------------------------------------------------


def test_export_writes_what_is_not_a_default_and_reads_back_the_same(tmp_path: Path) -> None:
    server = _server()
    project = Project.model_validate(
        {
            **server["project"],
            "created_at": "2025-01-01T00:00:00.000Z",
            "updated_at": "2025-01-01T00:00:00.000Z",
        }
    )
    state = remote.ServerState(server["cases"], server["plans"], server["schedules"])
    document = remote.project_document(project, state)
    assert document["variables"]["pw"] == {"secret_env": "SHOP_PW"}
    assert document["environments"] == {"qa": {"variables": {"t": {"secret_env": "SHOP_QA_T"}}}}
    assert [c["name"] for c in document["test_cases"]] == ["Cart", "Login"]  # by name
    assert document["test_cases"][0] == {"name": "Cart", "steps": [{"description": "Click 'Add'"}]}
    assert document["test_plans"] == [{"name": "Smoke", "test_cases": ["Login", "Cart"]}]
    assert document["schedules"] == [{"name": "Nightly", "test_plan": "Smoke", "cron": "@daily"}]

    text = remote.export_text(document)
    assert "Secrets are read from these environment variables" in text
    assert "pw: {secret_env: SHOP_PW}" in text
    spec = _load(tmp_path, text)
    plan = changes.plan_project(
        spec, server["project"], server["cases"], server["plans"], server["schedules"]
    )
    assert {op.verb for op in plan.operations} == {"unchanged"}


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        (("Demo shop", "password"), "DEMO_SHOP_PASSWORD"),
        (("Shop", "staging-eu", "api.token"), "SHOP_STAGING_EU_API_TOKEN"),
        (("2nd shop", "pw"), "BB_2ND_SHOP_PW"),
        (("Ünï", "x"), "N_X"),
    ],
)
def test_placeholder_environment_variables(parts: tuple[str, ...], name: str) -> None:
    assert remote.env_name(*parts) == name
    assert fileformat.ENV_VAR_RE.match(name)


def test_diff_goes_into_mappings() -> None:
    before = {"environments": {"qa": {"base_url": None, "variables": {"a": "1"}}}}
    after = {"environments": {"qa": {"base_url": "http://q", "variables": {}}, "prod": {}}}
    assert changes.diff(before, after) == [
        FieldChange("environments.qa.base_url", None, "http://q"),
        FieldChange("environments.qa.variables.a", "1", ABSENT),
        FieldChange("environments.prod", ABSENT, {}),
    ]
    assert changes.same(Secret(None), Secret("X"))
    assert not changes.same(Secret(None), Secret("X"), update_secrets=True)
    assert not changes.same(1, "1")


# ---- the JSON Schema, as editors use it ----------------------------------------


def _schema_errors(document: Any) -> list[str]:
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads((ROOT / fileformat.SCHEMA_PATH).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def _docs_example() -> str:
    text = (ROOT / "docs" / "plans-as-code.md").read_text()
    return text.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_docs_example_is_a_valid_file_for_apply_and_for_the_schema(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    spec = _load(tmp_path, _docs_example())
    assert [c.name for c in spec.test_cases] == ["Login", "Search"]
    assert changes.secret_refs(spec)[0] == (("variables", "password"), "SHOP_PASSWORD")
    assert _schema_errors(YAML(typ="safe").load(_docs_example())) == []


def test_the_schema_refuses_what_apply_refuses() -> None:
    assert _schema_errors({"name": "P", "colour": "red"})
    assert _schema_errors({"name": "P", "variables": {"pw": {"value": "x", "secret": True}}})
    assert _schema_errors(
        {"name": "P", "test_cases": [{"name": "a", "steps": [{"action": "fly"}]}]}
    )
    assert _schema_errors({"name": "P", "test_plans": [{"name": "x", "settings": {"retries": 9}}]})
    assert not _schema_errors({"name": "P", "variables": {"pw": {"secret_env": "PW"}, "n": 2}})
