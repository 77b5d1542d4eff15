"""Test plans: an ordered group of test cases and how to run them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain import ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db.tables import test_cases, test_plans
from bugbrain.errors import InvalidInput, NotFound
from bugbrain.schemas.test_plans import PLAN_SETTINGS, TestPlanCreate, TestPlanUpdate
from bugbrain.services import projects
from bugbrain.services.common import Page, get_scoped, paged, pagination

SETTINGS_FIELDS = PLAN_SETTINGS


def to_json(row: RowMapping) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row["id"],
        "project_id": row["project_id"],
        "name": row["name"],
        "description": row["description"],
        "test_case_ids": row["test_case_ids"],
    }
    out.update({name: row[name] for name in SETTINGS_FIELDS})
    out["created_at"] = isoformat(row["created_at"])
    out["updated_at"] = isoformat(row["updated_at"])
    return out


def _check_cases(conn: Connection, workspace_id: str, project_id: str, case_ids: list[str]) -> None:
    seen: set[str] = set()
    for index, case_id in enumerate(case_ids):
        if case_id in seen:
            raise InvalidInput.field(f"test_case_ids[{index}]", f"duplicate test case {case_id}")
        seen.add(case_id)
    if not case_ids:
        return
    found = {
        row.id: row.project_id
        for row in conn.execute(
            sa.select(test_cases.c.id, test_cases.c.project_id).where(
                test_cases.c.id.in_(case_ids), test_cases.c.workspace_id == workspace_id
            )
        )
    }
    for index, case_id in enumerate(case_ids):
        if case_id not in found:
            raise InvalidInput.field(f"test_case_ids[{index}]", f"test case {case_id} not found")
        if found[case_id] != project_id:
            raise InvalidInput.field(
                f"test_case_ids[{index}]", f"test case {case_id} belongs to another project"
            )


def get(conn: Connection, workspace_id: str, plan_id: str) -> RowMapping:
    return get_scoped(conn, test_plans, plan_id, workspace_id, "Test plan")


def create(conn: Connection, workspace_id: str, body: TestPlanCreate) -> dict[str, Any]:
    try:
        projects.get(conn, workspace_id, body.project_id)
    except NotFound as exc:
        raise InvalidInput.field("project_id", f"project {body.project_id} not found") from exc
    _check_cases(conn, workspace_id, body.project_id, body.test_case_ids)
    now = utcnow()
    plan_id = ids.new_id("tp")
    conn.execute(
        test_plans.insert().values(
            id=plan_id,
            workspace_id=workspace_id,
            created_at=now,
            updated_at=now,
            **body.model_dump(),
        )
    )
    return to_json(get(conn, workspace_id, plan_id))


def update(
    conn: Connection, workspace_id: str, plan_id: str, body: TestPlanUpdate
) -> dict[str, Any]:
    current = get(conn, workspace_id, plan_id)
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None:
            raise InvalidInput.field(name, "must not be null")
        changes[name] = value
    if "test_case_ids" in changes:
        _check_cases(conn, workspace_id, current["project_id"], changes["test_case_ids"])
    changes["updated_at"] = utcnow()
    conn.execute(test_plans.update().where(test_plans.c.id == plan_id).values(**changes))
    return to_json(get(conn, workspace_id, plan_id))


def delete(conn: Connection, workspace_id: str, plan_id: str) -> None:
    get(conn, workspace_id, plan_id)
    conn.execute(test_plans.delete().where(test_plans.c.id == plan_id))


def list_(conn: Connection, workspace_id: str, page: Page, *, project_id: str) -> dict[str, Any]:
    projects.get(conn, workspace_id, project_id)
    query = sa.select(test_plans).where(
        test_plans.c.workspace_id == workspace_id, test_plans.c.project_id == project_id
    )
    rows, total = paged(conn, query, page, [test_plans.c.created_at, test_plans.c.id])
    return {"data": [to_json(r) for r in rows], "pagination": pagination(page, total)}
