"""Waiting for what happens in its own time (a server answering, a process
exiting, an execution ending): one helper, so every wait reads the same and
fails the same clear way."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# A liveness bound, not a speed requirement: the machine running the tests may
# be busy with other work, so a wait gives up only when something is clearly stuck.
DEFAULT_TIMEOUT = 60.0
_REPR_LIMIT = 500


class WaitTimeout(AssertionError):
    """What ``eventually`` raises when the awaited state never came."""


def _truthy(value: Any) -> bool:
    return bool(value)


def eventually(
    check: Callable[[], T],
    *,
    message: str,
    until: Callable[[T], bool] = _truthy,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.1,
) -> T:
    """Call ``check`` until ``until(value)`` holds (by default: until it returns
    something truthy), and return that value.

    ``message`` names what is awaited. On time-out this raises ``WaitTimeout``
    (an AssertionError) naming it, the time waited and the last value seen.
    Exceptions from ``check`` are not swallowed: a check that must tolerate
    some (a refused connection while a server starts) catches them itself.
    """
    started = time.monotonic()
    give_up = started + timeout
    while True:
        value = check()
        if until(value):
            return value
        if time.monotonic() >= give_up:
            seen = repr(value)
            if len(seen) > _REPR_LIMIT:
                seen = seen[:_REPR_LIMIT] + "…"
            waited = time.monotonic() - started
            raise WaitTimeout(
                f"gave up after {waited:.1f} s waiting for {message}; last seen: {seen}"
            )
        time.sleep(interval)
