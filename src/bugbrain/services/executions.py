"""Executions: create (freezing the plan into a spec), list, read, cancel."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain import ids
from bugbrain.clock import utcnow
from bugbrain.db import jobs, prepared
from bugbrain.db.prepared import Reads, Row
from bugbrain.db.tables import executions, test_cases, test_results
from bugbrain.db.tables import projects as projects_table
from bugbrain.errors import Conflict, InvalidInput, NotFound
from bugbrain.schemas.executions import ExecutionCreate
from bugbrain.services import execution_state as state
from bugbrain.services import projects, test_plans, variables, webhook_outbox
from bugbrain.services.common import Page, get_scoped, pagination
from bugbrain.services.execution_views import summary_json
from bugbrain.vault import Vault
from bugbrain.vocabulary import CLAIMED, TERMINAL, ExecutionStatus, TestStatus


def get(conn: Connection, workspace_id: str, execution_id: str) -> RowMapping:
    return get_scoped(conn, executions, execution_id, workspace_id, "Execution")


# What the API's views of an execution read: every column but ``spec``, by far
# the largest (each step of each test, frozen at creation), which none shows.
VIEW_COLUMNS = tuple(column for column in executions.c if column.name != "spec")

# The polled reads are built once and run with parameters: on SQLite, building a
# statement (and its cache key) costs more than running it. They run on the
# DB-API cursor (db/prepared.py), their rows plain dicts.
_GET_VIEW = sa.select(*VIEW_COLUMNS).where(
    executions.c.id == sa.bindparam("execution_id"),
    executions.c.workspace_id == sa.bindparam("workspace_id"),
)
_RESULTS = (
    sa.select(test_results)
    .where(test_results.c.execution_id == sa.bindparam("execution_id"))
    .order_by(test_results.c.position)
)
_TOTAL = "total_matching"  # the list query's window count


def view(workspace_id: str, execution_id: str) -> Reads[Row]:
    """``get`` without the spec, in one prepared statement: what the status,
    summary and results views read."""
    params = {"execution_id": execution_id, "workspace_id": workspace_id}
    row = yield from prepared.first(_GET_VIEW, params)
    if row is None:
        raise NotFound(f"Execution {execution_id} not found")
    return row


def get_view(conn: Connection, workspace_id: str, execution_id: str) -> Row:
    return prepared.run(conn, view(workspace_id, execution_id))


def _resolve_environment(
    project: RowMapping, requested: str | None
) -> tuple[str | None, dict[str, Any]]:
    envs: dict[str, Any] = project["environments"] or {}
    name = requested if requested is not None else project["default_environment"]
    if name is None:
        return None, {}
    if name not in envs:
        known = ", ".join(sorted(envs)) or "none defined"
        raise InvalidInput.field(
            "environment", f"unknown environment {name!r} for this project (environments: {known})"
        )
    return name, envs[name]


def build_spec(
    conn: Connection,
    workspace_id: str,
    body: ExecutionCreate,
    vault: Vault,
    *,
    request_variables: dict[str, Any] | None = None,
    only_tests: frozenset[str] | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Validate the references and freeze everything the runner needs.

    ``request_variables``: the request's layer of variables as stored (secrets
    sealed), instead of ``body.variables``; ``only_tests``: run only these test
    cases of the plan (a rerun of the failed ones)."""
    try:
        project = projects.get(conn, workspace_id, body.project_id)
    except NotFound as exc:
        raise InvalidInput.field("project_id", f"project {body.project_id} not found") from exc
    try:
        plan = test_plans.get(conn, workspace_id, body.test_plan_id)
    except NotFound as exc:
        raise InvalidInput.field(
            "test_plan_id", f"test plan {body.test_plan_id} not found"
        ) from exc
    if plan["project_id"] != project["id"]:
        raise InvalidInput.field(
            "test_plan_id",
            f"test plan {plan['id']} belongs to project {plan['project_id']}, not {project['id']}",
        )
    env_name, env = _resolve_environment(project, body.environment)
    cases = {
        row["id"]: row
        for row in conn.execute(
            sa.select(test_cases).where(
                test_cases.c.id.in_(plan["test_case_ids"]), test_cases.c.status == "active"
            )
        ).mappings()
    }
    wanted = [
        c for c in plan["test_case_ids"] if c in cases and (only_tests is None or c in only_tests)
    ]
    tests = [
        {
            "position": position,
            "test_id": case["id"],
            "name": case["name"],
            "steps": case["steps"],
        }
        for position, case in enumerate(cases[c] for c in wanted)
    ]
    if not tests and only_tests is not None:
        raise Conflict(
            f"None of the tests to rerun is still an active test case of plan {plan['id']}"
        )
    if not tests:
        raise InvalidInput.field(
            "test_plan_id", f"test plan {plan['id']} has no active test cases to run"
        )
    plain, sealed = variables.for_run(
        [
            project["variables"],
            env.get("variables") or {},
            variables.to_stored(body.variables, vault)
            if request_variables is None
            else request_variables,
        ],
        vault,
    )
    spec = {
        "browser": plan["browser"],
        "parallelism": plan["parallelism"],
        "stop_on_first_failure": plan["stop_on_first_failure"],
        "screenshot_mode": plan["screenshot_mode"],
        "screenshot_source": plan["screenshot_source"],
        "element_wait_timeout_ms": plan["element_wait_timeout_ms"],
        "retries": plan["retries"],
        "trace_mode": plan["trace_mode"],
        "trace_snapshots": plan["trace_snapshots"],
        "healing": plan["healing"],
        "page_ready": plan["page_ready"],
        "base_url": env.get("base_url") or project["base_url"],
        "variables": plain,
        # Secret variables, sealed: only the runner opens them (bugbrain.vault).
        "secrets": sealed,
        "tests": tests,
    }
    return spec, env_name


@dataclass(frozen=True)
class Rerun:
    """What a rerun takes from the execution it repeats."""

    execution_id: str
    # The original's variables as the runner got them (secrets still sealed):
    # the request's layer of the rerun, over the project's and environment's.
    variables: dict[str, Any]
    only_tests: frozenset[str] | None


def rerun(
    conn: Connection,
    workspace_id: str,
    execution_id: str,
    *,
    only_failed: bool,
    default_timeout: int,
    max_timeout: int,
    vault: Vault,
) -> RowMapping:
    """A new execution with the options of ``execution_id`` (plan, project,
    environment, variables, timeout), linked to it by ``rerun_of``. The plan's
    current settings and test cases run, as for any new execution.
    ``only_failed``: only the tests that did not pass (``Conflict`` when the
    original has not ended, or every test passed)."""
    original = get(conn, workspace_id, execution_id)
    only: frozenset[str] | None = None
    if only_failed:
        if original["status"] not in TERMINAL:
            raise Conflict(f"Execution {execution_id} has not ended: nothing to rerun yet")
        rows = conn.execute(
            sa.select(test_results.c.test_case_id, test_results.c.status).where(
                test_results.c.execution_id == execution_id
            )
        ).all()
        only = frozenset(case for case, status in rows if status != TestStatus.PASSED)
        if not only:
            raise Conflict(f"Every test of execution {execution_id} passed: nothing to rerun")
    spec = original["spec"]
    stored: dict[str, Any] = dict(spec.get("variables") or {})
    for name, token in (spec.get("secrets") or {}).items():
        stored[name] = {variables.SEALED: token}
    body = ExecutionCreate.model_construct(
        test_plan_id=original["test_plan_id"],
        project_id=original["project_id"],
        timeout_seconds=min(int(original["timeout_seconds"]), max_timeout),
        wait_for_completion=False,
        environment=original["environment"],
        variables={},
    )
    return create(
        conn,
        workspace_id,
        body,
        default_timeout=default_timeout,
        max_timeout=max_timeout,
        vault=vault,
        rerun=Rerun(execution_id, stored, only),
    )


def create(
    conn: Connection,
    workspace_id: str,
    body: ExecutionCreate,
    *,
    default_timeout: int,
    max_timeout: int,
    schedule: tuple[str, datetime] | None = None,
    vault: Vault,
    rerun: Rerun | None = None,
) -> RowMapping:
    """A queued execution of ``body``'s plan (``schedule``: the schedule and tick
    that started it; ``rerun``: the execution it repeats, see ``rerun``)."""
    timeout = body.timeout_seconds if body.timeout_seconds is not None else default_timeout
    if timeout > max_timeout:
        raise InvalidInput.field("timeout_seconds", f"must be at most {max_timeout}")
    spec, env_name = build_spec(
        conn,
        workspace_id,
        body,
        vault,
        request_variables=rerun.variables if rerun else None,
        only_tests=rerun.only_tests if rerun else None,
    )
    plan = test_plans.get(conn, workspace_id, body.test_plan_id)
    plan_queue, requeue = plan["queue"], plan["requeue_on_worker_loss"]
    execution_id = ids.new_id("exec")
    now = utcnow()
    conn.execute(
        executions.insert().values(
            id=execution_id,
            workspace_id=workspace_id,
            project_id=body.project_id,
            test_plan_id=body.test_plan_id,
            status=ExecutionStatus.QUEUED,
            environment=env_name,
            timeout_seconds=timeout,
            spec=spec,
            total_tests=len(spec["tests"]),
            created_at=now,
            queue=plan_queue,
            requeues_left=1 if requeue else 0,
            schedule_id=schedule[0] if schedule else None,
            scheduled_for=schedule[1] if schedule else None,
            rerun_of=rerun.execution_id if rerun else None,
        )
    )
    conn.execute(
        test_results.insert(),
        [
            {
                "execution_id": execution_id,
                "position": test["position"],
                "test_case_id": test["test_id"],
                "name": test["name"],
                "status": TestStatus.PENDING,
                "steps": [],
            }
            for test in spec["tests"]
        ],
    )
    if jobs.on_postgres(conn):  # committed with the row, or not at all
        jobs.defer_execution(conn, execution_id, plan_queue)
    webhook_outbox.execution_status(conn, execution_id, ExecutionStatus.QUEUED)
    return get(conn, workspace_id, execution_id)


@functools.cache
def _list_query(status: bool, plan: bool, after: bool, before: bool) -> sa.Select[Any]:
    """The list query for one combination of filters, with the number of all
    matching rows as a window count (one query where a count and a page were two)."""
    query = sa.select(*VIEW_COLUMNS, sa.func.count().over().label(_TOTAL)).where(
        executions.c.workspace_id == sa.bindparam("workspace_id"),
        executions.c.project_id == sa.bindparam("project_id"),
    )
    if status:
        query = query.where(executions.c.status == sa.bindparam("status"))
    if plan:
        query = query.where(executions.c.test_plan_id == sa.bindparam("test_plan_id"))
    if after:
        query = query.where(executions.c.created_at >= sa.bindparam("created_after"))
    if before:
        query = query.where(executions.c.created_at < sa.bindparam("created_before"))
    return (
        query.order_by(executions.c.created_at.desc(), executions.c.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


@functools.cache
def _count_query(status: bool, plan: bool, after: bool, before: bool) -> sa.Select[Any]:
    """How many rows that combination of filters matches (asked only past the end)."""
    matching = (
        _list_query(status, plan, after, before).limit(None).offset(None).order_by(None).subquery()
    )
    return sa.select(sa.func.count().label(_TOTAL)).select_from(matching)


_PROJECT_OF_WORKSPACE = sa.select(projects_table.c.id).where(
    projects_table.c.id == sa.bindparam("project_id"),
    projects_table.c.workspace_id == sa.bindparam("workspace_id"),
)


def list_(
    workspace_id: str,
    page: Page,
    *,
    project_id: str,
    status: str | None,
    test_plan_id: str | None,
    created_after: datetime | None,
    created_before: datetime | None,
) -> Reads[dict[str, Any]]:
    filters = {
        "status": status or None,
        "test_plan_id": test_plan_id or None,
        "created_after": created_after,
        "created_before": created_before,
    }
    flags = tuple(value is not None for value in filters.values())
    params = {
        "workspace_id": workspace_id,
        "project_id": project_id,
        "limit": page.limit,
        "offset": page.offset,
        **{name: value for name, value in filters.items() if value is not None},
    }
    rows = yield from prepared.every(_list_query(*flags), params)
    if rows:
        # Rows of this workspace and project: the project is the workspace's.
        total = int(rows[0][_TOTAL])
    else:
        # 404 unless the project is the workspace's (as projects.get says it).
        if (yield from prepared.first(_PROJECT_OF_WORKSPACE, params)) is None:
            raise NotFound(f"Project {project_id} not found")
        total = 0
        if page.offset:  # past the end: how many there are
            counted = yield from prepared.first(_count_query(*flags), params)
            total = int(counted[_TOTAL]) if counted is not None else 0
    return {"data": [summary_json(r) for r in rows], "pagination": pagination(page, total)}


def cancel(conn: Connection, workspace_id: str, execution_id: str) -> RowMapping:
    row = get(conn, workspace_id, execution_id)
    if not state.cancel(conn, execution_id):
        raise Conflict(
            f"Execution {execution_id} already ended with status {row['status']!r}; "
            "only queued, pending or running executions can be cancelled"
        )
    if jobs.on_postgres(conn):
        jobs.cancel_execution_jobs(conn, execution_id)
    return get(conn, workspace_id, execution_id)


def results(execution_id: str) -> Reads[list[dict[str, Any]]]:
    return prepared.every(_RESULTS, {"execution_id": execution_id})


def results_rows(conn: Connection, execution_id: str) -> list[dict[str, Any]]:
    return prepared.run(conn, results(execution_id))


def queue_position(conn: Connection, row: RowMapping) -> tuple[int, int]:
    """(executions queued ahead of this one, executions currently claimed)."""
    ahead = conn.execute(
        sa.select(sa.func.count())
        .select_from(executions)
        .where(
            executions.c.status == ExecutionStatus.QUEUED,
            sa.or_(
                executions.c.created_at < row["created_at"],
                sa.and_(executions.c.created_at == row["created_at"], executions.c.id < row["id"]),
            ),
        )
    ).scalar_one()
    busy = conn.execute(
        sa.select(sa.func.count()).select_from(executions).where(executions.c.status.in_(CLAIMED))
    ).scalar_one()
    return int(ahead), int(busy)


def _recent_runs(column: sa.Column[Any]) -> sa.Select[Any]:
    return (
        sa.select(executions.c.started_at, executions.c.completed_at)
        .where(
            column == sa.bindparam("value"),
            executions.c.status == ExecutionStatus.COMPLETED,
            executions.c.started_at.is_not(None),
        )
        .order_by(executions.c.created_at.desc())
        .limit(20)
    )


# Of the same plan, else of the project.
_RECENT_RUNS = (
    ("test_plan_id", _recent_runs(executions.c.test_plan_id)),
    ("project_id", _recent_runs(executions.c.project_id)),
)


def typical(row: Row) -> Reads[float]:
    """Median wall time of recent finished runs of the same plan (else of the
    project), else a guess from the number of tests."""
    for column, query in _RECENT_RUNS:
        recent = yield from prepared.every(query, {"value": row[column]})
        durations: list[float] = sorted(
            (r["completed_at"] - r["started_at"]).total_seconds() for r in recent
        )
        if durations:
            return durations[len(durations) // 2]
    return 3.0 + 4.0 * int(row["total_tests"])


def typical_duration(conn: Connection, row: Row) -> float:
    return prepared.run(conn, typical(row))
