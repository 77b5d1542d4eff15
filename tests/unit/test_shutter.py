"""Shutter: one capture at a time, each developed exactly once, in order."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bugbrain.runner.screenshots import Shutter


async def _capture(log: list[str], name: str, gate: asyncio.Event | None = None) -> str | None:
    log.append(f"start {name}")
    if gate is not None:
        await gate.wait()
    log.append(f"taken {name}")
    return f"{name}.png"


def test_start_waits_for_the_capture_before_and_settle_for_the_last() -> None:
    async def scenario() -> list[str]:
        log: list[str] = []
        shutter, gate = Shutter(), asyncio.Event()
        await shutter.start(_capture(log, "a", gate), lambda rel: log.append(f"developed {rel}"))
        await asyncio.sleep(0)
        log.append("next step reads")  # overlaps a
        asyncio.get_running_loop().call_later(0.01, gate.set)
        await shutter.start(_capture(log, "b"), lambda rel: log.append(f"developed {rel}"))
        await shutter.settle()
        await shutter.settle()  # nothing under way: returns at once
        return log

    assert asyncio.run(scenario()) == [
        "start a",
        "next step reads",
        "taken a",
        "developed a.png",
        "start b",
        "taken b",
        "developed b.png",
    ]


def test_a_capture_that_raises_still_develops_nothing(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> str | None:
        raise RuntimeError("bug")

    async def scenario() -> list[str | None]:
        got: list[str | None] = []
        shutter = Shutter()
        await shutter.start(broken(), got.append)
        await shutter.settle()
        return got

    with caplog.at_level(logging.ERROR):
        assert asyncio.run(scenario()) == [None]
    assert "screenshot failed" in caplog.text
