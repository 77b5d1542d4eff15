"""A passing step's screenshot that is still a DOM snapshot: rendered when first
asked for, then kept like any other artifact (contract/step_snapshots.py)."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from bugbrain.api.context import AppContext
from bugbrain.artifacts.base import ArtifactStream
from bugbrain.contract.step_snapshots import TRACE_NAME, snapshot_call
from bugbrain.errors import Unavailable
from bugbrain.runner.snapshot_render import RenderError

log = logging.getLogger(__name__)


def render_missing(ctx: AppContext, path: str) -> Path | ArtifactStream | None:
    """The screenshot at ``path``, rendered from its test's trace and kept; None
    when ``path`` names no step snapshot there. Raises ``Unavailable`` when the
    snapshot is there but cannot be rendered now."""
    directory, _, name = path.rpartition("/")
    if not directory or not name.endswith(".png"):
        return None
    with _local(ctx, f"{directory}/{TRACE_NAME}") as trace:
        if trace is None:
            return None
        found = _call(trace, name)
        if found is None:
            log.info("no step snapshot for %s in its trace", path)
            return None
        try:
            png = ctx.renderer.render(trace, *found)
        except RenderError as exc:
            log.warning("rendering %s failed: %s", path, exc)
            raise Unavailable(f"The screenshot {path} could not be rendered: {exc}") from None
    try:
        ctx.store.save(path, png)
    except OSError as exc:
        log.warning("keeping rendered %s failed: %s", path, exc)
    return ctx.store.open(path)


@contextlib.contextmanager
def _local(ctx: AppContext, path: str) -> Iterator[Path | None]:
    """The artifact at ``path`` as a local file (a remote one copied for the while)."""
    found = ctx.store.open(path)
    if found is None or isinstance(found, Path):
        yield found
        return
    fd, name = tempfile.mkstemp(suffix=".zip", prefix="bugbrain-trace-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                for chunk in found.chunks:
                    out.write(chunk)
            finally:
                found.close()
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.remove(name)


def _call(trace: Path, name: str) -> tuple[str, str] | None:
    """The call and phase of screenshot ``name``'s snapshot in the trace; None if
    it is not there or the file is no trace."""
    try:
        with zipfile.ZipFile(trace) as archive:
            for entry in archive.namelist():
                if not entry.endswith(".trace"):
                    continue
                with archive.open(entry) as raw:
                    lines = (line.decode("utf-8", "replace") for line in raw)
                    found = snapshot_call(lines, name)
                if found is not None:
                    return found
    except (OSError, zipfile.BadZipFile) as exc:
        log.warning("reading trace %s failed: %s", trace, exc)
    return None
