"""Screenshots and other artifacts: by signed URL, or by the same path with a key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from bugbrain.api.deps import Ctx, authenticate_blocking
from bugbrain.api.errors import error_response
from bugbrain.api.openapi import errors
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.artifacts.signing import verify
from bugbrain.db.engine import read_tx
from bugbrain.errors import NotFound
from bugbrain.services import executions

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/v1", tags=["artifacts"])


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/artifacts/{path:path}",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file: a screenshot, a Playwright trace, a page archive.",
            "content": {
                "image/png": _BINARY,
                "application/zip": _BINARY,
                "multipart/related": _BINARY,
            },
        },
        **errors(
            (401, "Unsigned, and the API key is missing or wrong (`unauthorized`)."),
            (403, "The signature or its expiry is wrong, or it expired (`forbidden`)."),
            (404, "No such artifact, or execution, in your workspace (`not_found`)."),
        ),
    },
)
def get_artifact(
    path: str,
    request: Request,
    ctx: Ctx,
    expires: Annotated[str | None, Query()] = None,
    signature: Annotated[str | None, Query()] = None,
) -> Response:
    if expires is not None or signature is not None:
        problem = verify(ctx.secret, path, expires or "", signature or "")
        if problem is not None:
            return error_response(403, "forbidden", f"Artifact link rejected: {problem}")
    else:
        principal = authenticate_blocking(request, ctx)
        execution_id = path.split("/", 1)[0]
        with read_tx(ctx.engine) as conn:
            executions.get_view(conn, principal.workspace_id, execution_id)
    file = ctx.store.resolve(path)
    if file is None:
        raise NotFound(f"Artifact {path} not found")
    headers = {"Cache-Control": "private, max-age=3600"}
    if file.suffix in _DOWNLOADS:  # filename= makes it an attachment
        download = _DOWNLOADS[file.suffix]
        return FileResponse(file, media_type=download, headers=headers, filename=file.name)
    media = "image/png" if file.suffix == ".png" else None
    return FileResponse(file, media_type=media, headers=headers)


# A page archive is the tested site's markup: downloaded, never rendered as ours.
_DOWNLOADS = {".zip": "application/zip", ".mhtml": "multipart/related"}
