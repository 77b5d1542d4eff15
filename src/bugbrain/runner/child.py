"""Child-process entry point: ``python -m bugbrain.runner.child SPEC_PATH``.

Or, warm: ``python -m bugbrain.runner.child --warm OWNER CHROMIUM_PATH|- HEADLESS(1|0)``
starts Playwright and launches Chromium first, then reads the spec's path as one
line from stdin (end of input: exit 0 without running anything). OWNER, the
directory of the server's runners, only tells ``ps`` whose runner this is.

stdout carries only JSON-line events (see browser.run_spec); everything else goes
to stderr.  Exit codes: 0 done, 1 internal error / killed, 2 invalid spec,
3 browser launch failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import TextIO

import psutil

from bugbrain.contract.events import RunnerEvent
from bugbrain.contract.masking import Masker
from bugbrain.contract.spec import RunSpec, parse_spec
from bugbrain.runner import redact
from bugbrain.runner.browser import BrowserLaunchError, Launched
from bugbrain.runner.errors import first_line
from bugbrain.vault import RUNNER_KEY_ENV, SecretUnreadable
from bugbrain.vocabulary import FailureReason

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID_SPEC = 2
EXIT_LAUNCH_FAILED = 3

_WATCHDOG_INTERVAL_S = 0.5

log = logging.getLogger("bugbrain.runner.child")


class JsonLineEmitter:
    """Writes one JSON object per line and flushes it; thread-safe."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: RunnerEvent) -> None:
        line = json.dumps(event, separators=(",", ":"), default=str)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()


def _claim_stdout() -> TextIO:
    """Keep the real stdout for events only; point fd 1 and sys.stdout at stderr.

    Anything printed by accident (libraries, subprocesses inheriting fd 1) then
    lands on stderr instead of corrupting the event stream.
    """
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(events_fd, "w", encoding="utf-8", buffering=1)


def kill_descendants() -> None:
    """SIGKILL every descendant (Playwright driver, Chromium and its helpers)."""
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.kill()
    with contextlib.suppress(psutil.Error):
        psutil.wait_procs(children, timeout=3)


def _die(code: int) -> None:
    kill_descendants()
    os._exit(code)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _die(EXIT_INTERNAL)


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(_WATCHDOG_INTERVAL_S)
        if os.getppid() != parent_pid:
            log.error("parent process %d went away; killing the browser", parent_pid)
            _die(EXIT_INTERNAL)


def install_guards() -> None:
    """Parent-death watchdog thread plus SIGTERM/SIGINT handlers (main thread only)."""
    thread = threading.Thread(
        target=_watch_parent, args=(os.getppid(),), name="parent-watchdog", daemon=True
    )
    thread.start()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


class _InvalidSpec(Exception):
    pass


# The key that opens the spec's secrets, taken out of the environment at start
# (so the browser and anything else started later never inherit it).
_secrets_key = ""


def _read_spec(path: str) -> tuple[RunSpec, dict[str, str]]:
    """The spec and its secrets, opened; from here on this process's log masks them."""
    try:
        with open(path, encoding="utf-8") as fh:
            spec = parse_spec(json.load(fh))
        secrets = redact.open_secrets(spec, _secrets_key)
    except (OSError, ValueError, SecretUnreadable) as exc:
        raise _InvalidSpec(first_line(exc)) from None
    redact.mask_logs(Masker(secrets.values()))
    return spec, secrets


async def _run_cold(path: str, emit: JsonLineEmitter) -> None:
    spec, secrets = _read_spec(path)
    async with Launched(spec.chromium_path, spec.headless) as launched:
        await launched.run(spec, emit, secrets)


async def _run_warm(chromium: str, headless: str, emit: JsonLineEmitter) -> bool:
    """Launch first, then wait for the spec's path; False when none came."""
    async with Launched(None if chromium == "-" else chromium, headless == "1") as launched:
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if not line.strip():
            return False  # the server let this runner go unused
        spec, secrets = _read_spec(line.strip())
        await launched.run(spec, emit, secrets)
    return True


def main(argv: list[str] | None = None) -> int:
    """Run a spec (see the module docstring). Meant to be the whole process (it takes over fd 1)."""
    global _secrets_key
    _secrets_key = os.environ.pop(RUNNER_KEY_ENV, "")
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    args = sys.argv[1:] if argv is None else argv
    emit = JsonLineEmitter(_claim_stdout())
    install_guards()
    warm = len(args) == 4 and args[0] == "--warm"
    if not warm and (len(args) != 1 or args[0].startswith("--")):
        usage = "usage: child SPEC_PATH | child --warm OWNER CHROMIUM_PATH|- 1|0"
        emit({"event": "fatal", "reason": "invalid_spec", "message": usage})
        return EXIT_INVALID_SPEC
    try:
        if warm:
            asyncio.run(_run_warm(args[2], args[3], emit))
        else:
            asyncio.run(_run_cold(args[0], emit))
    except _InvalidSpec as exc:
        emit({"event": "fatal", "reason": "invalid_spec", "message": str(exc)})
        return EXIT_INVALID_SPEC
    except BrowserLaunchError as exc:
        emit(
            {
                "event": "fatal",
                "reason": FailureReason.BROWSER_LAUNCH_FAILED,
                "message": first_line(exc),
            }
        )
        return EXIT_LAUNCH_FAILED
    except Exception as exc:
        log.exception("runner crashed")
        kill_descendants()
        with contextlib.suppress(OSError):  # stdout may be the reason (parent gone)
            emit({"event": "fatal", "reason": "internal_error", "message": first_line(exc)})
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
