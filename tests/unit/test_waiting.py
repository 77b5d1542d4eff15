"""The tests' one waiting helper (tests/support/waiting.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.support.waiting import WaitTimeout, eventually


def test_returns_the_first_truthy_value() -> None:
    values: Iterator[object] = iter([None, 0, [], "ready"])
    assert eventually(lambda: next(values), interval=0, message="ready") == "ready"


def test_until_decides_and_the_value_is_returned() -> None:
    counter = itertools.count()
    body = eventually(
        lambda: {"status": "running" if next(counter) < 3 else "completed"},
        until=lambda b: b["status"] == "completed",
        interval=0,
        message="the execution to complete",
    )
    assert body == {"status": "completed"}


def test_gives_up_naming_what_it_awaited_and_the_last_value() -> None:
    counter = itertools.count()
    with pytest.raises(WaitTimeout) as info:
        eventually(
            lambda: {"status": "running", "poll": next(counter)},
            until=lambda b: b["status"] == "completed",
            timeout=0.2,
            interval=0.01,
            message="exec_1 to complete",
        )
    text = str(info.value)
    assert "waiting for exec_1 to complete" in text
    assert "last seen: {'status': 'running', 'poll': " in text
    assert isinstance(info.value, AssertionError)


def test_a_long_last_value_is_cut() -> None:
    with pytest.raises(WaitTimeout) as info:
        eventually(lambda: "", until=lambda _: False, timeout=0, message="x")
    assert str(info.value).endswith("last seen: ''")
    with pytest.raises(WaitTimeout) as info:
        eventually(lambda: ["x" * 100] * 50, until=lambda _: False, timeout=0, message="x")
    assert len(str(info.value)) < 700


def test_errors_from_the_check_are_not_swallowed() -> None:
    def broken() -> bool:
        raise KeyError("status")

    with pytest.raises(KeyError):
        eventually(broken, message="never")
