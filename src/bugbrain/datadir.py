"""One server per data directory: a second one would double-run the queue."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from bugbrain.errors import ConfigError


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "server.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ConfigError(
                f"data directory {self.path.parent} is in use by {holder}; "
                "stop it or use another --data-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
