"""What every step's code shares: the context it runs in and what a check reports."""

from __future__ import annotations

from dataclasses import dataclass

# (expected, actual) reported in the step result; (None, None) for non-assertions.
Outcome = tuple[str | None, str | None]
NO_OUTCOME: Outcome = (None, None)


@dataclass(frozen=True)
class StepContext:
    """The plan's time limits and the base URL relative navigations join."""

    element_timeout_ms: int
    navigation_timeout_ms: int
    base_url: str | None
