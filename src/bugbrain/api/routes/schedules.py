"""Schedules: a test plan started on a cron expression (``services/schedules.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from bugbrain.api.deps import Auth, Ctx
from bugbrain.api.openapi import errors
from bugbrain.api.routes.resources import Limit, Offset
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.schemas.schedules import Schedule, ScheduleCreate, ScheduleList, ScheduleUpdate
from bugbrain.services import schedules
from bugbrain.services.common import Page

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/v1", tags=["schedules"])

_REFERENCE = "A field is wrong (`validation_error`), or names an object that does not exist."
_MISSING = (404, "No such schedule in your workspace.")
ProjectFilter = Annotated[
    str | None, Query(min_length=1, max_length=40, description="Only this project's")
]


@router.get("/schedules", responses=errors(401, (404, "No such project in your workspace."), 422))
def list_schedules(
    ctx: Ctx,
    auth: Auth,
    project_id: ProjectFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ScheduleList:
    with read_tx(ctx.engine) as conn:
        page = schedules.list_(conn, auth.workspace_id, Page(limit, offset), project_id=project_id)
    return ScheduleList.model_validate(page)


@router.post("/schedules", status_code=201, responses=errors(400, 401, (422, _REFERENCE)))
def create_schedule(body: ScheduleCreate, ctx: Ctx, auth: Auth) -> Schedule:
    """The first tick is the first time after now that `cron` names in `timezone`;
    each tick starts one execution, as `POST /executions/async` would."""
    with write_tx(ctx.engine) as conn:
        return Schedule.model_validate(
            schedules.create(
                conn,
                auth.workspace_id,
                body,
                ctx.vault,
                max_timeout=ctx.settings.max_timeout_seconds,
            )
        )


@router.get("/schedules/{schedule_id}", responses=errors(401, _MISSING))
def get_schedule(schedule_id: str, ctx: Ctx, auth: Auth) -> Schedule:
    with read_tx(ctx.engine) as conn:
        row = schedules.get(conn, auth.workspace_id, schedule_id)
    return Schedule.model_validate(schedules.to_json(row))


@router.patch("/schedules/{schedule_id}", responses=errors(400, 401, _MISSING, (422, _REFERENCE)))
def update_schedule(schedule_id: str, body: ScheduleUpdate, ctx: Ctx, auth: Auth) -> Schedule:
    """Changing `cron`, `timezone` or `enabled` sets the next tick from now."""
    with write_tx(ctx.engine) as conn:
        updated = schedules.update(
            conn,
            auth.workspace_id,
            schedule_id,
            body,
            ctx.vault,
            max_timeout=ctx.settings.max_timeout_seconds,
        )
    return Schedule.model_validate(updated)


@router.delete("/schedules/{schedule_id}", status_code=204, responses=errors(401, _MISSING))
def delete_schedule(schedule_id: str, ctx: Ctx, auth: Auth) -> Response:
    """Executions it started stay."""
    with write_tx(ctx.engine) as conn:
        schedules.delete(conn, auth.workspace_id, schedule_id)
    return Response(status_code=204)
