"""Artifact paths and object keys, checked (pure).

An artifact's path is ``<execution_id>/<relative path>``, as the API's
``/api/v1/artifacts/<path>`` and the results name it. A remote store's key is
``<prefix>/<path>``: made by the server from that path, and only once the path
is known to stay inside its execution (no ``..``, ``.``, empty segment,
absolute path, backslash or control character), so no request can name an
object outside the store's prefix.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

# S3's limit on a key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024

# Served as themselves; anything else is guessed from its name.
_MEDIA = {".png": "image/png"}
# A page archive is the tested site's markup: downloaded, never rendered as ours.
DOWNLOADS = {".zip": "application/zip", ".mhtml": "multipart/related"}


def _segment_ok(segment: str) -> bool:
    return (
        segment not in {"", ".", ".."}
        and "\\" not in segment
        and not any(ord(c) < 32 or ord(c) == 127 for c in segment)
    )


def split_path(path: str) -> tuple[str, ...] | None:
    """The segments of ``<execution_id>/<relative path>``, or None when the path
    could leave its execution (or names no file in one)."""
    segments = tuple(path.split("/"))
    if len(segments) < 2 or not all(_segment_ok(s) for s in segments):
        return None
    return segments


def object_key(prefix: str, path: str) -> str | None:
    """The key of the artifact at ``path``; None when the path is refused."""
    if split_path(path) is None:
        return None
    key = f"{prefix}/{path}" if prefix else path
    return key if len(key.encode()) <= MAX_KEY_BYTES else None


def execution_prefix(prefix: str, execution_id: str) -> str:
    """The key prefix under which every object of one execution lies (ends in "/")."""
    if not _segment_ok(execution_id) or "/" in execution_id:
        raise ValueError(f"not an execution id: {execution_id!r}")
    return f"{prefix}/{execution_id}/" if prefix else f"{execution_id}/"


def media_type(name: str) -> str | None:
    """The Content-Type an artifact is served with (None: let the server guess)."""
    suffix = PurePosixPath(name).suffix
    return _MEDIA.get(suffix) or DOWNLOADS.get(suffix)


def is_download(name: str) -> bool:
    """Served as an attachment, never shown inline."""
    return PurePosixPath(name).suffix in DOWNLOADS


# A bucket hands the stored type back on every read, and "multipart/related"
# without the archive's boundary is a malformed header to HTTP clients.
_STORED = {".mhtml": "application/x-mimearchive"}


def stored_media_type(name: str) -> str:
    """The Content-Type an object is stored with: as served, guessed when unknown.
    (The API serves it with ``media_type`` whatever the bucket says.)"""
    return (
        _STORED.get(PurePosixPath(name).suffix)
        or media_type(name)
        or mimetypes.guess_type(name)[0]
        or "application/octet-stream"
    )
