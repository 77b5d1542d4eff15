"""Screenshots and other artifacts: by signed URL, or by the same path with a key.

Whatever the store, the API serves the bytes itself: links are the same on
every store, a bucket stays private, and expiry follows the server's secret."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from datetime import UTC
from email.utils import format_datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from bugbrain.api import step_screenshots
from bugbrain.api.deps import Ctx, authenticate_blocking
from bugbrain.api.errors import error_response
from bugbrain.api.openapi import errors
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.artifacts.base import ArtifactStream
from bugbrain.artifacts.keys import is_download, media_type
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
            (
                503,
                "The artifact store's bucket did not answer, or a step's screenshot "
                "could not be rendered from its DOM snapshot (`unavailable`).",
            ),
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
    found = ctx.store.open(path)
    if found is None:
        # A passing step's screenshot is made the first time it is asked for.
        found = step_screenshots.render_missing(ctx, path)
    if found is None:
        raise NotFound(f"Artifact {path} not found")
    if isinstance(found, Path):
        return _file(found)
    return _stream(found)


_HEADERS = {"Cache-Control": "private, max-age=3600"}


def _file(file: Path) -> FileResponse:
    # filename= makes it an attachment
    filename = file.name if is_download(file.name) else None
    return FileResponse(file, media_type=media_type(file.name), headers=_HEADERS, filename=filename)


def _stream(found: ArtifactStream) -> StreamingResponse:
    """The same type and headers as a file's, for bytes from a remote store."""
    headers = dict(_HEADERS)
    if found.size is not None:
        headers["Content-Length"] = str(found.size)
    if found.etag:
        headers["ETag"] = found.etag
    if found.last_modified is not None:
        modified = found.last_modified.astimezone(UTC)
        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    name = found.name
    media = media_type(name)
    if is_download(name):
        headers["Content-Disposition"] = _attachment(name)
    elif media is None:
        # The guess FileResponse makes for a local file.
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StreamingResponse(_chunks(found), media_type=media, headers=headers)


def _attachment(name: str) -> str:
    """Content-Disposition as FileResponse writes it for ``filename=``."""
    quoted = quote(name)
    if quoted != name:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{name}"'


def _chunks(found: ArtifactStream) -> Iterator[bytes]:
    try:
        yield from found.chunks
    finally:
        found.close()
