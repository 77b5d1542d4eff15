"""The product's words, defined once: actions, statuses, error types, reasons, modes.

Every module compares against these members instead of spelling the strings
again (``tests/unit/test_vocabulary.py`` scans ``src/`` for stray literals).
Members are ``StrEnum``s, so they are the very strings stored in the database,
written in run specs and returned by the API. Pure: imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final


class Action(StrEnum):
    """What a step does; listed in the order error messages name them."""

    NAVIGATE = "navigate"
    CLICK = "click"
    FILL = "fill"
    SELECT = "select"
    CHECK = "check"
    UNCHECK = "uncheck"
    HOVER = "hover"
    PRESS = "press"
    WAIT = "wait"
    ASSERT_TEXT = "assert_text"
    ASSERT_VISIBLE = "assert_visible"
    ASSERT_URL = "assert_url"
    ASSERT_TITLE = "assert_title"
    CLEAR = "clear"
    SCROLL = "scroll"
    WAIT_HIDDEN = "wait_hidden"
    ASSERT_NOT_TEXT = "assert_not_text"
    ASSERT_HIDDEN = "assert_hidden"
    ASSERT_VALUE = "assert_value"
    ASSERT_COUNT = "assert_count"


# Other names users give an action in a step's ``action`` field.
ACTION_ALIASES: Final[Mapping[str, Action]] = {
    "type": Action.FILL,
    "goto": Action.NAVIGATE,
    "go_to": Action.NAVIGATE,
    "open": Action.NAVIGATE,
    "visit": Action.NAVIGATE,
    "select_option": Action.SELECT,
    "wait_for": Action.WAIT,
}

# --------------------------------------------------------------------------- action groups
A = Action
ASSERTIONS: Final = frozenset(a for a in Action if a.startswith("assert_"))
# Checks that something is absent or hidden: a missing element is their success.
ABSENCE_CHECKS: Final = frozenset({A.ASSERT_HIDDEN, A.WAIT_HIDDEN})
# Actions that cannot work without an element.
NEEDS_ELEMENT: Final = frozenset(
    {
        A.CLICK, A.FILL, A.SELECT, A.CHECK, A.UNCHECK, A.HOVER, A.CLEAR, A.SCROLL,
        A.WAIT_HIDDEN, A.ASSERT_VISIBLE, A.ASSERT_HIDDEN, A.ASSERT_VALUE, A.ASSERT_COUNT,
    }
)  # fmt: skip
# Actions that act on an element: it must be visible, and enabled ones win.
INTERACTIONS: Final = frozenset(
    {A.CLICK, A.FILL, A.SELECT, A.CHECK, A.UNCHECK, A.HOVER, A.PRESS, A.CLEAR, A.SCROLL}
)
# Actions that need an enabled element.
NEEDS_ENABLED: Final = frozenset({A.CLICK, A.FILL, A.CLEAR, A.SELECT, A.CHECK, A.UNCHECK, A.PRESS})
# Actions aimed at a point of the element (a pointer or a key press).
POINTER_ACTIONS: Final = frozenset({A.CLICK, A.HOVER, A.PRESS})
# Actions that type into an editable element.
TEXT_ENTRY: Final = frozenset({A.FILL, A.CLEAR})
# Actions after which an application usually sends something.
SUBMITTING: Final = frozenset({A.CLICK, A.PRESS, A.CHECK})
# Actions that may be about a hidden element (visible ones still win).
HIDDEN_OK: Final = frozenset(
    {A.ASSERT_HIDDEN, A.WAIT_HIDDEN, A.ASSERT_TEXT, A.ASSERT_NOT_TEXT, A.ASSERT_VALUE}
)
# Actions that only look at the page: the step before's screenshot may still be
# being taken while they run (runner/screenshots.py), as it shows nothing of theirs.
LOOKS_ONLY: Final = ASSERTIONS | frozenset({A.WAIT, A.WAIT_HIDDEN})
# Presence checks: several equally good visible matches all satisfy them.
PRESENCE_CHECKS: Final = frozenset({A.ASSERT_VISIBLE, A.WAIT})
# Checks about the page's content, and about the page itself.
CONTENT_CHECKS: Final = frozenset({A.ASSERT_TEXT, A.ASSERT_VISIBLE, A.ASSERT_COUNT, A.ASSERT_VALUE})
PAGE_CHECKS: Final = frozenset({A.ASSERT_URL, A.ASSERT_TITLE})
# Checks whose actual value is worth proposing as the new expected one.
VALUE_CHECKS: Final = frozenset({A.ASSERT_URL, A.ASSERT_TITLE, A.ASSERT_COUNT, A.ASSERT_VALUE})
# Actions whose element may be replaced by a heal. Never checks that something
# is absent, nor counts: healing those would hide a real change.
HEALABLE: Final = frozenset(
    {
        A.CLICK, A.FILL, A.CLEAR, A.SELECT, A.CHECK, A.UNCHECK, A.HOVER, A.SCROLL, A.PRESS,
        A.WAIT, A.ASSERT_VISIBLE, A.ASSERT_TEXT, A.ASSERT_VALUE,
    }
)  # fmt: skip
del A


class StepErrorType(StrEnum):
    """Why a step failed, as the runner saw it (``error_type`` in step results)."""

    INVALID_STEP = "invalid_step"
    VARIABLE_MISSING = "variable_missing"
    ELEMENT_NOT_FOUND = "element_not_found"
    ELEMENT_NOT_INTERACTABLE = "element_not_interactable"
    AMBIGUOUS_SELECTOR = "ambiguous_selector"
    # Words (not a selector) that fit several elements equally well.
    AMBIGUOUS_TARGET = "ambiguous_target"
    ASSERTION_FAILED = "assertion_failed"
    NAVIGATION_ERROR = "navigation_error"
    TIMEOUT = "timeout"
    ERROR = "error"


AMBIGUOUS: Final = frozenset({StepErrorType.AMBIGUOUS_SELECTOR, StepErrorType.AMBIGUOUS_TARGET})


class ExecutionStatus(StrEnum):
    """``queued → pending → running → completed``, or ``cancelled`` / ``failed``."""

    QUEUED = "queued"
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


E = ExecutionStatus
ACTIVE: Final = (E.QUEUED, E.PENDING, E.RUNNING)
# Held by a worker under a lease.
CLAIMED: Final = (E.PENDING, E.RUNNING)
TERMINAL: Final = (E.COMPLETED, E.FAILED, E.CANCELLED)
del E

# The PostgreSQL job queue's (procrastinate's) task that runs an execution.
RUN_EXECUTION_TASK: Final = "bugbrain.run_execution"


class TestStatus(StrEnum):
    """A test of an execution; its steps use the last three."""

    __test__ = False  # not a pytest test class, whatever its name

    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


UNFINISHED_TESTS: Final = (TestStatus.PENDING, TestStatus.RUNNING)


class FailureReason(StrEnum):
    """Why an execution ended ``failed`` (``failure_reason``) without its tests deciding."""

    TIMEOUT = "timeout"
    WORKER_LOST = "worker_lost"
    RUNNER_CRASHED = "runner_crashed"
    BROWSER_LAUNCH_FAILED = "browser_launch_failed"
    SERVER_SHUTDOWN = "server_shutdown"


class WebhookEvent(StrEnum):
    """What a webhook endpoint can subscribe to (``X-BugBrain-Event``)."""

    EXECUTION_QUEUED = "execution.queued"
    EXECUTION_STARTED = "execution.started"
    EXECUTION_COMPLETED = "execution.completed"
    EXECUTION_FAILED = "execution.failed"
    EXECUTION_CANCELLED = "execution.cancelled"
    TEST_FAILED = "test.failed"
    TEST_HEALED = "test.healed"


class DeliveryStatus(StrEnum):
    """A webhook delivery: waiting for its next attempt, or done either way."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CheckStatus(StrEnum):
    """One ``/readyz`` check: passed, failed, or not needed by this process."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class ScreenshotMode(StrEnum):
    EVERY_STEP = "every_step"
    ON_FAILURE = "on_failure"
    ON_ASSERTIONS = "on_assertions"
    DISABLED = "disabled"


class ScreenshotSource(StrEnum):
    """What a passing step's screenshot is made from (a failing step's is always
    pixels): a DOM snapshot in the test's trace, rendered to an image when first
    opened (contract/step_snapshots.py), or a capture of the frame at once."""

    DOM_SNAPSHOT = "dom_snapshot"
    PIXELS = "pixels"


class TraceMode(StrEnum):
    OFF = "off"
    ON_FAILURE = "on_failure"
    ALWAYS = "always"


class HealingMode(StrEnum):
    """``off``; ``suggest`` records candidates for the analysis; ``auto`` heals and reports."""

    OFF = "off"
    SUGGEST = "suggest"
    AUTO = "auto"


class PageReady(StrEnum):
    """What a step given in words waits for after a navigation (``runner/readiness.py``):
    the ``load`` event, or that and then a short network-quiet window."""

    LOAD = "load"
    NETWORK_QUIET = "network_quiet"


class LocatorSource(StrEnum):
    """Where the selector a step used came from."""

    EXPLICIT = "explicit"
    CACHE = "cache"
    SEMANTIC = "semantic"


class FailureCategory(StrEnum):
    """What the failure analysis says went wrong (``failure_category``)."""

    SELECTOR_CHANGED = "selector_changed"
    ELEMENT_NOT_INTERACTABLE = "element_not_interactable"
    ASSERTION_FAILED = "assertion_failed"
    TIMEOUT = "timeout"
    NAVIGATION_ERROR = "navigation_error"
    NETWORK_ERROR = "network_error"
    JAVASCRIPT_ERROR = "javascript_error"
    AUTHENTICATION_FAILED = "authentication_failed"
    UNKNOWN = "unknown"
