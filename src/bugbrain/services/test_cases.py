"""Test cases: named, ordered steps against one project."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain import ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db.tables import test_cases, test_plans
from bugbrain.errors import FieldError, InvalidInput, NotFound
from bugbrain.schemas.test_cases import StepIn, TestCaseCreate, TestCaseUpdate
from bugbrain.services import projects
from bugbrain.services.common import Page, get_scoped, paged, pagination
from bugbrain.steps import urls


def to_json(row: RowMapping) -> dict[str, Any]:
    return {
        "id": row["id"],
        "project_id": row["project_id"],
        "name": row["name"],
        "description": row["description"],
        "status": row["status"],
        "priority": row["priority"],
        "tags": row["tags"],
        "steps": row["steps"],
        "created_at": isoformat(row["created_at"]),
        "updated_at": isoformat(row["updated_at"]),
    }


def normalize_steps(steps: list[StepIn]) -> list[dict[str, Any]]:
    """Assign ``step_1``… in order; values are kept as strings. Raises InvalidInput
    for a step that would open a URL no test may open (``steps.urls``)."""
    normalized = [
        {
            "step_id": f"step_{index}",
            "description": step.description or "",
            "action": step.action,
            "selector": step.selector or None,
            "value": None if step.value is None else str(step.value),
        }
        for index, step in enumerate(steps, start=1)
    ]
    _check_urls(normalized)
    return normalized


def _check_urls(steps: list[dict[str, Any]]) -> None:
    problems: list[FieldError] = []
    for index, step in enumerate(steps):
        found = urls.navigation_of(
            step["action"], step["selector"], step["value"], step["description"]
        )
        if found is None:
            continue
        field, target = found
        problem = urls.target_problem(target)
        if problem is not None:
            problems.append(FieldError(f"steps[{index}].{field}", problem))
    if problems:
        summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise InvalidInput(summary, problems)


def get(conn: Connection, workspace_id: str, test_case_id: str) -> RowMapping:
    return get_scoped(conn, test_cases, test_case_id, workspace_id, "Test case")


def create(conn: Connection, workspace_id: str, body: TestCaseCreate) -> dict[str, Any]:
    try:
        projects.get(conn, workspace_id, body.project_id)
    except NotFound as exc:
        raise InvalidInput.field("project_id", f"project {body.project_id} not found") from exc
    now = utcnow()
    test_case_id = ids.new_id("test")
    conn.execute(
        test_cases.insert().values(
            id=test_case_id,
            workspace_id=workspace_id,
            project_id=body.project_id,
            name=body.name,
            description=body.description,
            status=body.status,
            priority=body.priority,
            tags=body.tags,
            steps=normalize_steps(body.steps),
            created_at=now,
            updated_at=now,
        )
    )
    return to_json(get(conn, workspace_id, test_case_id))


def update(
    conn: Connection, workspace_id: str, test_case_id: str, body: TestCaseUpdate
) -> dict[str, Any]:
    get(conn, workspace_id, test_case_id)
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None:
            raise InvalidInput.field(name, "must not be null")
        changes[name] = normalize_steps(value) if name == "steps" else value
    changes["updated_at"] = utcnow()
    conn.execute(test_cases.update().where(test_cases.c.id == test_case_id).values(**changes))
    return to_json(get(conn, workspace_id, test_case_id))


def delete(conn: Connection, workspace_id: str, test_case_id: str) -> None:
    row = get(conn, workspace_id, test_case_id)
    # Plans keep working without the deleted case rather than pointing at nothing.
    plans = conn.execute(
        sa.select(test_plans.c.id, test_plans.c.test_case_ids).where(
            test_plans.c.project_id == row["project_id"]
        )
    )
    for plan_id, case_ids in plans:
        if test_case_id in case_ids:
            remaining = [c for c in case_ids if c != test_case_id]
            conn.execute(
                test_plans.update()
                .where(test_plans.c.id == plan_id)
                .values(test_case_ids=remaining, updated_at=utcnow())
            )
    conn.execute(test_cases.delete().where(test_cases.c.id == test_case_id))


def list_(
    conn: Connection,
    workspace_id: str,
    page: Page,
    *,
    project_id: str,
    test_plan_id: str | None = None,
    search: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    projects.get(conn, workspace_id, project_id)
    query = sa.select(test_cases).where(
        test_cases.c.workspace_id == workspace_id, test_cases.c.project_id == project_id
    )
    if status:
        query = query.where(test_cases.c.status == status)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(test_cases.c.name.ilike(f"%{escaped}%", escape="\\"))
    if test_plan_id is not None:
        plan = get_scoped(conn, test_plans, test_plan_id, workspace_id, "Test plan")
        if plan["project_id"] != project_id:
            raise InvalidInput.field(
                "test_plan_id", f"test plan {test_plan_id} belongs to another project"
            )
        order = {case_id: i for i, case_id in enumerate(plan["test_case_ids"])}
        rows = [r for r in conn.execute(query).mappings() if r["id"] in order]
        rows.sort(key=lambda r: order[r["id"]])
        window = rows[page.offset : page.offset + page.limit]
        return {"data": [to_json(r) for r in window], "pagination": pagination(page, len(rows))}
    rows_page, total = paged(conn, query, page, [test_cases.c.created_at, test_cases.c.id])
    return {"data": [to_json(r) for r in rows_page], "pagination": pagination(page, total)}
