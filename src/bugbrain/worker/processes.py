"""Killing a runner and everything it started.

Playwright starts Chromium in a process group of its own, so killing the
runner's group is not enough, and a runner that dies on its own leaves its
descendants reparented away where ``children()`` no longer finds them. So the
supervisor remembers every descendant it has seen, and kills those too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

import psutil


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


class ProcessTree:
    """A child process plus every descendant seen so far."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self._seen: dict[int, psutil.Process] = {}

    def refresh(self) -> None:
        for process in descendants(self.proc.pid):
            self._seen.setdefault(process.pid, process)

    def kill(self, wait_seconds: float = 5.0) -> None:
        """SIGKILL the child, its group and every descendant ever seen; idempotent."""
        self.refresh()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        # psutil checks each one's start time, so a reused pid is never hit.
        alive = [p for p in self._seen.values() if p.is_running()]
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(alive, timeout=wait_seconds)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=wait_seconds)
