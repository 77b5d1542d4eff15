"""Projects: one application under test, with environments and variables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain import ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db.tables import executions, projects
from bugbrain.errors import Conflict, InvalidInput
from bugbrain.schemas.projects import EnvironmentIn, ProjectCreate, ProjectUpdate
from bugbrain.services import variables
from bugbrain.services.common import Page, get_scoped, paged, pagination
from bugbrain.vault import Vault
from bugbrain.vocabulary import TERMINAL


def to_json(row: RowMapping) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "base_url": row["base_url"],
        # Secret variables are never shown: {"value": null, "secret": true}.
        "environments": variables.environments_shown(row["environments"]),
        "default_environment": row["default_environment"],
        "variables": variables.shown(row["variables"]),
        "created_at": isoformat(row["created_at"]),
        "updated_at": isoformat(row["updated_at"]),
    }


def _environments(envs: dict[str, EnvironmentIn], vault: Vault) -> dict[str, Any]:
    """As stored: secret variables sealed."""
    return {
        name: {"base_url": env.base_url, "variables": variables.to_stored(env.variables, vault)}
        for name, env in envs.items()
    }


def _check_default(default: str | None, envs: dict[str, Any]) -> None:
    if default is not None and default not in envs:
        known = ", ".join(sorted(envs)) or "none defined"
        raise InvalidInput.field(
            "default_environment", f"unknown environment {default!r} (environments: {known})"
        )


def get(conn: Connection, workspace_id: str, project_id: str) -> RowMapping:
    return get_scoped(conn, projects, project_id, workspace_id, "Project")


def create(
    conn: Connection, workspace_id: str, body: ProjectCreate, vault: Vault
) -> dict[str, Any]:
    envs = _environments(body.environments, vault)
    _check_default(body.default_environment, envs)
    now = utcnow()
    project_id = ids.new_id("proj")
    values = {
        "id": project_id,
        "workspace_id": workspace_id,
        "name": body.name,
        "base_url": body.base_url,
        "environments": envs,
        "default_environment": body.default_environment,
        "variables": variables.to_stored(body.variables, vault),
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(projects.insert().values(**values))
    return to_json(get(conn, workspace_id, project_id))


def update(
    conn: Connection, workspace_id: str, project_id: str, body: ProjectUpdate, vault: Vault
) -> dict[str, Any]:
    current = get(conn, workspace_id, project_id)
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if name == "environments":
            value = _environments(value or {}, vault)
        elif name == "variables":
            value = variables.to_stored(value or {}, vault)
        elif name == "name" and value is None:
            raise InvalidInput.field("name", "must not be null")
        changes[name] = value
    envs = changes.get("environments", current["environments"])
    _check_default(changes.get("default_environment", current["default_environment"]), envs)
    changes["updated_at"] = utcnow()
    conn.execute(projects.update().where(projects.c.id == project_id).values(**changes))
    return to_json(get(conn, workspace_id, project_id))


def delete(conn: Connection, workspace_id: str, project_id: str) -> list[str]:
    """Delete the project and everything in it; returns the deleted execution
    ids so the caller can remove their artifacts once the transaction commits."""
    get(conn, workspace_id, project_id)
    active = conn.execute(
        sa.select(sa.func.count())
        .select_from(executions)
        .where(executions.c.project_id == project_id, executions.c.status.not_in(TERMINAL))
    ).scalar_one()
    if active:
        raise Conflict(
            f"Project {project_id} has {active} unfinished execution(s); cancel them first"
        )
    execution_ids = list(
        conn.execute(
            sa.select(executions.c.id).where(executions.c.project_id == project_id)
        ).scalars()
    )
    conn.execute(projects.delete().where(projects.c.id == project_id))
    return execution_ids


def list_(conn: Connection, workspace_id: str, page: Page) -> dict[str, Any]:
    query = sa.select(projects).where(projects.c.workspace_id == workspace_id)
    rows, total = paged(conn, query, page, [projects.c.created_at.desc(), projects.c.id])
    return {"data": [to_json(r) for r in rows], "pagination": pagination(page, total)}
