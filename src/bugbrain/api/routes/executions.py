"""The Executions API, as specified by the user's Executions API page."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.engine import RowMapping

from bugbrain.api.context import AppContext
from bugbrain.api.deps import Auth, Ctx
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.artifacts.signing import signed_path
from bugbrain.clock import as_utc, isoformat
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.errors import InvalidInput
from bugbrain.schemas.executions import ExecutionCreate
from bugbrain.services import execution_state as state
from bugbrain.services import execution_views as views
from bugbrain.services import executions, heals
from bugbrain.services.common import MAX_OFFSET, Page
from bugbrain.services.execution_views import UrlFor
from bugbrain.services.failure_analysis import analysis_json, previous_runs
from bugbrain.vocabulary import TERMINAL, ExecutionStatus

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/v1", tags=["executions"])

# While a synchronous create waits, how often it looks at the execution row.
SYNC_POLL_SECONDS = 0.1
# Extra time a synchronous create waits beyond timeout_seconds, for queueing.
SYNC_GRACE_SECONDS = 10


def url_maker(ctx: AppContext, request: Request) -> UrlFor:
    base = (ctx.settings.public_url or str(request.base_url)).rstrip("/")

    def url_for(path: str) -> str:
        return base + signed_path(ctx.secret, path, ctx.settings.artifact_url_ttl_seconds)

    return url_for


def polling_path(execution_id: str) -> str:
    return f"/api/v1/executions/{execution_id}/status"


def _utc_filter(field: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return as_utc(value)
    except OverflowError:
        raise InvalidInput.field(field, "date is out of range") from None


@router.get("/executions")
def list_executions(
    ctx: Ctx,
    auth: Auth,
    project_id: Annotated[str, Query(min_length=1, max_length=40, description="Project ID")],
    limit: Annotated[int, Query(ge=1, le=100, description="Results per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Pagination offset")] = 0,
    status: ExecutionStatus | None = None,
    test_plan_id: Annotated[str | None, Query(max_length=40)] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return executions.list_(
            conn,
            auth.workspace_id,
            Page(limit, offset),
            project_id=project_id,
            status=status,
            test_plan_id=test_plan_id,
            created_after=_utc_filter("created_after", created_after),
            created_before=_utc_filter("created_before", created_before),
        )


def _create(ctx: AppContext, workspace_id: str, body: ExecutionCreate) -> RowMapping:
    with write_tx(ctx.engine) as conn:
        row = executions.create(
            conn,
            workspace_id,
            body,
            default_timeout=ctx.settings.default_timeout_seconds,
            max_timeout=ctx.settings.max_timeout_seconds,
        )
    if ctx.pool is not None:
        ctx.pool.wake()
    return row


def _queued_response(ctx: AppContext, row: RowMapping) -> JSONResponse:
    with read_tx(ctx.engine) as conn:
        ahead, busy = executions.queue_position(conn, row)
        typical = executions.typical_duration(conn, row)
    workers = ctx.settings.workers
    # Whole "waves" of executions that must finish before this one can start.
    waves = 0 if ahead + busy < workers else (ahead + busy - workers) // workers + 1
    estimate = math.ceil(waves * typical)
    path = polling_path(row["id"])
    return JSONResponse(
        views.queued_json(row, estimate, path),
        status_code=202,
        headers={"Location": path},
    )


@router.post("/executions/async", status_code=202)
def create_execution_async(body: ExecutionCreate, ctx: Ctx, auth: Auth) -> JSONResponse:
    return _queued_response(ctx, _create(ctx, auth.workspace_id, body))


def _load(ctx: AppContext, execution_id: str) -> RowMapping | None:
    with read_tx(ctx.engine) as conn:
        return state.load(conn, execution_id)


@router.post("/executions")
async def create_execution(
    body: ExecutionCreate, request: Request, ctx: Ctx, auth: Auth
) -> JSONResponse:
    row = await run_in_threadpool(_create, ctx, auth.workspace_id, body)
    if not body.wait_for_completion:
        return await run_in_threadpool(_queued_response, ctx, row)
    give_up = time.monotonic() + row["timeout_seconds"] + SYNC_GRACE_SECONDS
    current: RowMapping | None = row
    while current is not None and current["status"] not in TERMINAL:
        if time.monotonic() > give_up or await request.is_disconnected():
            break
        await asyncio.sleep(SYNC_POLL_SECONDS)
        current = await run_in_threadpool(_load, ctx, row["id"])
    final = current or row
    tests = await run_in_threadpool(_results_rows, ctx, row["id"])
    payload = views.completed_json(final, tests, url_maker(ctx, request))
    if final["status"] in TERMINAL:
        return JSONResponse(payload)
    # Still going: say so, and where to look, instead of pretending it finished.
    payload["polling_url"] = polling_path(row["id"])
    return JSONResponse(payload, status_code=202, headers={"Location": payload["polling_url"]})


def _results_rows(ctx: AppContext, execution_id: str) -> list[RowMapping]:
    with read_tx(ctx.engine) as conn:
        return executions.results_rows(conn, execution_id)


@router.get("/executions/{execution_id}")
def get_execution(execution_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        return views.summary_json(executions.get(conn, auth.workspace_id, execution_id))


@router.get("/executions/{execution_id}/status")
def get_status(execution_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        row = executions.get(conn, auth.workspace_id, execution_id)
        typical = 0.0 if row["status"] in TERMINAL else executions.typical_duration(conn, row)
    return views.status_json(row, typical)


@router.get("/executions/{execution_id}/results")
def get_results(execution_id: str, request: Request, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        row = executions.get(conn, auth.workspace_id, execution_id)
        tests = executions.results_rows(conn, execution_id)
        healed = heals.list_for_execution(conn, execution_id)
    body = views.results_json(row, tests, url_maker(ctx, request))
    body["heals"] = healed
    return body


@router.get("/executions/{execution_id}/heals")
def get_heals(execution_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    """The elements this execution healed (plan setting ``healing: auto``)."""
    with read_tx(ctx.engine) as conn:
        executions.get(conn, auth.workspace_id, execution_id)
        return {"id": execution_id, "heals": heals.list_for_execution(conn, execution_id)}


@router.get("/executions/{execution_id}/failure-analysis")
def get_failure_analysis(
    execution_id: str, request: Request, ctx: Ctx, auth: Auth
) -> dict[str, Any]:
    with read_tx(ctx.engine) as conn:
        row = executions.get(conn, auth.workspace_id, execution_id)
        tests = executions.results_rows(conn, execution_id)
        history = previous_runs(conn, row, tests)
    return analysis_json(row, tests, url_maker(ctx, request), history)


@router.delete("/executions/{execution_id}")
def cancel_execution(execution_id: str, ctx: Ctx, auth: Auth) -> dict[str, Any]:
    with write_tx(ctx.engine) as conn:
        row = executions.cancel(conn, auth.workspace_id, execution_id)
    if ctx.pool is not None:
        ctx.pool.cancel(execution_id)
    return {
        "id": row["id"],
        "status": row["status"],
        "cancellation_reason": row["cancellation_reason"],
        "cancelled_at": isoformat(row["cancelled_at"]),
    }
