"""Turn a step into what to do: an action, a selector and a value.

Explicit fields win. A step given only in words is parsed (``intent``) and its
target resolved on the live page (``locate``); a step with an explicit action
but no selector takes its target from its words. The selector actually used
is reported, and cached by the server for the next run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page

from bugbrain.contract.spec import StepSpec
from bugbrain.runner import locate
from bugbrain.runner.errors import StepFailure
from bugbrain.steps.parse import (
    Intent,
    Target,
    UnparseableStepError,
    names_only_a_kind,
    parse,
)
from bugbrain.steps.rules import (
    VariableMissingError,
    normalize_action,
    substitute,
    validate_step,
)
from bugbrain.steps.urls import reads_words
from bugbrain.vocabulary import ABSENCE_CHECKS, Action, LocatorSource, StepErrorType

# Actions whose element must be absent or hidden: a missing element is success,
# so do not wait for it to appear before checking.
_TARGETLESS_FILL_SELECTOR = "*:focus"


@dataclass(frozen=True)
class Planned:
    action: str
    selector: str | None
    value: str | None
    # None when no element is involved.
    source: LocatorSource | None = None
    # The step already passed without an action (an absent element was checked).
    done: bool = False
    # Why the words resolved to this element (``Resolved.evidence``), for the result.
    match: dict[str, Any] | None = None


def _sub(text: str | None, variables: dict[str, str]) -> str | None:
    try:
        return substitute(text, variables)
    except VariableMissingError as exc:
        raise StepFailure(StepErrorType.VARIABLE_MISSING, str(exc)) from None


def uses_words(step: StepSpec) -> bool:
    """True when the step's words must say what to act on."""
    # One rule for the run and for the check of a saved step's URL (steps.urls).
    return reads_words(step, step.description)


async def plan(
    page: Page,
    step: StepSpec,
    variables: dict[str, str],
    timeout_ms: int,
    before_change: locate.BeforeChange | None = None,
) -> Planned:
    """What ``step`` does, on the live page when it is in words. Only reads the
    page, except a hover that reveals a hidden target, after ``before_change``."""
    if not uses_words(step):
        return _explicit(step, variables)
    intent = _parse(step.description or "")
    if step.action.strip():
        value = step.value if step.value is not None else intent.value
        intent = dataclasses.replace(intent, action=normalize_action(step.action), value=value)
    value = _sub(intent.value, variables)
    target = _substituted_target(intent.target, variables)
    return await _resolve(
        page, intent, target, value, step.cached_selector, timeout_ms, before_change
    )


def _explicit(step: StepSpec, variables: dict[str, str]) -> Planned:
    problem = validate_step(step)
    if problem is None:
        selector, value = _sub(step.selector, variables), _sub(step.value, variables)
        problem = validate_step(step.model_copy(update={"selector": selector, "value": value}))
    if problem is not None:
        raise StepFailure(StepErrorType.INVALID_STEP, problem)
    selector = selector.strip() if selector and selector.strip() else None
    return Planned(
        normalize_action(step.action), selector, value, LocatorSource.EXPLICIT if selector else None
    )


def _parse(description: str) -> Intent:
    try:
        return parse(description)
    except UnparseableStepError as exc:
        raise StepFailure(StepErrorType.INVALID_STEP, str(exc)) from None


def _substituted_target(target: Target | None, variables: dict[str, str]) -> Target | None:
    if target is None:
        return None
    return dataclasses.replace(
        target,
        text=_sub(target.text, variables) or target.text,
        near=_sub(target.near, variables),
        within=_sub(target.within, variables),
    )


async def _resolve(
    page: Page,
    intent: Intent,
    target: Target | None,
    value: str | None,
    cached: str | None,
    timeout_ms: int,
    before_change: locate.BeforeChange | None,
) -> Planned:
    action = intent.action
    if action == Action.ASSERT_COUNT:
        if target is None or intent.count is None:
            raise StepFailure(StepErrorType.INVALID_STEP, "A count check needs the things to count")
        group, _ = await locate.resolve_all(page, target, timeout_ms=0)
        return Planned(action, group, str(intent.count), LocatorSource.SEMANTIC)
    if target is None:
        # "Type hello", "Press Enter": act on whatever has focus, or the page.
        focused = _TARGETLESS_FILL_SELECTOR if action in (Action.FILL, Action.CLEAR) else None
        return Planned(action, focused, value, None)
    if action == Action.ASSERT_TEXT and value and names_only_a_kind(target):
        # "Verify the heading says 'Catalog'": the heading that shows those words.
        shown = dataclasses.replace(target, text=value, quoted=True)
        try:
            found = await locate.resolve(
                page, shown, action=Action.ASSERT_VISIBLE, timeout_ms=timeout_ms
            )
        except StepFailure as failure:
            if failure.error_type != StepErrorType.ELEMENT_NOT_FOUND:
                raise
            kind = target.text.lower()
            raise StepFailure(
                StepErrorType.ASSERTION_FAILED,
                f"Expected a {kind} showing '{value}', but none does",
                expected=value,
            ) from None
        return Planned(action, found.selector, value, found.source, match=found.evidence())
    if action in ABSENCE_CHECKS:
        try:
            found = await locate.resolve(page, target, action=action, timeout_ms=0)
        except StepFailure as failure:
            if failure.error_type == StepErrorType.ELEMENT_NOT_FOUND:
                return Planned(action, None, value, None, done=True)
            raise
        return Planned(action, found.selector, value, found.source, match=found.evidence())
    found = await locate.resolve(
        page,
        target,
        action=action,
        timeout_ms=timeout_ms,
        cached_selector=cached,
        before_change=before_change,
    )
    return Planned(action, found.selector, value, found.source, match=found.evidence())
