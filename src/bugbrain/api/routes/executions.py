"""The Executions API, as specified by the user's Executions API page."""

from __future__ import annotations

import asyncio
import math
import re
import time
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BeforeValidator, TypeAdapter
from sqlalchemy.engine import RowMapping

from bugbrain.api.context import AppContext
from bugbrain.api.deps import KEYED, Auth, Ctx, app_ctx, authenticate
from bugbrain.api.openapi import errors, location_header
from bugbrain.api.polled import polled
from bugbrain.api.reads import read
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.artifacts.signing import signed_path
from bugbrain.clock import as_utc, isoformat
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.db.prepared import Reads, Row
from bugbrain.schemas.executions import (
    CancelledExecution,
    ExecutionCreate,
    ExecutionCreated,
    ExecutionList,
    ExecutionResults,
    ExecutionSummary,
    FinishedStatus,
    ProgressingStatus,
    QueuedExecution,
    RerunCreate,
    RerunQueued,
    StatusReport,
)
from bugbrain.schemas.failure_analysis import FailureAnalysis
from bugbrain.schemas.heals import ExecutionHeals
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

M = TypeVar("M")

_STATUS: TypeAdapter[ProgressingStatus | FinishedStatus] = TypeAdapter(StatusReport)
_LIST = TypeAdapter(ExecutionList)
_SUMMARY = TypeAdapter(ExecutionSummary)
_RESULTS_BODY = TypeAdapter(ExecutionResults)
_HEALS = TypeAdapter(ExecutionHeals)
_POLL_HERE = location_header("The execution's status URL (`polling_url`).")


def json_body(model: TypeAdapter[M], payload: Any, *, exclude_unset: bool = True) -> Response:
    """The body FastAPI would send for ``payload`` under the route's
    ``response_model`` (declared for the document) and its
    ``response_model_exclude_unset``, validated and serialized once: a route
    that returns a model has it validated again by FastAPI."""
    validated = model.validate_python(payload)
    body = model.dump_json(validated, exclude_unset=exclude_unset, by_alias=True)
    return Response(body, media_type="application/json")


def url_maker(ctx: AppContext, request: Request) -> UrlFor:
    base = (ctx.settings.public_url or str(request.base_url)).rstrip("/")

    def url_for(path: str) -> str:
        return base + signed_path(ctx.secret, path, ctx.settings.artifact_url_ttl_seconds)

    return url_for


def polling_path(execution_id: str) -> str:
    return f"/api/v1/executions/{execution_id}/status"


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _iso_8601(value: object) -> object:
    # pydantic would read a number as a Unix time: the filters take dates.
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        raise ValueError("must be an ISO 8601 date or date-time, e.g. 2025-03-08T10:30:00Z")
    return value


# A date-time (RFC 3339), a date (its midnight), or a date-time without zone:
# UTC in both cases (the OpenAPI document lists the three, see api.openapi).
DateFilter = Annotated[datetime | None, BeforeValidator(_iso_8601)]


def _utc_filter(value: datetime | None) -> datetime | None:
    """Filters far past or future are clamped: beyond year 1 or 9999 in UTC
    every execution is after (or before) them."""
    if value is None:
        return None
    try:
        return as_utc(value)
    except OverflowError:
        limit = datetime.min if value.year == datetime.min.year else datetime.max
        return limit.replace(tzinfo=UTC)


@router.get(
    "/executions",
    response_model=ExecutionList,
    response_model_exclude_unset=True,
    responses=errors(401, (404, "No such project in your workspace."), 422),
)
async def list_executions(
    request: Request,
    auth: Auth,
    project_id: Annotated[str, Query(min_length=1, max_length=40, description="Project ID")],
    limit: Annotated[int, Query(ge=1, le=100, description="Results per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Pagination offset")] = 0,
    status: ExecutionStatus | None = None,
    test_plan_id: Annotated[str | None, Query(max_length=40)] = None,
    created_after: Annotated[DateFilter, Query(description="Inclusive.")] = None,
    created_before: Annotated[DateFilter, Query(description="Exclusive.")] = None,
) -> Response:
    def page() -> Reads[dict[str, Any]]:
        return executions.list_(
            auth.workspace_id,
            Page(limit, offset),
            project_id=project_id,
            status=status,
            test_plan_id=test_plan_id,
            created_after=_utc_filter(created_after),
            created_before=_utc_filter(created_before),
        )

    found = await read(app_ctx(request), page)
    return json_body(_LIST, ExecutionList.model_validate(found))


def _create(ctx: AppContext, workspace_id: str, body: ExecutionCreate) -> RowMapping:
    with write_tx(ctx.engine) as conn:
        row = executions.create(
            conn,
            workspace_id,
            body,
            default_timeout=ctx.settings.default_timeout_seconds,
            max_timeout=ctx.settings.max_timeout_seconds,
            vault=ctx.vault,
        )
    if ctx.pool is not None:
        ctx.pool.wake()
    return row


def _queued(ctx: AppContext, row: RowMapping, response: Response) -> QueuedExecution:
    with read_tx(ctx.engine) as conn:
        ahead, busy = executions.queue_position(conn, row)
        typical = executions.typical_duration(conn, row)
    # Runs at once: this process's workers, or as many as are running now (other
    # hosts' workers, on PostgreSQL, are seen only by what they run).
    workers = max(ctx.settings.workers, busy, 1)
    # Whole "waves" of executions that must finish before this one can start.
    waves = 0 if ahead + busy < workers else (ahead + busy - workers) // workers + 1
    estimate = math.ceil(waves * typical)
    path = polling_path(row["id"])
    response.status_code = 202
    response.headers["Location"] = path
    return QueuedExecution.model_validate(views.queued_json(row, estimate, path))


@router.post(
    "/executions/async",
    status_code=202,
    responses={202: {"description": "Queued.", "headers": _POLL_HERE}, **errors(400, 401, 422)},
)
def create_execution_async(
    body: ExecutionCreate, response: Response, ctx: Ctx, auth: Auth
) -> QueuedExecution:
    return _queued(ctx, _create(ctx, auth.workspace_id, body), response)


def _rerun(ctx: AppContext, workspace_id: str, execution_id: str, body: RerunCreate) -> RowMapping:
    with write_tx(ctx.engine) as conn:
        row = executions.rerun(
            conn,
            workspace_id,
            execution_id,
            only_failed=body.only_failed,
            default_timeout=ctx.settings.default_timeout_seconds,
            max_timeout=ctx.settings.max_timeout_seconds,
            vault=ctx.vault,
        )
    if ctx.pool is not None:
        ctx.pool.wake()
    return row


@router.post(
    "/executions/{execution_id}/rerun",
    status_code=202,
    responses={
        202: {"description": "The rerun, queued.", "headers": _POLL_HERE},
        **errors(
            400,
            401,
            (404, "No such execution in your workspace."),
            (
                409,
                "`only_failed` and every test passed, or the execution has not ended (`conflict`).",
            ),
            422,
        ),
    },
)
def rerun_execution(
    execution_id: str, response: Response, ctx: Ctx, auth: Auth, body: RerunCreate | None = None
) -> RerunQueued:
    """A new execution with the options of this one (plan, project, environment,
    variables with secrets still sealed, timeout), linked to it by `rerun_of`. It
    runs the plan's current test cases and settings; `only_failed`: only the
    tests that did not pass."""
    row = _rerun(ctx, auth.workspace_id, execution_id, body or RerunCreate())
    queued = _queued(ctx, row, response)
    return RerunQueued.model_validate({**queued.model_dump(), "rerun_of": execution_id})


def _load(ctx: AppContext, execution_id: str) -> RowMapping | None:
    with read_tx(ctx.engine) as conn:
        return state.load(conn, execution_id)


@router.post(
    "/executions",
    response_model=ExecutionCreated | QueuedExecution,
    response_model_exclude_unset=True,
    responses={
        200: {
            "model": ExecutionCreated,
            "description": "The execution ended: the execution and its `results`.",
        },
        202: {
            "model": ExecutionCreated | QueuedExecution,
            "description": "With `wait_for_completion: false`, as `/executions/async`. "
            "Otherwise it had not ended `timeout_seconds` + 10 s after creation "
            "(e.g. it waited in the queue): the execution so far and `polling_url`.",
            "headers": _POLL_HERE,
        },
        **errors(400, 401, 422),
    },
)
async def create_execution(
    body: ExecutionCreate, request: Request, response: Response, ctx: Ctx, auth: Auth
) -> ExecutionCreated | QueuedExecution:
    row = await run_in_threadpool(_create, ctx, auth.workspace_id, body)
    if not body.wait_for_completion:
        return await run_in_threadpool(_queued, ctx, row, response)
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
    if final["status"] not in TERMINAL:
        # Still going: say so, and where to look, instead of pretending it finished.
        payload["polling_url"] = polling_path(row["id"])
        response.status_code = 202
        response.headers["Location"] = payload["polling_url"]
    return ExecutionCreated.model_validate(payload)


def _results_rows(ctx: AppContext, execution_id: str) -> list[dict[str, Any]]:
    with read_tx(ctx.engine) as conn:
        return executions.results_rows(conn, execution_id)


_EXECUTION_ERRORS = errors(401, (404, "No such execution in your workspace."))


@router.get(
    "/executions/{execution_id}",
    response_model=ExecutionSummary,
    response_model_exclude_unset=True,
    responses=_EXECUTION_ERRORS,
    openapi_extra=KEYED,
)
@polled
async def get_execution(execution_id: str, request: Request) -> Response:
    auth = await authenticate(request)
    row = await read(app_ctx(request), executions.view, auth.workspace_id, execution_id)
    return json_body(_SUMMARY, views.summary_json(row))


def _status_reads(workspace_id: str, execution_id: str) -> Reads[tuple[Row, float]]:
    row = yield from executions.view(workspace_id, execution_id)
    use = views.uses_typical_duration(row)
    return row, (yield from executions.typical(row)) if use else 0.0


@router.get(
    "/executions/{execution_id}/status",
    response_model=StatusReport,
    response_model_exclude_unset=True,
    responses=_EXECUTION_ERRORS,
    openapi_extra=KEYED,
)
@polled
async def get_status(execution_id: str, request: Request) -> Response:
    # Polled often: no dependency (api/deps.py), one query (two while a started
    # run has no finished test yet) on the event loop (api/reads.py), the
    # model built and serialized once.
    auth = await authenticate(request)
    ctx = app_ctx(request)
    row, typical = await read(ctx, _status_reads, auth.workspace_id, execution_id)
    return json_body(_STATUS, views.status_json(row, typical))


def _results_reads(
    workspace_id: str, execution_id: str
) -> Reads[tuple[Row, list[dict[str, Any]], list[dict[str, Any]]]]:
    row = yield from executions.view(workspace_id, execution_id)
    tests = yield from executions.results(execution_id)
    return row, tests, (yield from heals.of_execution(execution_id))


@router.get(
    "/executions/{execution_id}/results",
    response_model=ExecutionResults,
    response_model_exclude_unset=True,
    responses=_EXECUTION_ERRORS,
    openapi_extra=KEYED,
)
@polled
async def get_results(execution_id: str, request: Request) -> Response:
    auth = await authenticate(request)
    ctx = app_ctx(request)
    row, tests, healed = await read(ctx, _results_reads, auth.workspace_id, execution_id)
    body = views.results_json(row, tests, url_maker(ctx, request))
    body["heals"] = healed
    return json_body(_RESULTS_BODY, body)


def _heals_reads(workspace_id: str, execution_id: str) -> Reads[list[dict[str, Any]]]:
    yield from executions.view(workspace_id, execution_id)
    return (yield from heals.of_execution(execution_id))


@router.get(
    "/executions/{execution_id}/heals",
    response_model=ExecutionHeals,
    responses=_EXECUTION_ERRORS,
    openapi_extra=KEYED,
)
@polled
async def get_heals(execution_id: str, request: Request) -> Response:
    """The elements this execution healed (plan setting ``healing: auto``)."""
    auth = await authenticate(request)
    healed = await read(app_ctx(request), _heals_reads, auth.workspace_id, execution_id)
    return json_body(_HEALS, {"id": execution_id, "heals": healed}, exclude_unset=False)


@router.get(
    "/executions/{execution_id}/failure-analysis",
    response_model_exclude_unset=True,
    responses=_EXECUTION_ERRORS,
)
def get_failure_analysis(
    execution_id: str, request: Request, ctx: Ctx, auth: Auth
) -> FailureAnalysis:
    with read_tx(ctx.engine) as conn:
        row = executions.get(conn, auth.workspace_id, execution_id)
        tests = executions.results_rows(conn, execution_id)
        history = previous_runs(conn, row, tests)
    return FailureAnalysis.model_validate(
        analysis_json(row, tests, url_maker(ctx, request), history)
    )


@router.delete(
    "/executions/{execution_id}",
    responses=errors(
        401,
        (404, "No such execution in your workspace."),
        (409, "The execution already ended (`conflict`)."),
    ),
)
def cancel_execution(execution_id: str, ctx: Ctx, auth: Auth) -> CancelledExecution:
    with write_tx(ctx.engine) as conn:
        row = executions.cancel(conn, auth.workspace_id, execution_id)
    if ctx.pool is not None:
        ctx.pool.cancel(execution_id)
    return CancelledExecution.model_validate(
        {
            "id": row["id"],
            "status": row["status"],
            "cancellation_reason": row["cancellation_reason"],
            "cancelled_at": isoformat(row["cancelled_at"]),
        }
    )
