"""Killing a runner and everything it started.

Playwright starts Chromium detached in a process group of its own, so killing
the runner's group is not enough: we kill every descendant found through
/proc (psutil) as well, in one sweep, so no Chromium can outlive a cancel.
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


def kill_tree(proc: subprocess.Popen[bytes], wait_seconds: float = 5.0) -> None:
    victims = descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    for victim in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.kill()
    psutil.wait_procs(victims, timeout=wait_seconds)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=wait_seconds)
