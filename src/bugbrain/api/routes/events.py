"""``GET /api/v1/executions/{id}/events``: Server-Sent Events of an execution's
progress until it ends (``services/execution_events.py``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Final

from fastapi import APIRouter, Header, Response
from fastapi.responses import StreamingResponse

from bugbrain.api.deps import Auth, Ctx
from bugbrain.api.openapi import errors
from bugbrain.api.reads import read
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.db.prepared import Reads
from bugbrain.services import execution_views as views
from bugbrain.services import executions
from bugbrain.services.execution_events import Seen, Snapshot, events, format_event, read_tests

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/v1", tags=["executions"])

# How often a stream looks at the execution, and sends a comment while nothing
# happens (proxies close connections idle for a minute or so).
LOOK_SECONDS: Final = 0.5
KEEPALIVE_SECONDS: Final = 15.0

_DESCRIPTION = """A `text/event-stream` of the execution's progress, ending after its
terminal status. Events (each `data` is one JSON object):

- `status`: the execution's status changed; the same body as `GET …/status`.
  The last event of every stream is the terminal `status`.
- `test_started`: `{position, test_id, name, started_at}`.
- `test_finished`: `{position, test_id, name, status, duration_ms, error?}`.
- `progress`: counts moved; the same body as `GET …/status`.

Each event's `id` says what the client has seen: reconnect with it as
`Last-Event-ID` (browsers' `EventSource` does) and the stream resumes after it,
from any API process; after the terminal status the answer is `204` (no more
events: `EventSource` stops reconnecting). A comment line is sent every 15 s while nothing happens.
Polling `GET …/status` stays supported."""


# One event of the stream (OpenAPI 3.2 describes a stream by its events).
_EVENT = {
    "type": "object",
    "properties": {
        "event": {"enum": ["status", "test_started", "test_finished", "progress"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}


def _look(workspace_id: str, execution_id: str) -> Reads[Snapshot]:
    row = yield from executions.view(workspace_id, execution_id)
    use = views.uses_typical_duration(row)
    typical = (yield from executions.typical(row)) if use else 0.0
    return Snapshot(views.status_json(row, typical), (yield from read_tests(execution_id)))


@router.get(
    "/executions/{execution_id}/events",
    response_class=StreamingResponse,
    response_model=None,
    description=_DESCRIPTION,
    responses={
        200: {"content": {"text/event-stream": {"schema": _EVENT}}},
        204: {
            "description": "`Last-Event-ID` is the ended execution's last event: "
            "nothing more will come (EventSource stops reconnecting)."
        },
        **errors(401, (404, "No such execution in your workspace.")),
    },
)
async def execution_events(
    execution_id: str,
    ctx: Ctx,
    auth: Auth,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    first = await read(ctx, _look, auth.workspace_id, execution_id)  # 404 before streaming
    if first.terminal and not events(Seen.parse(last_event_id), first)[0]:
        # Seen to the end: 204 is how a server tells EventSource not to reconnect.
        return Response(status_code=204)

    async def stream() -> AsyncIterator[str]:
        seen, now = Seen.parse(last_event_id), first
        quiet_since = time.monotonic()
        yield "retry: 2000\n\n"
        while True:
            batch, seen = events(seen, now)
            for event in batch:
                yield format_event(event)
            if batch:
                quiet_since = time.monotonic()
            if now.terminal:
                return
            if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                yield ": still running\n\n"
                quiet_since = time.monotonic()
            await asyncio.sleep(LOOK_SECONDS)
            now = await read(ctx, _look, auth.workspace_id, execution_id)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
