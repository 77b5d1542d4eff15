"""Schedules: CRUD, and firing due ticks exactly once.

A tick is fired by moving ``next_run_at`` on with a conditional update (``WHERE
next_run_at = <the tick>``) and creating its execution in the same transaction,
so several processes may run the scheduler against one database: one of them
wins each tick, and the unique ``(schedule_id, scheduled_for)`` on executions
would refuse a second start even so. Ticks missed while nothing ran collapse
into one run, at once: the next tick is the first one after now.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain import cron, ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db.tables import schedules, test_plans
from bugbrain.errors import BugbrainError, InvalidInput, NotFound
from bugbrain.schemas.common import SecretVariable
from bugbrain.schemas.executions import ExecutionCreate
from bugbrain.schemas.schedules import ScheduleCreate, ScheduleUpdate
from bugbrain.services import executions, projects, variables
from bugbrain.services.common import Page, get_scoped, paged, pagination
from bugbrain.vault import Vault

log = logging.getLogger("bugbrain.schedules")

# At most this many due schedules per pass; the next pass takes the rest.
BATCH = 50


def to_json(row: RowMapping) -> dict[str, Any]:
    def when(name: str) -> str | None:
        value = row[name]
        return None if value is None else isoformat(value)

    return {
        "id": row["id"],
        "project_id": row["project_id"],
        "test_plan_id": row["test_plan_id"],
        "name": row["name"],
        "cron": row["cron"],
        "timezone": row["timezone"],
        "environment": row["environment"],
        "variables": variables.shown(row["variables"]),
        "timeout_seconds": row["timeout_seconds"],
        "enabled": row["enabled"],
        "next_run_at": when("next_run_at"),
        "last_run_at": when("last_run_at"),
        "last_execution_id": row["last_execution_id"],
        "last_error": row["last_error"],
        "created_at": isoformat(row["created_at"]),
        "updated_at": isoformat(row["updated_at"]),
    }


def get(conn: Connection, workspace_id: str, schedule_id: str) -> RowMapping:
    return get_scoped(conn, schedules, schedule_id, workspace_id, "Schedule")


def _check_plan(conn: Connection, workspace_id: str, project_id: str, plan_id: str) -> None:
    row = conn.execute(
        sa.select(test_plans.c.project_id).where(
            test_plans.c.id == plan_id, test_plans.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise InvalidInput.field("test_plan_id", f"test plan {plan_id} not found")
    if row.project_id != project_id:
        raise InvalidInput.field("test_plan_id", f"test plan {plan_id} belongs to another project")


def _check_environment(conn: Connection, workspace_id: str, project_id: str, name: str) -> None:
    project = projects.get(conn, workspace_id, project_id)
    known = project["environments"] or {}
    if name not in known:
        listed = ", ".join(sorted(known)) or "none defined"
        raise InvalidInput.field(
            "environment", f"unknown environment {name!r} for this project (environments: {listed})"
        )


def _next(row: dict[str, Any] | RowMapping, now: datetime) -> datetime | None:
    if not row["enabled"]:
        return None
    return cron.next_after(row["cron"], row["timezone"], now)


def _check_timeout(timeout: int | None, max_timeout: int) -> None:
    if timeout is not None and timeout > max_timeout:
        raise InvalidInput.field("timeout_seconds", f"must be at most {max_timeout}")


def create(
    conn: Connection, workspace_id: str, body: ScheduleCreate, vault: Vault, *, max_timeout: int
) -> dict[str, Any]:
    try:
        projects.get(conn, workspace_id, body.project_id)
    except NotFound as exc:
        raise InvalidInput.field("project_id", f"project {body.project_id} not found") from exc
    _check_plan(conn, workspace_id, body.project_id, body.test_plan_id)
    _check_timeout(body.timeout_seconds, max_timeout)
    if body.environment is not None:
        _check_environment(conn, workspace_id, body.project_id, body.environment)
    now = utcnow()
    values = {**body.model_dump(), "variables": variables.to_stored(body.variables, vault)}
    schedule_id = ids.new_id("sch")
    conn.execute(
        schedules.insert().values(
            id=schedule_id,
            workspace_id=workspace_id,
            next_run_at=_next(values, now),
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    return to_json(get(conn, workspace_id, schedule_id))


def update(
    conn: Connection,
    workspace_id: str,
    schedule_id: str,
    body: ScheduleUpdate,
    vault: Vault,
    *,
    max_timeout: int,
) -> dict[str, Any]:
    current = get(conn, workspace_id, schedule_id)
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None and name not in ("environment", "timeout_seconds"):
            raise InvalidInput.field(name, "must not be null")
        changes[name] = value
    if changes.get("variables") is not None:  # replaced whole: secrets sent again
        changes["variables"] = variables.to_stored(body.variables or {}, vault)
    project_id = current["project_id"]
    _check_timeout(changes.get("timeout_seconds"), max_timeout)
    if "test_plan_id" in changes:
        _check_plan(conn, workspace_id, project_id, changes["test_plan_id"])
    if changes.get("environment") is not None:
        _check_environment(conn, workspace_id, project_id, changes["environment"])
    now = utcnow()
    if {"cron", "timezone", "enabled"} & changes.keys():
        changes["next_run_at"] = _next({**current, **changes}, now)
    changes["updated_at"] = now
    conn.execute(schedules.update().where(schedules.c.id == schedule_id).values(**changes))
    return to_json(get(conn, workspace_id, schedule_id))


def delete(conn: Connection, workspace_id: str, schedule_id: str) -> None:
    get(conn, workspace_id, schedule_id)
    conn.execute(schedules.delete().where(schedules.c.id == schedule_id))


def list_(
    conn: Connection, workspace_id: str, page: Page, *, project_id: str | None
) -> dict[str, Any]:
    query = sa.select(schedules).where(schedules.c.workspace_id == workspace_id)
    if project_id is not None:
        projects.get(conn, workspace_id, project_id)
        query = query.where(schedules.c.project_id == project_id)
    rows, total = paged(conn, query, page, [schedules.c.created_at, schedules.c.id])
    return {"data": [to_json(r) for r in rows], "pagination": pagination(page, total)}


def due(conn: Connection, now: datetime) -> list[str]:
    """Ids of the enabled schedules whose tick has come, oldest tick first."""
    query = (
        sa.select(schedules.c.id)
        .where(schedules.c.next_run_at.is_not(None), schedules.c.next_run_at <= now)
        .order_by(schedules.c.next_run_at)
        .limit(BATCH)
    )
    return [str(i) for i in conn.execute(query).scalars()]


def _as_request(stored: dict[str, Any], vault: Vault) -> dict[str, Any]:
    """Stored variables as an execution request takes them (secrets opened, in
    memory only, to be sealed again with the execution)."""
    return {
        name: SecretVariable(value=vault.open(entry[variables.SEALED]), secret=True)
        if variables.is_secret(entry)
        else entry
        for name, entry in stored.items()
    }


def fire(
    conn: Connection,
    schedule_id: str,
    now: datetime,
    *,
    default_timeout: int,
    max_timeout: int,
    vault: Vault,
) -> str | None:
    """Fire ``schedule_id``'s due tick, in the caller's write transaction: the
    new execution's id; None when another process fired it first (or it is no
    longer due). A tick whose execution cannot be created (the plan lost its
    test cases, say) is still used up, its reason kept in ``last_error``."""
    row = conn.execute(sa.select(schedules).where(schedules.c.id == schedule_id)).mappings().first()
    if row is None or row["next_run_at"] is None or row["next_run_at"] > now:
        return None
    tick = row["next_run_at"]
    moved = conn.execute(
        schedules.update()
        .where(schedules.c.id == schedule_id, schedules.c.next_run_at == tick)
        .values(next_run_at=_next(row, now), last_run_at=now)
    )
    if moved.rowcount != 1:
        return None
    body = ExecutionCreate.model_validate(
        {
            "test_plan_id": row["test_plan_id"],
            "project_id": row["project_id"],
            "timeout_seconds": row["timeout_seconds"],
            "environment": row["environment"],
        }
    ).model_copy(update={"variables": _as_request(row["variables"], vault)})
    nested = conn.begin_nested()  # a refused execution must not undo the tick's move
    try:
        created = executions.create(
            conn,
            row["workspace_id"],
            body,
            default_timeout=default_timeout,
            max_timeout=max_timeout,
            schedule=(schedule_id, tick),
            vault=vault,
        )
    except BugbrainError as exc:
        nested.rollback()
        log.warning("schedule %s: tick %s started nothing: %s", schedule_id, tick, exc)
        conn.execute(
            schedules.update().where(schedules.c.id == schedule_id).values(last_error=str(exc))
        )
        return None
    nested.commit()
    conn.execute(
        schedules.update()
        .where(schedules.c.id == schedule_id)
        .values(last_execution_id=created["id"], last_error=None)
    )
    return str(created["id"])
