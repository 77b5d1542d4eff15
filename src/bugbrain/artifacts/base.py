"""What the server asks of an artifact store, and which store the settings name.

Two stores answer it: ``LocalArtifactStore`` (``<data_dir>/artifacts``, the
default) and ``S3ArtifactStore`` (an S3-compatible bucket, ``artifacts/s3.py``).
Either way the runner writes an execution's files into a local working
directory (``execution_dir``); a remote store takes them from there as each
test ends (``store_files``) and when the execution ends (``store_execution``),
and leaves no local copy. The API serves every artifact itself (``open``), so
signed links look and expire the same on every store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bugbrain.artifacts.store import LocalArtifactStore
from bugbrain.errors import ConfigError
from bugbrain.settings import ENV_PREFIX, Settings


@dataclass
class ArtifactStream:
    """An artifact's bytes, from wherever the store keeps them."""

    name: str  # the file name, its path's last segment
    size: int | None
    chunks: Iterator[bytes]
    close: Callable[[], None]
    etag: str | None = None
    last_modified: datetime | None = None


class ArtifactStore(Protocol):
    @property
    def remote(self) -> bool:
        """True when files leave the working directory (``store_files`` does work)."""
        ...

    def execution_dir(self, execution_id: str) -> Path:
        """The local directory the runner writes the execution's files into."""
        ...

    def store_files(self, paths: Sequence[str]) -> None:
        """Keep these files (``<execution_id>/<relative path>``) the runner wrote.
        Never raises: a file that could not be stored stays where it is."""
        ...

    def store_execution(self, execution_id: str) -> bool:
        """The execution is over: keep whatever of it is still in its working
        directory. False when something could not be stored (it stays)."""
        ...

    def left_over(self) -> list[str]:
        """Executions whose files are still in the working directory, waiting to be
        stored. Asked at start, before any run: a process that died mid-run left them."""
        ...

    def open(self, path: str) -> Path | ArtifactStream | None:
        """The artifact at ``<execution_id>/<relative path>``: a local file, or a
        stream; None when there is none, or the path could leave its execution.
        Raises ``Unavailable`` when the store cannot be read."""
        ...

    def save(self, path: str, data: bytes) -> bool:
        """Keep ``data`` as the artifact at ``<execution_id>/<relative path>`` (the
        API's own files: a step screenshot rendered on demand). False when the
        path could leave its execution; raises ``Unavailable`` or ``OSError``
        when the store cannot be written."""
        ...

    def delete_execution(self, execution_id: str) -> None:
        """Delete every file of the execution; never raises."""
        ...


def open_store(settings: Settings) -> ArtifactStore:
    """The store ``settings.artifacts_url`` names; a remote one is checked first."""
    location = settings.artifacts_s3
    if location is None:
        return LocalArtifactStore(settings.artifacts_dir)
    try:
        from bugbrain.artifacts.s3 import S3ArtifactStore
    except ImportError as exc:  # boto3 is an extra
        raise ConfigError(
            f"{ENV_PREFIX}ARTIFACTS_URL is an s3:// URL, which needs boto3 "
            f"({exc.name} is missing): pip install 'bugbrain[s3]'"
        ) from None
    store = S3ArtifactStore.from_settings(settings, location)
    store.check()
    return store
