"""What a runner child tells its worker: one JSON object per line on its stdout.

``browser_started``, then per test ``test_started``, ``step_finished``* and
``test_finished`` (a skipped test sends only the last two), and ``done``; or a
``fatal`` at any point. Tagged TypedDicts, written by the runner and validated
once, by the worker, as each line arrives (:func:`parse_event`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, NotRequired, TypeAlias

from pydantic import Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic validates only this one before 3.12

from bugbrain.contract.results import StepResult, TestResult
from bugbrain.vocabulary import FailureReason


class EventBrowserStarted(TypedDict):
    event: Literal["browser_started"]
    browser_version: str


class EventTestStarted(TypedDict):
    event: Literal["test_started"]
    position: int
    test_id: str
    started_at: str


class EventStepFinished(TypedDict):
    event: Literal["step_finished"]
    position: int
    # 1 for the first run of a test, 2 for its first retry…; absent for skipped tests.
    attempt: NotRequired[int]
    step: StepResult


class EventTestFinished(TypedDict):
    event: Literal["test_finished"]
    position: int
    result: TestResult


# invalid_spec and internal_error are the runner's own failures; the worker
# reports everything but a browser that would not start as runner_crashed.
FatalReason: TypeAlias = Literal[
    "invalid_spec", FailureReason.BROWSER_LAUNCH_FAILED, "internal_error"
]


class EventFatal(TypedDict):
    event: Literal["fatal"]
    reason: FatalReason
    message: str


class EventDone(TypedDict):
    event: Literal["done"]


RunnerEvent: TypeAlias = Annotated[
    EventBrowserStarted
    | EventTestStarted
    | EventStepFinished
    | EventTestFinished
    | EventFatal
    | EventDone,
    Field(discriminator="event"),
]
Emit: TypeAlias = Callable[[RunnerEvent], None]

_EVENTS: TypeAdapter[RunnerEvent] = TypeAdapter(RunnerEvent)


class InvalidEvent(ValueError):
    """A line that is not a runner event (the message says what is wrong)."""


def parse_event(line: bytes | str) -> RunnerEvent:
    """One line of a runner's stdout, validated; raise InvalidEvent otherwise."""
    try:
        return _EVENTS.validate_json(line)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "event"
        raise InvalidEvent(f"{where}: {error['msg']}") from None
