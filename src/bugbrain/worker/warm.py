"""Warm runners: a runner child started before its execution is claimed.

Starting a runner costs about 0.7 s before the first test can begin (Python
imports, the Playwright driver, Chromium's launch). Each worker thread keeps
one child that has done all that and waits on stdin for a spec, so an
execution it picks up starts its first test at once. A warm runner serves one
execution and exits like any other, keeping "one browser per execution"; the
worker starts the next one when the execution is over, off its critical path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from bugbrain import ids
from bugbrain.settings import Settings
from bugbrain.vault import RUNNER_KEY_ENV, load_vault
from bugbrain.worker.processes import ProcessTree

log = logging.getLogger("bugbrain.worker")


def runner_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bugbrain.runner.child", *args]


def runner_env(settings: Settings) -> dict[str, str]:
    """The runner's environment: ours, and the key that opens its spec's secrets
    (the child takes it out of its environment before it starts anything)."""
    key = load_vault(settings.data_dir, settings.secrets_key).key_text
    return {**os.environ, "PYTHONUNBUFFERED": "1", RUNNER_KEY_ENV: key}


class WarmRunner:
    """A started runner child waiting for the path of its spec."""

    def __init__(self, proc: subprocess.Popen[bytes], log_path: Path) -> None:
        self.proc = proc
        self.log_path = log_path

    @classmethod
    def start(cls, settings: Settings, directory: Path) -> WarmRunner | None:
        """Start one (its log in ``directory`` until it is handed an execution);
        None when it cannot be started (the execution will start a runner itself)."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
            log_path = directory / f"warm-{ids.base58_token(8)}.log"
            with log_path.open("ab") as stderr:
                proc = subprocess.Popen(
                    runner_command(
                        "--warm",
                        str(directory.resolve()),
                        settings.chromium_path or "-",
                        "1" if settings.headless else "0",
                    ),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    start_new_session=True,
                    env=runner_env(settings),
                )
        except OSError as exc:
            log.warning("could not start a warm runner: %s", exc)
            return None
        return cls(proc, log_path)

    def hand(self, spec_path: Path, log_path: Path) -> subprocess.Popen[bytes] | None:
        """Give it its spec; the runner process, or None if it is no longer usable
        (then it is discarded). Its log moves to ``log_path`` (the open file
        follows the rename)."""
        if self.proc.poll() is not None:
            log.warning("warm runner %d had exited (%s)", self.proc.pid, self.proc.returncode)
            self.discard()
            return None
        assert self.proc.stdin is not None
        try:
            os.replace(self.log_path, log_path)
            self.log_path = log_path
            self.proc.stdin.write(f"{spec_path}\n".encode())
            self.proc.stdin.close()
        except OSError as exc:
            log.warning("handing a spec to warm runner %d failed: %s", self.proc.pid, exc)
            self.discard()
            return None
        return self.proc

    def discard(self) -> None:
        """Stop it and everything it started, and remove its log."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        ProcessTree(self.proc).kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.log_path.name.startswith("warm-"):
            with contextlib.suppress(OSError):
                self.log_path.unlink()
