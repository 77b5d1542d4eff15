"""What ``bugbrain run`` shows: progress on stderr (a live bar with ``rich`` on
a terminal; plain lines, without a single ANSI escape, elsewhere, such as CI
logs) and the summary on stdout (a ``rich`` table of the failed tests, then the
links to their screenshots and traces, printed whole so they stay clickable)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from bugbrain.client.models import ProgressingStatus, Status
from bugbrain.vocabulary import TestStatus

PLAIN_WIDTH = 120


def console_for(stream: TextIO) -> Console:
    """A rich console on ``stream``: styled on a terminal, bare text otherwise
    (whatever ``FORCE_COLOR`` or ``TERM`` say)."""
    if stream.isatty():
        return Console(file=stream)
    return Console(
        file=stream,
        force_terminal=False,
        force_interactive=False,
        color_system=None,
        no_color=True,
        width=PLAIN_WIDTH,
        highlight=False,
        emoji=False,
    )


class ProgressView:
    """The execution's progress: a live bar on a terminal, else a line per change."""

    def __init__(self, execution_id: str, stream: TextIO | None = None) -> None:
        self.execution_id = execution_id
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._last: tuple[str, int, int] | None = None
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if self.live:
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("tests"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._task = self._bar.add_task(f"{execution_id} queued", total=None)
            self._bar.start()

    def update(self, status: Status) -> None:
        if isinstance(status, ProgressingStatus):
            current, total = status.progress.current, status.progress.total
        else:
            current = status.passed_tests + status.failed_tests + status.skipped_tests
            total = status.total_tests
        mark = (str(status.status), current, total)
        if self._bar is not None and self._task is not None:
            self._bar.update(
                self._task,
                description=f"{self.execution_id} {status.status}",
                completed=current,
                total=total or None,
            )
        elif mark != self._last:
            percent = f" ({current * 100 // total}%)" if total else ""
            print(
                f"{self.execution_id}: {status.status}, {current}/{total} tests done{percent}",
                file=self.stream,
                flush=True,
            )
        self._last = mark

    def test_finished(self, name: str, status: str, duration_ms: int | None) -> None:
        """A line per finished test (above the bar on a terminal)."""
        took = f" in {duration_ms / 1000:.1f} s" if duration_ms is not None else ""
        line = f"{self.execution_id}: {status}: {_shorten(name, 120)}{took}"
        if self._bar is not None:
            self._bar.console.print(Text(line))
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def headline(execution: Mapping[str, Any], results: Mapping[str, Any]) -> str:
    """``exec_…: completed in 3.2 s: 1 passed, 1 failed, …`` and why it did not complete."""
    counts = results.get("summary") or {}
    took = execution.get("duration_ms")
    duration = f" in {took / 1000:.1f} s" if isinstance(took, int) else ""
    line = (
        f"{results.get('id')}: {results.get('status')}{duration}: "
        f"{counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, "
        f"{counts.get('skipped', 0)} skipped, {counts.get('flaky', 0)} flaky"
    )
    if execution.get("failure_reason"):
        why = execution["failure_reason"]
        if execution.get("failure_message"):
            why += f": {execution['failure_message']}"
        line += f" (execution failed: {why})"
    elif execution.get("cancellation_reason"):
        line += f" (cancelled: {execution['cancellation_reason']})"
    return line


def failed_table(
    tests: list[Mapping[str, Any]], analysis: Mapping[str, Any] | None, plain: bool
) -> Table:
    """The failed tests: name, failure category, error and first suggestion."""
    entries = {str(e.get("test_id")): e for e in (analysis or {}).get("analysis") or []}
    table = Table(title="Failed tests", box=box.ASCII if plain else box.ROUNDED, show_lines=True)
    for column in ("Test", "Category", "Error", "Suggestion"):
        table.add_column(column, overflow="fold")
    for test in tests:
        entry = entries.get(str(test.get("test_id")), {})
        suggestions = entry.get("fix_suggestions") or []
        cells = (
            str(test.get("name")),
            str(entry.get("failure_category") or "-"),
            _shorten(str(test.get("error") or "")),
            _shorten(str(suggestions[0])) if suggestions else "-",
        )
        # Text, not markup: "[data-testid=add]" is a selector, not a style.
        table.add_row(*(Text(cell) for cell in cells))
    return table


def summary(
    stream: TextIO,
    execution: Mapping[str, Any],
    results: Mapping[str, Any],
    analysis: Mapping[str, Any] | None,
) -> None:
    """The summary: how it ended, a table of the failed tests (category and
    the first suggestion of the failure analysis), and their artifacts' links."""
    out = console_for(stream)
    out.print(headline(execution, results), markup=False, highlight=False, soft_wrap=True)
    tests: list[Mapping[str, Any]] = list(results.get("test_results") or [])
    failed = [t for t in tests if t.get("status") == TestStatus.FAILED]
    if failed:
        out.print(failed_table(failed, analysis, plain=not stream.isatty()))
    for test in tests:
        if test.get("flaky"):
            out.print(
                f"flaky (passed on a retry): {test.get('name')}", markup=False, highlight=False
            )
    links = [
        f"  {test.get('name')} {kind}: {test[kind]}"
        for test in failed
        for kind in ("screenshot", "trace", "page_archive")
        if test.get(kind)
    ]
    if links:
        # Plain prints: a URL cut by wrapping would not open.
        print("Artifacts (signed links):", file=stream)
        for link in links:
            print(link, file=stream)
    stream.flush()
