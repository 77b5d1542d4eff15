"""Passing steps' screenshots made from DOM snapshots: how the runner marks a
step in its test's Playwright trace, and how the API finds its snapshot again.

With ``screenshot_source: dom_snapshot`` the runner records the test's trace with
DOM snapshots and runs each step inside a trace group titled ``group_title``.
Playwright snapshots the page after each of the step's actions and traced
reads, so the last snapshot taken inside a step's group is the page as the step
ended (the next step has not begun): its screenshot. A step whose group holds
none (it only looked, without a traced read; or Playwright skipped it while a
click navigated) shows the first snapshot after its group: the page before the
next step acted. The test ends with ``marker``, a no-op Playwright snapshots
the same way, so the last steps have one too. The step's screenshot path
(``<dir>/<name>.png``) names no file yet; the API renders that snapshot to it
the first time someone opens it (``runner/snapshot_render.py``), from
``<dir>/trace.zip``, and keeps it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Final

TRACE_NAME: Final = "trace.zip"
# A step screenshot's file name: <step>.png (runner/session.py _file_names).
_STEM: Final = re.compile(r"[A-Za-z0-9_.-]{1,120}")
_SEPARATOR: Final = " · "
_TITLE_LIMIT: Final = 200
_SNAPSHOT_HEAD: Final = re.compile(r'"callId": ?"(?P<call>[^"]+)", ?"phase": ?"(?P<phase>\w+)"')


def group_title(stem: str, label: str) -> str:
    """The trace group of the step whose screenshot is ``<stem>.png``: the stem
    first (how it is found again), then what the step says (how people read it)."""
    if not _STEM.fullmatch(stem):
        raise ValueError(f"not a step screenshot name: {stem!r}")
    label = " ".join(label.split())
    return f"{stem}{_SEPARATOR}{label}"[:_TITLE_LIMIT]


def marker(stem: str) -> str:
    """A no-op whose traced call Playwright snapshots: ``marker("test_end")`` ends
    a test, the snapshot after its last step."""
    if not _STEM.fullmatch(stem):
        raise ValueError(f"not a step screenshot name: {stem!r}")
    return f"/* bugbrain: the page as {stem} ended */ 0"


def snapshot_call(trace_lines: Iterable[str], name: str) -> tuple[str, str] | None:
    """The call and phase of the snapshot that is screenshot ``name`` (``step_3.png``),
    read from a trace's ``.trace`` lines: the ``after`` snapshot of the last call
    inside the step's group that has one. Playwright takes none when the page was
    between two documents (a click that navigates, now and then): then the first
    snapshot after the group, which shows the page after the step and before the
    next one acted. None when the trace holds no such step or snapshot."""
    stem = name.removesuffix(".png")
    if stem == name or not _STEM.fullmatch(stem):
        return None
    prefix = f"{stem}{_SEPARATOR}"
    calls: list[tuple[str, object]] = []  # (call, parent) in the order they began
    ends: set[str] = set()  # the test's closing no-op: its after-snapshot shows no step
    group: str | None = None
    phases: dict[str, set[str]] = {}
    for line in trace_lines:
        head = line[:300]
        if '"frame-snapshot"' in head and (found := _SNAPSHOT_HEAD.search(head)):
            # A snapshot line holds a whole DOM: its head says what it is.
            phases.setdefault(found["call"], set()).add(found["phase"])
            continue
        event = _event(line)
        if event is None or event.get("type") != "before":
            continue
        call_id, title = event.get("callId"), event.get("title")
        if not isinstance(call_id, str):
            continue
        if group is None and isinstance(title, str) and title.startswith(prefix):
            group = call_id
        params = event.get("params")
        if isinstance(params, dict) and params.get("expression") == _END:
            ends.add(call_id)
        calls.append((call_id, event.get("parentId")))
    if group is None:
        return None
    children = [c for c, parent in calls if parent == group]
    last = next((c for c in reversed(children) if "after" in phases.get(c, ())), None)
    if last is not None:
        return last, "after"
    mine = {group, *children}
    later = [c for c, _ in calls[[c for c, _ in calls].index(group) + 1 :] if c not in mine]
    return _first_after(later, phases, ends)


_END: Final = marker("test_end")


def _first_after(
    later: list[str], phases: dict[str, set[str]], ends: set[str]
) -> tuple[str, str] | None:
    """The first snapshot of the page after a step and before the next one acted:
    a later call's before-snapshot, or the closing no-op's after-snapshot."""
    for call in later:
        if "before" in phases.get(call, ()):
            return call, "before"
        if call in ends and "after" in phases.get(call, ()):
            return call, "after"  # its before-snapshot fell between two documents
    return None


def _event(line: str) -> dict[str, Any] | None:
    # Cheap first: most lines are snapshots' DOM and network records.
    head = line[:200]
    if '"before"' not in head and '"frame-snapshot"' not in head:
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None
