"""Local artifact store: one directory per execution under ``<data_dir>/artifacts``.

The runner writes there and the API serves from there: nothing to store."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path

from bugbrain.artifacts.keys import split_path


class LocalArtifactStore:
    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def execution_dir(self, execution_id: str) -> Path:
        return self.root / execution_id

    def resolve(self, relative: str) -> Path | None:
        """The file for ``<execution_id>/<path>``, or None if absent or outside the store."""
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def open(self, path: str) -> Path | None:
        return self.resolve(path)

    def save(self, path: str, data: bytes) -> bool:
        parts = split_path(path)
        if parts is None:
            return False
        file = self.root.joinpath(*parts)
        file.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: a reader never sees half a file.
        partial = file.with_name(f".{file.name}.{secrets.token_hex(4)}")
        partial.write_bytes(data)
        os.replace(partial, file)
        return True

    def store_files(self, paths: Sequence[str]) -> None:
        """Already where they are served from."""

    def store_execution(self, execution_id: str) -> bool:
        return True

    def left_over(self) -> list[str]:
        return []

    def delete_execution(self, execution_id: str) -> None:
        shutil.rmtree(self.execution_dir(execution_id), ignore_errors=True)


def load_or_create_secret(data_dir: Path, configured: str) -> bytes:
    """The URL-signing secret: the configured one, else one kept in the data dir
    so signed links survive restarts."""
    if configured:
        return configured.encode()
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32).encode()
    path.write_bytes(secret)
    path.chmod(0o600)
    return secret
