"""What applying a project file would change: pure, no I/O.

Both sides are brought to one shape (a *view*: what the API stores, with
names instead of ids) and compared field by field. A secret is never read
back from the server, so two secrets of one name are taken as equal unless
``update_secrets`` says to send them again; a variable that becomes or stops
being secret is a change. The server's objects of a project that the file
does not name are left alone and listed as such.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bugbrain.ascode.fileformat import (
    EnvironmentSpec,
    Loc,
    PlanSettings,
    ProjectSpec,
    ScheduleSpec,
    SecretRef,
    StepSpec,
    TestCaseSpec,
    TestPlanSpec,
)

Kind = Literal["project", "test case", "test plan", "schedule"]
Verb = Literal["create", "update", "unchanged"]
PAST: dict[Verb, str] = {"create": "created", "update": "updated", "unchanged": "unchanged"}


@dataclass(frozen=True)
class Secret:
    """A secret variable in a view: the server's (``env`` None: never shown)
    or the file's (read from the environment variable ``env``)."""

    env: str | None = None


class _Absent:
    def __repr__(self) -> str:
        return "(none)"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class FieldChange:
    path: str  # "base_url", "variables.password", "environments.staging.base_url"
    before: Any  # ABSENT when added
    after: Any  # ABSENT when removed


@dataclass
class Operation:
    """One object of a file, and what applying it does."""

    kind: Kind
    name: str
    verb: Verb
    loc: Loc  # where it is in the file
    changes: list[FieldChange] = field(default_factory=list)
    # The view's fields to send: all of them to create, the changed ones to
    # update. Secrets as ``Secret``; plans' cases and schedules' plan by name.
    send: dict[str, Any] = field(default_factory=dict)
    id: str | None = None  # the server's, when it exists


@dataclass
class ProjectPlan:
    project: Operation
    children: list[Operation]
    # Objects of the project on the server that the file does not name.
    left_alone: list[tuple[Kind, str]]

    @property
    def operations(self) -> list[Operation]:
        return [self.project, *self.children]


class PlanError(Exception):
    """The file and the server cannot be matched: a name that is ambiguous on
    the server, or a reference to an object that exists nowhere."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


# ---- views --------------------------------------------------------------------


def plain_value(value: str | int | float | bool) -> str:
    """A variable as the API stores it: text (``true``/``false`` for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def variables_view(variables: Mapping[str, Any]) -> dict[str, Any]:
    """The file's variables (``SecretRef`` for secrets) or the server's
    (``{"value": None, "secret": True}``) as a view."""
    out: dict[str, Any] = {}
    for name, value in variables.items():
        if isinstance(value, SecretRef):
            out[name] = Secret(value.secret_env)
        elif isinstance(value, Mapping):
            out[name] = Secret(None)
        else:
            out[name] = plain_value(value)
    return out


def _environment_view(env: EnvironmentSpec) -> dict[str, Any]:
    return {"base_url": env.base_url, "variables": variables_view(env.variables)}


def project_view(spec: ProjectSpec) -> dict[str, Any]:
    return {
        "base_url": spec.base_url,
        "default_environment": spec.default_environment,
        "variables": variables_view(spec.variables),
        "environments": {name: _environment_view(e) for name, e in spec.environments.items()},
    }


def server_project_view(project: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "base_url": project["base_url"],
        "default_environment": project["default_environment"],
        "variables": variables_view(project["variables"]),
        "environments": {
            name: {"base_url": e["base_url"], "variables": variables_view(e["variables"])}
            for name, e in project["environments"].items()
        },
    }


def step_view(step: StepSpec) -> dict[str, Any]:
    return {
        "description": step.description or "",
        "action": None if step.action is None else str(step.action),
        "selector": step.selector or None,
        "value": None if step.value is None else str(step.value),
    }


def case_view(case: TestCaseSpec) -> dict[str, Any]:
    return {
        "description": case.description,
        "status": case.status,
        "priority": case.priority,
        "tags": list(case.tags),
        "steps": [step_view(s) for s in case.steps],
    }


def server_case_view(case: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "description": case["description"],
        "status": case["status"],
        "priority": case["priority"],
        "tags": list(case["tags"]),
        "steps": [
            {k: step.get(k) for k in ("description", "action", "selector", "value")}
            for step in case["steps"]
        ],
    }


# The API's plan settings (tests/unit/test_plans_as_code.py keeps them alike).
SETTINGS = tuple(PlanSettings.model_fields)


def plan_view(plan: TestPlanSpec) -> dict[str, Any]:
    return {
        "description": plan.description,
        "test_cases": list(plan.test_cases),
        **plan.settings.model_dump(mode="json"),
    }


def server_plan_view(plan: Mapping[str, Any], case_names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "description": plan["description"],
        "test_cases": [case_names.get(i, f"<{i}>") for i in plan["test_case_ids"]],
        **{name: plan[name] for name in SETTINGS},
    }


def schedule_view(schedule: ScheduleSpec) -> dict[str, Any]:
    return {
        "test_plan": schedule.test_plan,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "environment": schedule.environment,
        "variables": variables_view(schedule.variables),
        "timeout_seconds": schedule.timeout_seconds,
        "enabled": schedule.enabled,
    }


def server_schedule_view(
    schedule: Mapping[str, Any], plan_names: Mapping[str, str]
) -> dict[str, Any]:
    plan_id = schedule["test_plan_id"]
    return {
        "test_plan": plan_names.get(plan_id, f"<{plan_id}>"),
        "cron": schedule["cron"],
        "timezone": schedule["timezone"],
        "environment": schedule["environment"],
        "variables": variables_view(schedule["variables"]),
        "timeout_seconds": schedule["timeout_seconds"],
        "enabled": schedule["enabled"],
    }


# ---- comparing ----------------------------------------------------------------


def same(before: Any, after: Any, update_secrets: bool = False) -> bool:
    if isinstance(before, Secret) and isinstance(after, Secret):
        return not update_secrets
    if isinstance(before, dict) and isinstance(after, dict):
        return before.keys() == after.keys() and all(
            same(before[k], after[k], update_secrets) for k in before
        )
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(
            same(a, b, update_secrets) for a, b in zip(before, after, strict=True)
        )
    return bool(type(before) is type(after) and before == after)


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], update_secrets: bool = False
) -> list[FieldChange]:
    """The changed fields, going into mappings (variables, environments) key by key."""
    out: list[FieldChange] = []

    def walk(path: str, old: Any, new: Any) -> None:
        if isinstance(old, dict) and isinstance(new, dict):
            for key in [*old, *(k for k in new if k not in old)]:
                walk(f"{path}.{key}" if path else key, old.get(key, ABSENT), new.get(key, ABSENT))
        elif not same(old, new, update_secrets):
            out.append(FieldChange(path, old, new))

    walk("", dict(before), dict(after))
    return out


def changed_fields(changes: Sequence[FieldChange]) -> list[str]:
    """The top-level fields to send (a change inside ``variables`` sends it whole)."""
    return list(dict.fromkeys(change.path.split(".", 1)[0] for change in changes))


# ---- planning -----------------------------------------------------------------


def _by_name(
    rows: Sequence[Mapping[str, Any]],
    wanted: Sequence[tuple[str, Loc]],
    kind: str,
    problems: list[tuple[Loc, str]],
) -> dict[str, Mapping[str, Any]]:
    """The server's objects by name; a name the file uses that the server holds
    twice is a problem (which one would it change?)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["name"], []).append(row)
    for name, loc in wanted:
        if len(groups.get(name, [])) > 1:
            ids = ", ".join(r["id"] for r in groups[name])
            problems.append(
                (
                    loc,
                    f"the server has {len(groups[name])} {kind}s named {name!r} ({ids}): "
                    "rename or delete all but one",
                )
            )
    return {name: rows_[0] for name, rows_ in groups.items()}


def _operation(
    kind: Kind,
    name: str,
    loc: Loc,
    wanted: dict[str, Any],
    existing: Mapping[str, Any] | None,
    current: dict[str, Any] | None,
    update_secrets: bool,
) -> Operation:
    if existing is None or current is None:
        return Operation(kind, name, "create", loc, send=wanted)
    changes = diff(current, wanted, update_secrets)
    if not changes:
        return Operation(kind, name, "unchanged", loc, id=str(existing["id"]))
    send = {key: wanted[key] for key in changed_fields(changes)}
    return Operation(kind, name, "update", loc, changes, send, str(existing["id"]))


def _dangling(
    spec: ProjectSpec, server_cases: set[str], server_plans: set[str]
) -> list[tuple[Loc, str]]:
    """References to a test case or plan that is neither in the file nor on the server."""
    problems: list[tuple[Loc, str]] = []
    known_cases = {c.name for c in spec.test_cases} | server_cases
    known_plans = {p.name for p in spec.test_plans} | server_plans
    for i, plan in enumerate(spec.test_plans):
        for j, case_name in enumerate(plan.test_cases):
            if case_name not in known_cases:
                problems.append(
                    (
                        ("test_plans", i, "test_cases", j),
                        f"test plan {plan.name!r} lists test case {case_name!r}, which is "
                        "neither in the file nor on the server",
                    )
                )
    for i, schedule in enumerate(spec.schedules):
        if schedule.test_plan not in known_plans:
            problems.append(
                (
                    ("schedules", i, "test_plan"),
                    f"schedule {schedule.name!r} starts test plan {schedule.test_plan!r}, which "
                    "is neither in the file nor on the server",
                )
            )
    return problems


def plan_project(
    spec: ProjectSpec,
    project: Mapping[str, Any] | None,
    cases: Sequence[Mapping[str, Any]] = (),
    plans: Sequence[Mapping[str, Any]] = (),
    schedules: Sequence[Mapping[str, Any]] = (),
    *,
    update_secrets: bool = False,
) -> ProjectPlan:
    """What applying ``spec`` does to the server's ``project`` (None: it does not
    exist) and its ``cases``, ``plans`` and ``schedules`` (the API's JSON)."""
    problems: list[tuple[Loc, str]] = []
    server_cases = _by_name(
        cases,
        [(c.name, ("test_cases", i, "name")) for i, c in enumerate(spec.test_cases)],
        "test case",
        problems,
    )
    server_plans = _by_name(
        plans,
        [(p.name, ("test_plans", i, "name")) for i, p in enumerate(spec.test_plans)],
        "test plan",
        problems,
    )
    server_schedules = _by_name(
        schedules,
        [(s.name, ("schedules", i, "name")) for i, s in enumerate(spec.schedules)],
        "schedule",
        problems,
    )
    case_names = {str(c["id"]): str(c["name"]) for c in cases}
    plan_names = {str(p["id"]): str(p["name"]) for p in plans}
    problems.extend(_dangling(spec, set(server_cases), set(server_plans)))
    if problems:
        raise PlanError(problems)

    def current(
        found: Mapping[str, Any] | None, view: Callable[[Mapping[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        return None if found is None else view(found)

    head = _operation(
        "project",
        spec.name,
        (),
        project_view(spec),
        project,
        current(project, server_project_view),
        update_secrets,
    )
    children: list[Operation] = []
    for i, case in enumerate(spec.test_cases):
        found = server_cases.get(case.name)
        children.append(
            _operation(
                "test case",
                case.name,
                ("test_cases", i),
                case_view(case),
                found,
                current(found, server_case_view),
                update_secrets,
            )
        )
    for i, plan in enumerate(spec.test_plans):
        found = server_plans.get(plan.name)
        children.append(
            _operation(
                "test plan",
                plan.name,
                ("test_plans", i),
                plan_view(plan),
                found,
                current(found, lambda p: server_plan_view(p, case_names)),
                update_secrets,
            )
        )
    for i, schedule in enumerate(spec.schedules):
        found = server_schedules.get(schedule.name)
        children.append(
            _operation(
                "schedule",
                schedule.name,
                ("schedules", i),
                schedule_view(schedule),
                found,
                current(found, lambda s: server_schedule_view(s, plan_names)),
                update_secrets,
            )
        )
    named = {(op.kind, op.name) for op in children}
    left_alone: list[tuple[Kind, str]] = []
    for kind, rows in (("test case", cases), ("test plan", plans), ("schedule", schedules)):
        for row in rows:
            if (kind, row["name"]) not in named:
                left_alone.append((kind, str(row["name"])))  # type: ignore[arg-type]
    return ProjectPlan(head, children, left_alone)


# ---- secrets ------------------------------------------------------------------


def secret_refs(spec: ProjectSpec) -> list[tuple[Loc, str]]:
    """Every ``{secret_env: NAME}`` of the file: where, and which variable."""
    found: list[tuple[Loc, str]] = []

    def scan(loc: Loc, variables: Mapping[str, Any]) -> None:
        for name, value in variables.items():
            if isinstance(value, SecretRef):
                found.append(((*loc, name), value.secret_env))

    scan(("variables",), spec.variables)
    for env_name, env in spec.environments.items():
        scan(("environments", env_name, "variables"), env.variables)
    for i, schedule in enumerate(spec.schedules):
        scan(("schedules", i, "variables"), schedule.variables)
    return found


def resolve(value: Any, secrets: Mapping[str, str]) -> Any:
    """A view's value as the API takes it: a ``Secret`` becomes
    ``{"value": …, "secret": true}`` with the value from ``secrets``."""
    if isinstance(value, Secret):
        assert value.env is not None, "only the file's secrets are sent"
        return {"value": secrets[value.env], "secret": True}
    if isinstance(value, dict):
        return {k: resolve(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, secrets) for v in value]
    return value


# ---- showing ------------------------------------------------------------------


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(none)"
    if isinstance(value, Secret):
        return "(secret)" if value.env is None else f"(secret from ${value.env})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _step_line(step: Mapping[str, Any]) -> str:
    parts = [str(step["action"] or "(in words)")]
    if step.get("selector") is not None:
        parts.append(f"selector={step['selector']!r}")
    if step.get("value") is not None:
        parts.append(f"value={step['value']!r}")
    if step.get("description"):
        parts.append(f"# {step['description']}")
    return " ".join(parts)


def describe(change: FieldChange) -> list[str]:
    """A change in words: ``path: before → after``, or a diff of steps."""
    if change.path == "steps" and isinstance(change.before, list):
        before = [_step_line(s) for s in change.before]
        after = [_step_line(s) for s in change.after] if isinstance(change.after, list) else []
        lines = [f"steps: {len(before)} → {len(after)}"]
        for line in difflib.ndiff(before, after):
            if line.startswith(("+", "-")):
                lines.append(f"  {line}")
        return lines
    if change.before is ABSENT:
        return [f"{change.path}: added {_show(change.after)}"]
    if change.after is ABSENT:
        return [f"{change.path}: removed (was {_show(change.before)})"]
    return [f"{change.path}: {_show(change.before)} → {_show(change.after)}"]


def report(plans: Sequence[ProjectPlan], *, dry_run: bool) -> list[str]:
    """What was (or, in a dry run, would be) done, one line per object."""
    lines: list[str] = []
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for plan in plans:
        for op in plan.operations:
            indent = "" if op.kind == "project" else "  "
            verb = (
                f"would be {PAST[op.verb]}"
                if dry_run and op.verb != "unchanged"
                else (PAST[op.verb])
            )
            fields = ", ".join(changed_fields(op.changes))
            lines.append(
                f"{indent}{op.kind} {op.name!r}: {verb}" + (f" ({fields})" if fields else "")
            )
            for change in op.changes:
                lines.extend(f"{indent}    {text}" for text in describe(change))
            counts[op.verb] += 1
        if plan.left_alone:
            names = ", ".join(f"{kind} {name!r}" for kind, name in plan.left_alone)
            lines.append(f"  left alone (on the server, not in the file): {names}")
    summary = (
        f"{counts['create']} to create, {counts['update']} to update, "
        f"{counts['unchanged']} unchanged; dry run: nothing was changed"
        if dry_run
        else f"{counts['create']} created, {counts['update']} updated, "
        f"{counts['unchanged']} unchanged"
    )
    lines.append(summary)
    return lines
