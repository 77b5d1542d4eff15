"""``bugbrain apply`` and ``bugbrain export`` against a server, through the SDK.

Apply reads every file and the server's state first, plans every change
(``changes.plan_project``) and only then writes, so a file that names a test
case that exists nowhere changes nothing. A write the server refuses stops
there: what was applied before it stays, and applying again once the file is
fixed finishes the job (every step is by name, so a second run redoes nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from bugbrain.ascode import changes
from bugbrain.ascode.changes import Operation, PlanError, ProjectPlan
from bugbrain.ascode.fileformat import Loc, PlanSettings, ProjectSpec, problems
from bugbrain.ascode.yamlio import FileError, LoadedProject, Problem, dump
from bugbrain.client import Client, ValidationError
from bugbrain.client.models import Project

PAGE = 500
Lister = Callable[[int, int], Any]


def _all(list_page: Lister) -> list[dict[str, Any]]:
    """Every row of a paginated list, as the API's JSON."""
    rows: list[dict[str, Any]] = []
    while True:
        page = list_page(PAGE, len(rows))
        rows.extend(item.model_dump(mode="json") for item in page.data)
        if not page.data or len(rows) >= page.pagination.total:
            return rows


@dataclass
class ServerState:
    cases: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)


def read_state(client: Client, project_id: str) -> ServerState:
    return ServerState(
        cases=_all(
            lambda limit, offset: client.list_test_cases(project_id, limit=limit, offset=offset)
        ),
        plans=_all(
            lambda limit, offset: client.list_test_plans(project_id, limit=limit, offset=offset)
        ),
        schedules=_all(
            lambda limit, offset: client.list_schedules(project_id, limit=limit, offset=offset)
        ),
    )


def all_projects(client: Client) -> list[dict[str, Any]]:
    return _all(lambda limit, offset: client.list_projects(limit=limit, offset=offset))


# ---- apply --------------------------------------------------------------------


@dataclass
class Planned:
    loaded: LoadedProject
    plan: ProjectPlan
    state: ServerState


def check_secrets(loaded: Sequence[LoadedProject], environ: Mapping[str, str]) -> dict[str, str]:
    """The value of every secret the files refer to; ``FileError`` naming each
    one whose environment variable is unset or empty."""
    values: dict[str, str] = {}
    missing: list[Problem] = []
    for project in loaded:
        for loc, env in changes.secret_refs(project.spec):
            value = environ.get(env, "")
            if value.strip():
                values[env] = value
            else:
                missing.append(
                    project.problem(
                        (*loc, "secret_env"),
                        f"{'.'.join(str(p) for p in loc)}: the environment variable {env} "
                        "is not set (or empty): it holds this secret's value",
                    )
                )
    if missing:
        raise FileError(missing)
    return values


def plan_all(
    client: Client, loaded: Sequence[LoadedProject], *, update_secrets: bool
) -> list[Planned]:
    """Every file's plan against the server; nothing is written."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in all_projects(client):
        by_name.setdefault(row["name"], []).append(row)
    found: list[Problem] = []
    planned: list[Planned] = []
    for project in loaded:
        rows = by_name.get(project.spec.name, [])
        if len(rows) > 1:
            ids = ", ".join(r["id"] for r in rows)
            found.append(
                project.problem(
                    ("name",),
                    f"the server has {len(rows)} projects named {project.spec.name!r} "
                    f"({ids}): rename or delete all but one",
                )
            )
            continue
        existing = rows[0] if rows else None
        state = read_state(client, existing["id"]) if existing else ServerState()
        try:
            plan = changes.plan_project(
                project.spec,
                existing,
                state.cases,
                state.plans,
                state.schedules,
                update_secrets=update_secrets,
            )
        except PlanError as error:
            found.extend(project.problem(loc, message) for loc, message in error.problems)
            continue
        planned.append(Planned(project, plan, state))
    if found:
        raise FileError(found)
    return planned


_FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
# The API's names for what the file names otherwise.
_FILE_NAMES = {"test_case_ids": "test_cases", "test_plan_id": "test_plan"}


def _loc_of(field_path: str) -> Loc:
    """``steps[2].action`` → ``("steps", 2, "action")``."""
    out: list[str | int] = []
    for name, index in _FIELD_PART.findall(field_path):
        out.append(int(index) if index else _FILE_NAMES.get(name, name))
    return tuple(out)


class Refused(Exception):
    """The server refused a write (``422``); ``problems`` say where in the file."""

    def __init__(self, problems: list[Problem], done: list[Operation]) -> None:
        self.problems = problems
        self.done = done
        super().__init__("\n".join(str(p) for p in problems))


class Applier:
    """Carries out planned operations in order: the project, its test cases,
    plans (their cases by id), schedules (their plan by id)."""

    def __init__(self, client: Client, secrets: Mapping[str, str]) -> None:
        self.client = client
        self.secrets = secrets
        self.done: list[Operation] = []
        self._current: Operation | None = None

    def _send(self, op: Operation) -> dict[str, Any]:
        return cast(dict[str, Any], changes.resolve(op.send, self.secrets))

    def apply(self, planned: Planned) -> None:
        loaded = planned.loaded
        try:
            self._apply(planned)
        except ValidationError as error:
            op = self._current
            assert op is not None
            details = error.details or []
            found = [
                loaded.problem(
                    (*op.loc, *_loc_of(d.field)),
                    f"the server refused {op.kind} {op.name!r}: {d.field}: {d.message}",
                )
                for d in details
            ] or [loaded.problem(op.loc, f"the server refused {op.kind} {op.name!r}: {error}")]
            raise Refused(found, self.done) from None

    def _apply(self, planned: Planned) -> None:
        plan, state = planned.plan, planned.state
        op = self._current = plan.project
        client = self.client
        if op.verb == "create":
            created = client.create_project(op.name, **self._send(op))
            op.id = created.id
        elif op.verb == "update":
            assert op.id is not None
            client.update_project(op.id, **self._send(op))
        self.done.append(op)
        project_id = op.id
        assert project_id is not None
        case_ids = {str(c["name"]): str(c["id"]) for c in state.cases}
        plan_ids = {str(p["name"]): str(p["id"]) for p in state.plans}
        for op in plan.children:
            self._current = op
            body = self._send(op)
            if op.kind == "test case":
                self._case(op, project_id, body)
                case_ids[op.name] = str(op.id)
            elif op.kind == "test plan":
                if "test_cases" in body:
                    body["test_case_ids"] = [case_ids[n] for n in body.pop("test_cases")]
                self._plan(op, project_id, body)
                plan_ids[op.name] = str(op.id)
            else:
                if "test_plan" in body:
                    body["test_plan_id"] = plan_ids[body.pop("test_plan")]
                self._schedule(op, project_id, body)
            self.done.append(op)

    def _case(self, op: Operation, project_id: str, body: dict[str, Any]) -> None:
        if op.verb == "create":
            op.id = self.client.create_test_case(project_id, op.name, **body).id
        elif op.verb == "update":
            self.client.update_test_case(str(op.id), **body)

    def _plan(self, op: Operation, project_id: str, body: dict[str, Any]) -> None:
        if op.verb == "create":
            op.id = self.client.create_test_plan(project_id, op.name, **body).id
        elif op.verb == "update":
            self.client.update_test_plan(str(op.id), **body)

    def _schedule(self, op: Operation, project_id: str, body: dict[str, Any]) -> None:
        if op.verb == "create":
            plan_id = body.pop("test_plan_id")
            cron = body.pop("cron")
            op.id = self.client.create_schedule(project_id, plan_id, op.name, cron, **body).id
        elif op.verb == "update":
            self.client.update_schedule(str(op.id), **body)


# ---- export -------------------------------------------------------------------


def env_name(*parts: str) -> str:
    """A placeholder environment variable for a secret: ``SHOP_STAGING_PASSWORD``."""
    words = [re.sub(r"[^A-Za-z0-9]+", "_", part).strip("_").upper() for part in parts]
    name = "_".join(w for w in words if w) or "SECRET"
    return name if not name[0].isdigit() else f"BB_{name}"


def _variables(values: Mapping[str, Any], *scope: str) -> dict[str, Any]:
    return {
        name: {"secret_env": env_name(*scope, name)} if isinstance(value, Mapping) else value
        for name, value in values.items()
    }


def _step(step: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("description", "action", "selector", "value"):
        if step.get(key) not in (None, ""):
            out[key] = step[key]
    if not out:  # cannot be stored, but never write an empty step
        out["description"] = step.get("description") or ""
    return out


_PLAN_DEFAULTS = PlanSettings().model_dump(mode="json")


def _by_name(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: (str(row["name"]).casefold(), str(row["name"])))


def project_document(project: Project, state: ServerState) -> dict[str, Any]:
    """A project as a file's content: the fields that are not the defaults, its
    test cases, plans and schedules sorted by name, secrets as placeholders."""
    data = project.model_dump(mode="json")
    name = data["name"]
    out: dict[str, Any] = {"name": name}
    if data["base_url"] is not None:
        out["base_url"] = data["base_url"]
    if data["default_environment"] is not None:
        out["default_environment"] = data["default_environment"]
    if data["variables"]:
        out["variables"] = _variables(data["variables"], name)
    if data["environments"]:
        environments: dict[str, Any] = {}
        for env_name_, env in data["environments"].items():
            entry: dict[str, Any] = {}
            if env["base_url"] is not None:
                entry["base_url"] = env["base_url"]
            if env["variables"]:
                entry["variables"] = _variables(env["variables"], name, env_name_)
            environments[env_name_] = entry
        out["environments"] = environments
    case_names = {c["id"]: c["name"] for c in state.cases}
    plan_names = {p["id"]: p["name"] for p in state.plans}
    cases = [_case(c) for c in _by_name(state.cases)]
    plans = [_plan(p, case_names) for p in _by_name(state.plans)]
    schedules = [_schedule(s, plan_names, name) for s in _by_name(state.schedules)]
    if cases:
        out["test_cases"] = cases
    if plans:
        out["test_plans"] = plans
    if schedules:
        out["schedules"] = schedules
    return out


def _case(case: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": case["name"]}
    if case["description"]:
        out["description"] = case["description"]
    if case["status"] != "active":
        out["status"] = case["status"]
    if case["priority"] != "medium":
        out["priority"] = case["priority"]
    if case["tags"]:
        out["tags"] = list(case["tags"])
    if case["steps"]:
        out["steps"] = [_step(s) for s in case["steps"]]
    return out


def _plan(plan: Mapping[str, Any], case_names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": plan["name"]}
    if plan["description"]:
        out["description"] = plan["description"]
    if plan["test_case_ids"]:
        out["test_cases"] = [case_names[i] for i in plan["test_case_ids"]]
    settings = {k: plan[k] for k, default in _PLAN_DEFAULTS.items() if plan[k] != default}
    if settings:
        out["settings"] = settings
    return out


def _schedule(
    schedule: Mapping[str, Any], plan_names: Mapping[str, str], project_name: str
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": schedule["name"],
        "test_plan": plan_names[schedule["test_plan_id"]],
        "cron": schedule["cron"],
    }
    if schedule["timezone"] != "UTC":
        out["timezone"] = schedule["timezone"]
    if schedule["environment"] is not None:
        out["environment"] = schedule["environment"]
    if schedule["variables"]:
        out["variables"] = _variables(schedule["variables"], project_name, schedule["name"])
    if schedule["timeout_seconds"] is not None:
        out["timeout_seconds"] = schedule["timeout_seconds"]
    if not schedule["enabled"]:
        out["enabled"] = False
    return out


def export_text(document: Mapping[str, Any], where: str = "") -> str:
    """The file for ``document``, checked to be one ``bugbrain apply`` takes."""
    spec = ProjectSpec.model_validate(document)
    wrong = problems(spec)
    if wrong:
        raise FileError(
            [Problem(Path(where or spec.name), None, None, message) for _, message in wrong]
        )
    envs = [env for _, env in changes.secret_refs(spec)]
    header = [
        f"bugbrain project {spec.name!r}: `bugbrain apply` this file to create or update it.",
        "Format: docs/plans-as-code.md; JSON Schema: schemas/bugbrain-project.schema.json.",
    ]
    if envs:
        header.append(
            "Secrets are read from these environment variables (placeholder names: "
            "rename them as you like): " + ", ".join(dict.fromkeys(envs))
        )
    return dump(document, header)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "project"
