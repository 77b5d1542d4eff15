"""Projects, test cases and test plans: plain CRUD over the services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from bugbrain.api.deps import Auth, Ctx
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.schemas.projects import ProjectCreate, ProjectUpdate
from bugbrain.schemas.test_cases import TestCaseCreate, TestCaseUpdate
from bugbrain.schemas.test_plans import TestPlanCreate, TestPlanUpdate
from bugbrain.services import heals, projects, test_cases, test_plans
from bugbrain.services.common import MAX_OFFSET, Page

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/v1")

Limit = Annotated[int, Query(ge=1, le=500, description="Results per page (max 500)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Pagination offset")]
ProjectId = Annotated[str, Query(min_length=1, max_length=40, description="Project ID")]


# ---- projects ---------------------------------------------------------------


@router.get("/projects", tags=["projects"])
def list_projects(ctx: Ctx, auth: Auth, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return projects.list_(conn, auth.workspace_id, Page(limit, offset))


@router.post("/projects", status_code=201, tags=["projects"])
def create_project(body: ProjectCreate, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with write_tx(ctx.engine) as conn:
        return projects.create(conn, auth.workspace_id, body)


@router.get("/projects/{project_id}", tags=["projects"])
def get_project(project_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return projects.to_json(projects.get(conn, auth.workspace_id, project_id))


@router.patch("/projects/{project_id}", tags=["projects"])
def update_project(project_id: str, body: ProjectUpdate, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with write_tx(ctx.engine) as conn:
        return projects.update(conn, auth.workspace_id, project_id, body)


@router.delete("/projects/{project_id}", status_code=204, tags=["projects"])
def delete_project(project_id: str, ctx: Ctx, auth: Auth) -> Response:
    with write_tx(ctx.engine) as conn:
        execution_ids = projects.delete(conn, auth.workspace_id, project_id)
    for execution_id in execution_ids:
        ctx.store.delete_execution(execution_id)
    return Response(status_code=204)


# ---- test cases -------------------------------------------------------------


@router.get("/test-cases", tags=["test cases"])
def list_test_cases(
    ctx: Ctx,
    auth: Auth,
    project_id: ProjectId,
    test_plan_id: Annotated[str | None, Query(max_length=40)] = None,
    search: Annotated[str | None, Query(max_length=300)] = None,
    status: Literal["active", "archived"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return test_cases.list_(
            conn,
            auth.workspace_id,
            Page(limit, offset),
            project_id=project_id,
            test_plan_id=test_plan_id,
            search=search,
            status=status,
        )


@router.post("/test-cases", status_code=201, tags=["test cases"])
def create_test_case(body: TestCaseCreate, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with write_tx(ctx.engine) as conn:
        return test_cases.create(conn, auth.workspace_id, body)


@router.get("/test-cases/{test_case_id}", tags=["test cases"])
def get_test_case(test_case_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return test_cases.to_json(test_cases.get(conn, auth.workspace_id, test_case_id))


@router.patch("/test-cases/{test_case_id}", tags=["test cases"])
def update_test_case(
    test_case_id: str, body: TestCaseUpdate, ctx: Ctx, auth: Auth
) -> dict[str, Any]:
    with write_tx(ctx.engine) as conn:
        return test_cases.update(conn, auth.workspace_id, test_case_id, body)


@router.get("/test-cases/{test_case_id}/heals", tags=["test cases"])
def list_test_case_heals(test_case_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    """Every time this test case's missing elements were healed, newest first."""
    with read_tx(ctx.engine) as conn:
        return heals.list_for_test_case(conn, auth.workspace_id, test_case_id)


@router.post("/test-cases/{test_case_id}/heals/{heal_id}/accept", tags=["test cases"])
def accept_heal(test_case_id: str, heal_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    """Rewrite the step's selector to the healed one."""
    with write_tx(ctx.engine) as conn:
        return heals.accept(conn, auth.workspace_id, test_case_id, heal_id)


@router.delete("/test-cases/{test_case_id}", status_code=204, tags=["test cases"])
def delete_test_case(test_case_id: str, ctx: Ctx, auth: Auth) -> Response:
    with write_tx(ctx.engine) as conn:
        test_cases.delete(conn, auth.workspace_id, test_case_id)
    return Response(status_code=204)


# ---- test plans -------------------------------------------------------------


@router.get("/test-plans", tags=["test plans"])
def list_test_plans(
    ctx: Ctx, auth: Auth, project_id: ProjectId, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return test_plans.list_(conn, auth.workspace_id, Page(limit, offset), project_id=project_id)


@router.post("/test-plans", status_code=201, tags=["test plans"])
def create_test_plan(body: TestPlanCreate, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with write_tx(ctx.engine) as conn:
        return test_plans.create(conn, auth.workspace_id, body)


@router.get("/test-plans/{test_plan_id}", tags=["test plans"])
def get_test_plan(test_plan_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return test_plans.to_json(test_plans.get(conn, auth.workspace_id, test_plan_id))


@router.patch("/test-plans/{test_plan_id}", tags=["test plans"])
def update_test_plan(
    test_plan_id: str, body: TestPlanUpdate, ctx: Ctx, auth: Auth
) -> dict[str, Any]:
    with write_tx(ctx.engine) as conn:
        return test_plans.update(conn, auth.workspace_id, test_plan_id, body)


@router.delete("/test-plans/{test_plan_id}", status_code=204, tags=["test plans"])
def delete_test_plan(test_plan_id: str, ctx: Ctx, auth: Auth) -> Response:
    with write_tx(ctx.engine) as conn:
        test_plans.delete(conn, auth.workspace_id, test_plan_id)
    return Response(status_code=204)
