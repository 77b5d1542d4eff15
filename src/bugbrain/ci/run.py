"""``bugbrain run`` and ``bugbrain rerun``: start an execution through the SDK,
follow it to its end (its Server-Sent Events; polling on ``client.polling``'s
schedule where the stream cannot be had), report it and return the
exit code (``outcome``). Ctrl-C: cancel the execution (``--cancel-on-interrupt``,
or when the user says so at the prompt on a terminal), or leave it running and
print its id."""

from __future__ import annotations

import argparse
import json
import logging
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bugbrain.ci import console, junit, outcome
from bugbrain.client import (
    ApiError,
    AuthError,
    BugbrainClientError,
    Client,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from bugbrain.client.models import STATUS, ExecutionEvent, QueuedExecution
from bugbrain.client.polling import Poller
from bugbrain.vocabulary import TERMINAL, TestStatus

POLL_INTERVAL = 1.0
MAX_POLL_INTERVAL = 5.0
# How long ``run`` waits without ``--wait``: the execution's ``--timeout`` plus
# this much for the queue, or ``DEFAULT_WAIT`` when the server's default applies.
QUEUE_ALLOWANCE = 600
DEFAULT_WAIT = 3600


def _err(message: str) -> None:
    print(f"bugbrain: {message}", file=sys.stderr, flush=True)


def _client(args: argparse.Namespace) -> Client:
    # httpx logs each request at INFO: the progress lines say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return Client(args.server, args.key, retries=3)
    except BugbrainClientError as error:  # no URL, or not http(s)
        raise outcome.UsageError(f"{error} (--server or BUGBRAIN_URL)") from None


def _api_error_code(error: BugbrainClientError) -> int:
    """Before the execution runs: a refusal of ours (auth, arguments, unknown
    ids) is a usage error; the server failing or unreachable is not."""
    if isinstance(error, AuthError | ValidationError | NotFoundError | ConflictError):
        return outcome.USAGE
    if isinstance(error, ApiError) and 400 <= error.status_code < 500:
        return outcome.USAGE
    return outcome.EXECUTION_FAILED


def _describe(error: BugbrainClientError) -> str:
    if isinstance(error, ApiError):
        text = f"{error.status_code} {error.code}: {error.message}"
        for detail in error.details:
            text += f"\n  {detail.field}: {detail.message}"
        if isinstance(error, AuthError):
            text += "\n  (check --key or BUGBRAIN_API_KEY)"
        return text
    return str(error)


def cmd_run(args: argparse.Namespace) -> int:
    try:
        plain = outcome.parse_assignments(args.var, "--var")
        secrets = outcome.parse_assignments(args.secret, "--secret", from_environment=True)
        if args.timeout is not None and args.timeout < 1:
            raise outcome.UsageError("--timeout: must be at least 1 second")
        with _client(args) as bb:
            try:
                queued = bb.start_execution(
                    args.plan,
                    args.project,
                    timeout_seconds=args.timeout,
                    environment=args.env,
                    variables=outcome.variables(plain, secrets) or None,
                )
            except BugbrainClientError as error:
                _err(f"could not start the execution: {_describe(error)}")
                return _api_error_code(error)
            wait = args.wait or (args.timeout + QUEUE_ALLOWANCE if args.timeout else DEFAULT_WAIT)
            return _after_start(bb, args, queued, wait)
    except outcome.UsageError as error:
        _err(str(error))
        return outcome.USAGE


def cmd_rerun(args: argparse.Namespace) -> int:
    try:
        with _client(args) as bb:
            try:
                queued = bb.rerun(args.execution_id, only_failed=args.only_failed)
            except BugbrainClientError as error:
                _err(f"could not rerun {args.execution_id}: {_describe(error)}")
                return _api_error_code(error)
            return _after_start(bb, args, queued, args.wait or DEFAULT_WAIT)
    except outcome.UsageError as error:
        _err(str(error))
        return outcome.USAGE


def _after_start(bb: Client, args: argparse.Namespace, queued: QueuedExecution, wait: float) -> int:
    execution_id = queued.id
    if args.no_wait:
        if args.json:
            print(
                json.dumps(
                    {
                        "id": execution_id,
                        "status": str(queued.status),
                        "polling_url": queued.polling_url,
                    }
                )
            )
        else:
            print(execution_id)
        return outcome.PASSED
    _err(f"started {execution_id}: {bb.base_url}/api/v1/executions/{execution_id}")
    # Ctrl-C (and a CI system's cancel, which sends SIGINT) is this command's to
    # handle, even when it was started with SIGINT ignored (a shell without job
    # control ignores it in the commands it starts in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        ended = _follow(bb, execution_id, wait)
    except KeyboardInterrupt:
        return _interrupted(bb, execution_id, args.cancel_on_interrupt)
    except (AuthError, NotFoundError) as error:
        _err(f"lost the execution {execution_id}: {_describe(error)}")
        return outcome.USAGE if isinstance(error, AuthError) else outcome.EXECUTION_FAILED
    if not ended:
        _err(
            f"{execution_id} did not end within {wait:g} s: it is still running "
            f"(follow it with GET /api/v1/executions/{execution_id}/status)"
        )
        return outcome.EXECUTION_FAILED
    return _report(bb, args, execution_id)


def _follow(bb: Client, execution_id: str, wait: float) -> bool:
    """Follow the execution until it ends (``True``) or ``wait`` seconds pass:
    by its events, else (a proxy that will not stream, an older server) by
    polling its status for the time left."""
    deadline = time.monotonic() + wait
    view = console.ProgressView(execution_id)
    try:
        ended = _follow_events(bb, execution_id, deadline, view)
        if ended is not None:
            return ended
        return _poll(bb, execution_id, deadline, view)
    finally:
        view.close()


_END = object()


def _follow_events(
    bb: Client, execution_id: str, deadline: float, view: console.ProgressView
) -> bool | None:
    """``True``: it ended; ``False``: ``deadline`` came first; ``None``: no stream.
    The stream is read in a thread so that the deadline (and Ctrl-C) need not
    wait for the next event."""
    events: queue.Queue[object] = queue.Queue()

    def read() -> None:
        try:
            for event in bb.events(execution_id):
                events.put(event)
        except BugbrainClientError as error:
            events.put(error)
        events.put(_END)

    threading.Thread(target=read, name="bugbrain-events", daemon=True).start()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            item = events.get(timeout=min(left, 1.0))
        except queue.Empty:
            continue
        if isinstance(item, ExecutionEvent):
            if _show(view, item):
                return True
            continue
        if isinstance(item, (NotFoundError, AuthError)):
            raise item
        if isinstance(item, BugbrainClientError):
            logging.getLogger("bugbrain").debug("events: %s; polling instead", item)
        return None  # the stream failed or ended early: poll for the rest


def _show(view: console.ProgressView, event: ExecutionEvent) -> bool:
    """Show ``event``; ``True`` when it is the terminal status."""
    if event.event in ("status", "progress"):
        status = STATUS.validate_python(event.data, extra="allow")
        view.update(status)
        return event.event == "status" and status.status in TERMINAL
    if event.event == "test_finished":
        data = event.data
        view.test_finished(str(data.get("name")), str(data.get("status")), data.get("duration_ms"))
    return False


def _poll(bb: Client, execution_id: str, deadline: float, view: console.ProgressView) -> bool:
    """Poll until the execution ends (``True``) or ``deadline`` passes."""
    poller = Poller.starting(
        time.monotonic(), max(0.0, deadline - time.monotonic()), POLL_INTERVAL, MAX_POLL_INTERVAL
    )
    while True:
        try:
            status = bb.get_status(execution_id)
        except BugbrainClientError as error:
            poller.failed(error)  # raises unless it may pass (no answer, 5xx)
        else:
            view.update(status)
            if poller.seen(status):
                return True
        delay = poller.next_delay(time.monotonic())
        if delay is None:
            return False
        time.sleep(delay)


def _ask_to_cancel(execution_id: str) -> bool:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    try:
        answer = input(f"\nCancel execution {execution_id}? [y/N] ")
    except (KeyboardInterrupt, EOFError):
        return False
    return answer.strip().lower() in {"y", "yes"}


def _interrupted(bb: Client, execution_id: str, cancel: bool) -> int:
    if cancel or _ask_to_cancel(execution_id):
        try:
            bb.cancel_execution(execution_id)
        except ConflictError:
            _err(f"{execution_id} had already ended")
        except BugbrainClientError as error:
            _err(f"could not cancel {execution_id}: {_describe(error)}")
            return outcome.EXECUTION_FAILED
        else:
            _err(f"cancelled {execution_id}")
        return outcome.EXECUTION_FAILED
    _err(f"interrupted; execution {execution_id} is still running")
    print(execution_id, flush=True)
    return outcome.INTERRUPTED


def _report(bb: Client, args: argparse.Namespace, execution_id: str) -> int:
    execution = bb.get_execution(execution_id).model_dump(mode="json", exclude_none=True)
    results = bb.get_results(execution_id).model_dump(mode="json")
    analysis: dict[str, Any] | None = None
    if any(t["status"] != TestStatus.PASSED for t in results["test_results"]):
        analysis = bb.get_failure_analysis(execution_id).model_dump(mode="json")
    code = outcome.exit_code(str(execution["status"]), int(results["summary"]["failed"]))
    plan_name = _plan_name(bb, str(execution["test_plan_id"]))
    if args.junit:
        path = Path(args.junit)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(junit.build(results, analysis, execution, suite_name=plan_name))
        _err(f"JUnit report: {path}")
    if args.json:
        print(json.dumps(_json_report(execution, results, analysis, code), indent=2))
    else:
        console.summary(sys.stdout, execution, results, analysis)
    return code


def _plan_name(bb: Client, plan_id: str) -> str | None:
    try:
        return bb.get_test_plan(plan_id).name
    except BugbrainClientError:
        return None  # deleted since: the id names the suite


def _json_report(
    execution: dict[str, Any],
    results: dict[str, Any],
    analysis: dict[str, Any] | None,
    code: int,
) -> dict[str, Any]:
    entries = {e["test_id"]: e for e in (analysis or {}).get("analysis") or []}
    tests = []
    for test in results["test_results"]:
        entry = entries.get(test["test_id"], {})
        tests.append(
            {
                "test_id": test["test_id"],
                "name": test["name"],
                "status": test["status"],
                "duration_ms": test["duration_ms"],
                "flaky": test["flaky"],
                "healed": test["healed"],
                "error": test.get("error"),
                "failure_category": entry.get("failure_category"),
                "fix_suggestions": entry.get("fix_suggestions", []),
                "screenshot": test.get("screenshot"),
                "trace": test.get("trace"),
                "page_archive": test.get("page_archive"),
            }
        )
    return {
        "id": execution["id"],
        "status": execution["status"],
        "exit_code": code,
        "test_plan_id": execution["test_plan_id"],
        "project_id": execution["project_id"],
        "environment": execution.get("environment"),
        "rerun_of": execution.get("rerun_of"),
        "failure_reason": execution.get("failure_reason"),
        "failure_message": execution.get("failure_message"),
        "duration_ms": execution.get("duration_ms"),
        "summary": results["summary"],
        "tests": tests,
        "heals": results["heals"],
    }
