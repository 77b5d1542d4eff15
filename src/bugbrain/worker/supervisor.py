"""Runs one claimed execution in a child process and turns its event stream
into database updates, enforcing the deadline, cancel requests and the lease."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bugbrain.artifacts.base import ArtifactStore
from bugbrain.clock import utcnow
from bugbrain.contract.events import InvalidEvent, RunnerEvent, parse_event
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.services import execution_state as state
from bugbrain.services import heals, locator_cache
from bugbrain.services.execution_state import Claim
from bugbrain.settings import Settings
from bugbrain.vocabulary import ExecutionStatus, FailureReason
from bugbrain.worker.processes import ProcessTree
from bugbrain.worker.warm import WarmRunner, runner_command, runner_env

log = logging.getLogger("bugbrain.worker")

# How often the supervisor looks at the row for a cancel it was not told about
# (e.g. made by another process) — keeps "cancel within 5 s" true everywhere.
STATUS_CHECK_SECONDS = 0.5
STDERR_TAIL_BYTES = 4000
# After its stdout closes, how long the runner may take to exit before it is killed.
RUNNER_EXIT_GRACE_SECONDS = 10


@dataclass
class RunOutcome:
    """What the child said about how the run ended."""

    done: bool = False
    fatal_reason: str | None = None
    fatal_message: str | None = None
    # An event line that did not validate: a result may be lost, so the
    # execution fails even if the runner went on to say it was done.
    unreadable: str | None = None
    partial_steps: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


class Supervisor:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        store: ArtifactStore,
        claim: Claim,
        warm: WarmRunner | None = None,
        should_stop: Callable[[], bool] | None = None,
        stop_message: str = "The server shut down while this execution ran",
    ) -> None:
        self.engine = engine
        # Asked from outside whether to stop now (a job queue's abort), and what
        # the execution then says about why it ended.
        self.should_stop = should_stop
        self.stop_message = stop_message
        self.warm = warm
        self.settings = settings
        self.store = store
        self.claim = claim
        self.cancelled = threading.Event()
        self.shutting_down = threading.Event()
        self.outcome = RunOutcome()
        self._buffer = b""
        self.tree: ProcessTree | None = None
        self._attempts: dict[int, int] = {}
        self._spec_steps: dict[int, list[dict[str, Any]]] = {}
        # Whether the runner came from a warm one, and has printed anything yet.
        self._from_warm = False
        self._heard = False
        # A remote store takes each finished test's files on a thread of its own:
        # an upload must not hold up heartbeats, cancels and the deadline.
        self._uploads = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="bugbrain-upload")
            if store.remote
            else None
        )
        self._files_settled = False

    # ---- set-up -------------------------------------------------------------

    def _write_spec(self, directory: Path) -> Path:
        with read_tx(self.engine) as conn:
            spec = locator_cache.attach_cached_selectors(conn, self.claim.spec)
            spec = heals.attach_history(
                conn, spec, refresh_seconds=self.settings.fingerprint_refresh_seconds
            )
        spec.update(
            execution_id=self.claim.execution_id,
            chromium_path=self.settings.chromium_path or None,
            headless=self.settings.headless,
            navigation_timeout_ms=30_000,
            artifacts_dir=str(directory),
        )
        self._spec_steps = {test["position"]: test["steps"] for test in spec["tests"]}
        path = directory / "spec.json"
        path.write_text(json.dumps(spec))
        return path

    def _spawn(self, directory: Path) -> subprocess.Popen[bytes]:
        spec_path = self._write_spec(directory)
        log_path = directory / "runner.log"
        warm, self.warm = self.warm, None
        self._from_warm = False
        if warm is not None:
            proc = warm.hand(spec_path, log_path)
            if proc is not None:
                self._from_warm = True
                return proc
        with log_path.open("ab") as stderr:
            return subprocess.Popen(
                runner_command(str(spec_path)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,
                env=runner_env(self.settings),
            )

    # ---- main loop ----------------------------------------------------------

    def run(self) -> None:
        try:
            self._run()
        finally:
            # Cancelled, lost, or ended: its files are kept all the same.
            self._settle_files()

    def _run(self) -> None:
        directory = self.store.execution_dir(self.claim.execution_id)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            proc = self._spawn(directory)
        except OSError as exc:
            self._fail(FailureReason.RUNNER_CRASHED, f"Could not start the runner: {exc}")
            return
        finally:
            if self.warm is not None:  # never handed its spec (it could not be written)
                self.warm.discard()
                self.warm = None
        ended_by = self._supervise(proc)
        if ended_by is None and self._died_on_hand_off(proc):
            # The warm runner was alive when it was checked and dead before it
            # said a word (killed in between): nothing of the run happened, so
            # the run starts again on a runner started cold, as for a dead one.
            log.warning(
                "warm runner %d exited (%s) on hand-off; starting the run cold",
                proc.pid,
                proc.returncode,
            )
            try:
                proc = self._spawn(directory)
            except OSError as exc:
                self._fail(FailureReason.RUNNER_CRASHED, f"Could not start the runner: {exc}")
                return
            ended_by = self._supervise(proc)
        if ended_by is None:
            self._conclude(proc.returncode, directory)
        else:
            self._after_kill(ended_by)

    def _supervise(self, proc: subprocess.Popen[bytes]) -> str | None:
        """Watch ``proc`` to its end; None when it exited on its own, else why it was stopped."""
        self.tree = ProcessTree(proc)
        try:
            ended_by = self._watch(proc, self.tree)
            if ended_by is None:  # stdout closed: the runner is exiting on its own
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=RUNNER_EXIT_GRACE_SECONDS)
        finally:
            # Whatever happened, nothing the runner started survives it: after a
            # clean exit this finds nothing; after a crash it finds orphans.
            self.tree.kill()
            if proc.stdout is not None:
                proc.stdout.close()
        return ended_by

    def _died_on_hand_off(self, proc: subprocess.Popen[bytes]) -> bool:
        return self._from_warm and not self._heard and proc.returncode not in (None, 0)

    def _watch(self, proc: subprocess.Popen[bytes], tree: ProcessTree) -> str | None:
        """Pump events until the child exits (None) or we must stop it (a reason)."""
        assert proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        next_beat = next_check = time.monotonic()
        deadline = self.claim.deadline
        try:
            while True:
                for _key, _mask in selector.select(timeout=0.2):
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        return None
                    self._feed(chunk)
                if self.cancelled.is_set():
                    return ExecutionStatus.CANCELLED
                if self.shutting_down.is_set() or (
                    self.should_stop is not None and self.should_stop()
                ):
                    return "shutdown"
                if utcnow() >= deadline:
                    return FailureReason.TIMEOUT
                now = time.monotonic()
                if now >= next_beat:
                    next_beat = now + self.settings.heartbeat_seconds
                    tree.refresh()
                    with write_tx(self.engine) as conn:
                        if not state.heartbeat(conn, self.claim):
                            return "lost"
                elif now >= next_check:
                    next_check = now + STATUS_CHECK_SECONDS
                    with read_tx(self.engine) as conn:
                        if not state.still_ours(conn, self.claim):
                            return "lost"
        finally:
            selector.close()

    def _feed(self, chunk: bytes) -> None:
        self._heard = True
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                event = parse_event(line)
            except InvalidEvent as exc:
                # Not ours to guess at: a result that cannot be read is lost,
                # and the execution must say so rather than pass without it.
                log.warning(
                    "runner %s printed a non-event line (%s): %r",
                    self.claim.execution_id,
                    exc,
                    line[:200],
                )
                if line.lstrip().startswith(b"{") and self.outcome.unreadable is None:
                    self.outcome.unreadable = f"The runner sent an unreadable event ({exc})"
                continue
            self._handle(event)

    def _handle(self, event: RunnerEvent) -> None:
        claim = self.claim
        if event["event"] == "browser_started":
            if self.tree is not None:
                self.tree.refresh()
            with write_tx(self.engine) as conn:
                state.mark_running(conn, claim, event["browser_version"])
        elif event["event"] == "test_started":
            started = _parse_time(event["started_at"])
            with write_tx(self.engine) as conn:
                state.record_test_started(conn, claim, event["position"], started)
        elif event["event"] == "step_finished":
            step = self._rebase(dict(event["step"]))
            position, attempt = event["position"], event.get("attempt", 1)
            if self._attempts.get(position) != attempt:  # a retry starts a fresh list
                self._attempts[position] = attempt
                self.outcome.partial_steps[position] = []
            self.outcome.partial_steps.setdefault(position, []).append(step)
        elif event["event"] == "test_finished":
            result = self._rebase(dict(event["result"]))
            self._record_test(event["position"], result)
            if self._uploads is not None:
                files = list(dict.fromkeys(_files(result)))
                self._uploads.submit(self._store, partial(self.store.store_files, files))
        elif event["event"] == "fatal":
            # The API documents a closed set of reasons; anything but a browser
            # that would not start is the runner's own failure.
            self.outcome.fatal_reason = (
                FailureReason.BROWSER_LAUNCH_FAILED
                if event["reason"] == FailureReason.BROWSER_LAUNCH_FAILED
                else FailureReason.RUNNER_CRASHED
            )
            self.outcome.fatal_message = event["message"]
        else:
            self.outcome.done = True

    def _record_test(self, position: int, result: dict[str, Any]) -> None:
        self.outcome.partial_steps.pop(position, None)
        spec_steps = self._spec_steps.get(position, [])
        # Fingerprints are for healing later runs, not for the results body.
        stored = {
            **result,
            "steps": [
                {k: v for k, v in step.items() if k != "fingerprint"}
                for step in result.get("steps") or []
            ],
        }
        claim = self.claim
        with write_tx(self.engine) as conn:
            if state.record_test_result(conn, claim, position, stored) and state.test_case_exists(
                conn, result["test_id"]
            ):
                locator_cache.record(conn, result["test_id"], spec_steps, result)
                heals.record(
                    conn,
                    workspace_id=claim.workspace_id,
                    execution_id=claim.execution_id,
                    test_case_id=result["test_id"],
                    spec_steps=spec_steps,
                    result=result,
                )

    def _rebase(self, result: dict[str, Any]) -> dict[str, Any]:
        """Runner paths are relative to the execution's directory; the store's
        paths start with the execution id."""
        prefix = self.claim.execution_id + "/"
        if result.get("screenshot"):
            result["screenshot"] = prefix + result["screenshot"]
        if "steps" in result:
            result["steps"] = [self._rebase(dict(step)) for step in result["steps"]]
        evidence = result.get("evidence")
        if evidence:
            files = {k: prefix + evidence[k] for k in ("trace", "page_archive") if evidence.get(k)}
            result["evidence"] = {**evidence, **files}
        if result.get("attempts"):
            result["attempts"] = [self._rebase(dict(a)) for a in result["attempts"]]
        return result

    # ---- endings ------------------------------------------------------------

    def _settle_files(self) -> None:
        """With a remote store: every file of the run stored (and no local copy
        left) before the run's end is written, so a finished execution's links
        open. The lease is renewed meanwhile: uploads can outlast it."""
        if self._uploads is None or self._files_settled:
            return
        self._files_settled = True
        # One upload thread, first in first out: this ends after every test's files.
        execution_id = self.claim.execution_id
        rest = self._uploads.submit(self._store, partial(self.store.store_execution, execution_id))
        keep_lease = True
        while True:
            try:
                rest.result(timeout=self.settings.heartbeat_seconds)
                break
            except TimeoutError:
                if keep_lease:
                    with write_tx(self.engine) as conn:
                        keep_lease = state.heartbeat(conn, self.claim)
        self._uploads.shutdown()
        with read_tx(self.engine) as conn:
            deleted = state.load(conn, execution_id) is None
        if deleted:  # its project went while files were on their way
            self.store.delete_execution(execution_id)

    def _store(self, action: Callable[[], object]) -> None:
        """On the upload thread: a store call, whose failure must not stop the next."""
        try:
            action()
        except Exception:
            log.exception("storing files of %s failed", self.claim.execution_id)

    def _conclude(self, returncode: int, directory: Path) -> None:
        if self.outcome.unreadable is not None:
            self._fail(FailureReason.RUNNER_CRASHED, self.outcome.unreadable)
            return
        if self.outcome.done:  # every test reported; how teardown went does not matter
            self._settle_files()
            with write_tx(self.engine) as conn:
                if not state.still_ours(conn, self.claim):
                    return
                state.skip_unfinished(conn, self.claim.execution_id, "Not run")
                state.finish(conn, self.claim)
            return
        if self.outcome.fatal_reason:
            self._fail(self.outcome.fatal_reason, self.outcome.fatal_message or "")
            return
        tail = _tail(directory / "runner.log")
        self._fail(
            FailureReason.RUNNER_CRASHED,
            f"The runner process exited with code {returncode} before finishing. {tail}".strip(),
        )

    def _after_kill(self, reason: str) -> None:
        if reason == FailureReason.TIMEOUT:
            self._fail(
                FailureReason.TIMEOUT,
                f"Execution exceeded its timeout of {self.claim.timeout_seconds} s",
            )
        elif reason == "shutdown":
            with write_tx(self.engine) as conn:
                if state.requeue(conn, self.claim):  # its plan says: run it again elsewhere
                    log.info("execution %s re-queued: its worker stopped", self.claim.execution_id)
                    return
            self._fail(FailureReason.SERVER_SHUTDOWN, self.stop_message)
        # "cancelled" and "lost": the row was already ended by whoever took it from us.

    def _fail(self, reason: str, message: str) -> None:
        self._settle_files()
        with write_tx(self.engine) as conn:
            state.fail(conn, self.claim, reason, message, self.outcome.partial_steps)


def _files(result: dict[str, Any]) -> list[str]:
    """The artifact paths a (rebased) test result names, as ``_rebase`` sets them."""
    found = [result["screenshot"]] if result.get("screenshot") else []
    for step in result.get("steps") or []:
        found += _files(step)
    evidence = result.get("evidence") or {}
    found += [evidence[k] for k in ("trace", "page_archive") if evidence.get(k)]
    for attempt in result.get("attempts") or []:
        found += _files(attempt)
    return found


def _parse_time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return utcnow()


def _tail(path: Path) -> str:
    try:
        data = path.read_bytes()[-STDERR_TAIL_BYTES:]
    except OSError:
        return ""
    lines = [line for line in data.decode(errors="replace").splitlines() if line.strip()]
    return ("Last output: " + " | ".join(lines[-5:])) if lines else ""
