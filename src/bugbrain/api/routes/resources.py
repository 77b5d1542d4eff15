"""Projects, test cases and test plans: plain CRUD over the services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from bugbrain.api.deps import Auth, Ctx
from bugbrain.api.openapi import Responses, errors
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.schemas.heals import HealAccepted, HealList
from bugbrain.schemas.projects import Project, ProjectCreate, ProjectList, ProjectUpdate
from bugbrain.schemas.test_cases import TestCase, TestCaseCreate, TestCaseList, TestCaseUpdate
from bugbrain.schemas.test_plans import TestPlan, TestPlanCreate, TestPlanList, TestPlanUpdate
from bugbrain.services import heals, projects, test_cases, test_plans
from bugbrain.services.common import MAX_OFFSET, Page

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/v1")

Limit = Annotated[int, Query(ge=1, le=500, description="Results per page (max 500)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Pagination offset")]
ProjectId = Annotated[str, Query(min_length=1, max_length=40, description="Project ID")]

_CREATE = errors(400, 401, 422)
_REFERENCE = "A field is wrong (`validation_error`), or names an object that does not exist."


def _one(label: str) -> Responses:
    return errors(401, (404, f"No such {label} in your workspace."))


def _patch(label: str) -> Responses:
    return errors(400, 401, (404, f"No such {label} in your workspace."), (422, _REFERENCE))


# ---- projects ---------------------------------------------------------------


@router.get("/projects", tags=["projects"], responses=errors(401, 422))
def list_projects(ctx: Ctx, auth: Auth, limit: Limit = 50, offset: Offset = 0) -> ProjectList:
    with read_tx(ctx.engine) as conn:
        page = projects.list_(conn, auth.workspace_id, Page(limit, offset))
    return ProjectList.model_validate(page)


@router.post("/projects", status_code=201, tags=["projects"], responses=_CREATE)
def create_project(body: ProjectCreate, ctx: Ctx, auth: Auth) -> Project:
    with write_tx(ctx.engine) as conn:
        return Project.model_validate(projects.create(conn, auth.workspace_id, body, ctx.vault))


@router.get("/projects/{project_id}", tags=["projects"], responses=_one("project"))
def get_project(project_id: str, ctx: Ctx, auth: Auth) -> Project:
    with read_tx(ctx.engine) as conn:
        row = projects.get(conn, auth.workspace_id, project_id)
    return Project.model_validate(projects.to_json(row))


@router.patch("/projects/{project_id}", tags=["projects"], responses=_patch("project"))
def update_project(project_id: str, body: ProjectUpdate, ctx: Ctx, auth: Auth) -> Project:
    with write_tx(ctx.engine) as conn:
        updated = projects.update(conn, auth.workspace_id, project_id, body, ctx.vault)
        return Project.model_validate(updated)


@router.delete(
    "/projects/{project_id}",
    status_code=204,
    tags=["projects"],
    responses=errors(
        401,
        (404, "No such project in your workspace."),
        (409, "The project has unfinished executions (`conflict`); cancel them first."),
    ),
)
def delete_project(project_id: str, ctx: Ctx, auth: Auth) -> Response:
    with write_tx(ctx.engine) as conn:
        execution_ids = projects.delete(conn, auth.workspace_id, project_id)
    for execution_id in execution_ids:
        ctx.store.delete_execution(execution_id)
    return Response(status_code=204)


# ---- test cases -------------------------------------------------------------


@router.get(
    "/test-cases",
    tags=["test cases"],
    responses=errors(401, (404, "No such project, or test plan, in your workspace."), 422),
)
def list_test_cases(
    ctx: Ctx,
    auth: Auth,
    project_id: ProjectId,
    test_plan_id: Annotated[str | None, Query(max_length=40)] = None,
    search: Annotated[str | None, Query(max_length=300)] = None,
    status: Literal["active", "archived"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TestCaseList:
    with read_tx(ctx.engine) as conn:
        page = test_cases.list_(
            conn,
            auth.workspace_id,
            Page(limit, offset),
            project_id=project_id,
            test_plan_id=test_plan_id,
            search=search,
            status=status,
        )
    return TestCaseList.model_validate(page)


@router.post(
    "/test-cases",
    status_code=201,
    tags=["test cases"],
    responses=errors(400, 401, (422, _REFERENCE)),
)
def create_test_case(body: TestCaseCreate, ctx: Ctx, auth: Auth) -> TestCase:
    with write_tx(ctx.engine) as conn:
        return TestCase.model_validate(test_cases.create(conn, auth.workspace_id, body))


@router.get("/test-cases/{test_case_id}", tags=["test cases"], responses=_one("test case"))
def get_test_case(test_case_id: str, ctx: Ctx, auth: Auth) -> TestCase:
    with read_tx(ctx.engine) as conn:
        row = test_cases.get(conn, auth.workspace_id, test_case_id)
    return TestCase.model_validate(test_cases.to_json(row))


@router.patch("/test-cases/{test_case_id}", tags=["test cases"], responses=_patch("test case"))
def update_test_case(test_case_id: str, body: TestCaseUpdate, ctx: Ctx, auth: Auth) -> TestCase:
    with write_tx(ctx.engine) as conn:
        updated = test_cases.update(conn, auth.workspace_id, test_case_id, body)
    return TestCase.model_validate(updated)


@router.get("/test-cases/{test_case_id}/heals", tags=["test cases"], responses=_one("test case"))
def list_test_case_heals(test_case_id: str, ctx: Ctx, auth: Auth) -> HealList:
    """Every time this test case's missing elements were healed, newest first."""
    with read_tx(ctx.engine) as conn:
        return HealList.model_validate(
            heals.list_for_test_case(conn, auth.workspace_id, test_case_id)
        )


@router.post(
    "/test-cases/{test_case_id}/heals/{heal_id}/accept",
    tags=["test cases"],
    responses=errors(
        401,
        (404, "No such test case in your workspace, or no such heal of it."),
        (409, "The heal was already accepted, or the step changed since (`conflict`)."),
    ),
)
def accept_heal(test_case_id: str, heal_id: str, ctx: Ctx, auth: Auth) -> HealAccepted:
    """Rewrite the step's selector to the healed one."""
    with write_tx(ctx.engine) as conn:
        return HealAccepted.model_validate(
            heals.accept(conn, auth.workspace_id, test_case_id, heal_id)
        )


@router.delete(
    "/test-cases/{test_case_id}",
    status_code=204,
    tags=["test cases"],
    responses=_one("test case"),
)
def delete_test_case(test_case_id: str, ctx: Ctx, auth: Auth) -> Response:
    with write_tx(ctx.engine) as conn:
        test_cases.delete(conn, auth.workspace_id, test_case_id)
    return Response(status_code=204)


# ---- test plans -------------------------------------------------------------


@router.get(
    "/test-plans",
    tags=["test plans"],
    responses=errors(401, (404, "No such project in your workspace."), 422),
)
def list_test_plans(
    ctx: Ctx, auth: Auth, project_id: ProjectId, limit: Limit = 50, offset: Offset = 0
) -> TestPlanList:
    with read_tx(ctx.engine) as conn:
        page = test_plans.list_(conn, auth.workspace_id, Page(limit, offset), project_id=project_id)
    return TestPlanList.model_validate(page)


@router.post(
    "/test-plans",
    status_code=201,
    tags=["test plans"],
    responses=errors(400, 401, (422, _REFERENCE)),
)
def create_test_plan(body: TestPlanCreate, ctx: Ctx, auth: Auth) -> TestPlan:
    with write_tx(ctx.engine) as conn:
        return TestPlan.model_validate(test_plans.create(conn, auth.workspace_id, body))


@router.get("/test-plans/{test_plan_id}", tags=["test plans"], responses=_one("test plan"))
def get_test_plan(test_plan_id: str, ctx: Ctx, auth: Auth) -> TestPlan:
    with read_tx(ctx.engine) as conn:
        row = test_plans.get(conn, auth.workspace_id, test_plan_id)
    return TestPlan.model_validate(test_plans.to_json(row))


@router.patch("/test-plans/{test_plan_id}", tags=["test plans"], responses=_patch("test plan"))
def update_test_plan(test_plan_id: str, body: TestPlanUpdate, ctx: Ctx, auth: Auth) -> TestPlan:
    with write_tx(ctx.engine) as conn:
        updated = test_plans.update(conn, auth.workspace_id, test_plan_id, body)
    return TestPlan.model_validate(updated)


@router.delete(
    "/test-plans/{test_plan_id}",
    status_code=204,
    tags=["test plans"],
    responses=_one("test plan"),
)
def delete_test_plan(test_plan_id: str, ctx: Ctx, auth: Auth) -> Response:
    with write_tx(ctx.engine) as conn:
        test_plans.delete(conn, auth.workspace_id, test_plan_id)
    return Response(status_code=204)
