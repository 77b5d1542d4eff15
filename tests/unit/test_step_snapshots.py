"""Which DOM snapshot in a trace is a step's screenshot (contract/step_snapshots.py),
on trace lines shaped as Playwright 1.65 writes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bugbrain.contract.step_snapshots import group_title, marker, snapshot_call


def _before(call: str, parent: str | None = None, title: str | None = None) -> str:
    event: dict[str, Any] = {"type": "before", "callId": call, "startTime": 1.0}
    if title is not None:
        event["title"] = title
    event.update({"class": "Frame", "method": "click", "params": {}})
    if parent is not None:
        event["parentId"] = parent
    return json.dumps(event)


def _snap(call: str, phase: str) -> str:
    body = {"callId": call, "phase": phase, "pageId": "page@1", "html": ["HTML", {}]}
    return json.dumps({"type": "frame-snapshot", "snapshot": body})


TRACE = [
    _before("c@1", title=group_title("step_1", "Open the shop")),
    _before("c@2", parent="c@1"),
    _snap("c@2", "before"),
    _snap("c@2", "after"),
    _before("c@3", title=group_title("step_2", "Fill the name")),
    _before("c@4", parent="c@3"),  # a fill: before, action, after
    _snap("c@4", "before"),
    _snap("c@4", "action"),
    _snap("c@4", "after"),
    _before("c@5", parent="c@3"),  # a later call without a snapshot of its own
    _before("c@6", title=group_title("step_3", "Verify it says 'Saved'")),
    _before("c@7", parent="c@6"),  # the marker of a step that only looked
    _snap("c@7", "before"),
    _snap("c@7", "after"),
    _before("c@8", title=group_title("step_4", "Click Next")),  # no after-snapshot:
    _before("c@9", parent="c@8"),  # Playwright took none while the page navigated
    _snap("c@9", "before"),
    _before("c@10", title=group_title("step_5", "Open")),
    _before("c@11", parent="c@10"),
    _snap("c@11", "before"),  # so the next one stands in: the page before step_5 acted
    _snap("c@11", "after"),
    _before("c@12", title=group_title("step_6", "Press Enter")),  # the same, last:
    _before("c@13", parent="c@12"),
    _before("c@14"),  # the marker at the test's end
    _snap("c@14", "before"),
    _snap("c@14", "after"),
    _before("c@15", title=group_title("step_7", "Nothing after it")),
    _before("c@16", parent="c@15"),
    "not json",
    "",
]


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("step_1.png", ("c@2", "after")),
        ("step_2.png", ("c@4", "after")),  # the last call with an after-snapshot, not c@5
        ("step_3.png", ("c@7", "after")),
        ("step_4.png", ("c@11", "before")),
        ("step_5.png", ("c@11", "after")),
        ("step_6.png", ("c@14", "before")),
        ("step_7.png", None),
        ("step_8.png", None),
        ("step_1", None),  # not a screenshot's name
        ("../step_1.png", None),
        ("step_1.jpg", None),
    ],
)
def test_the_last_snapshot_in_a_steps_group(name: str, call: tuple[str, str] | None) -> None:
    assert snapshot_call(TRACE, name) == call


def test_the_end_marker_after_a_navigation_stands_in_with_its_after_snapshot() -> None:
    end = json.dumps(
        {"type": "before", "callId": "e@1", "class": "Frame", "method": "evaluateExpression",
         "params": {"expression": marker("test_end")}}
    )  # fmt: skip
    trace = [
        _before("g@1", title=group_title("step_5", "On catalog")),  # nothing traced in it
        end,  # Playwright skipped its before-snapshot: the page was still navigating
        _snap("e@1", "after"),
    ]
    assert snapshot_call(trace, "step_5.png") == ("e@1", "after")
    # Any other call's after-snapshot shows that call's doing: never taken.
    other = [trace[0], _before("x@1"), _snap("x@1", "after")]
    assert snapshot_call(other, "step_5.png") is None


def test_a_step_is_not_found_by_another_steps_prefix() -> None:
    trace = [
        _before("g@1", title=group_title("step_10", "Ten")),
        _before("a@1", parent="g@1"),
        _snap("a@1", "after"),
    ]
    assert snapshot_call(trace, "step_1.png") is None
    assert snapshot_call(trace, "step_10.png") == ("a@1", "after")


def test_titles_and_markers() -> None:
    assert group_title("step_3", "Click   the\nSave button") == "step_3 · Click the Save button"
    assert len(group_title("s", "x" * 500)) == 200
    assert marker("step_3") == "/* bugbrain: the page as step_3 ended */ 0"
    for bad in ("", "a/b", "*/ alert(1) /*", "x" * 121):
        with pytest.raises(ValueError):
            group_title(bad, "x")
        with pytest.raises(ValueError):
            marker(bad)
