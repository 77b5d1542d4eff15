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
import time

import psutil


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_dead(processes: list[psutil.Process], seconds: float) -> None:
    """Until each has exited (a zombie counts: it runs no code any more)."""
    give_up = time.monotonic() + seconds
    while any(_alive(p) for p in processes) and time.monotonic() < give_up:
        time.sleep(0.02)


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
        # Zombies are already dead: waiting for init to reap them cost up to
        # seconds per execution (it is not ours to hurry).
        alive = [p for p in self._seen.values() if _alive(p)]
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        _wait_dead(alive, wait_seconds)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=wait_seconds)
