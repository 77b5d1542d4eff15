"""Find the element a step's words mean on the live page ("resolve what a person sees").

``resolve(page, Target("Add to cart", within="Blue Mug"), action="click", timeout_ms=5000)``
takes one DOM snapshot per attempt (a single ``page.evaluate``), scores the records
in pure Python (``candidates``, ``selectors``), re-snapshots every 100 ms until a good match
appears, and returns a Playwright selector verified to match exactly that element.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Final

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from bugbrain.elements import candidates, selectors
from bugbrain.elements.candidates import Decision, Scored
from bugbrain.elements.dom import Snapshot
from bugbrain.elements.messages import describe, not_found_message
from bugbrain.elements.text_match import EXACT
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.page_scripts import SNAPSHOT_JS
from bugbrain.steps.parse import Target
from bugbrain.vocabulary import ABSENCE_CHECKS, HIDDEN_OK, Action, LocatorSource, StepErrorType

_POLL_S: Final = 0.1


@dataclass(frozen=True)
class Resolved:
    # Matches exactly the resolved element when passed to ``page.locator()``.
    selector: str
    source: LocatorSource
    # 0-1: 1.0 = exact name match (and any cache hit); lower for partial matches.
    score: float
    # ``button "Sign in"``.
    description: str


async def resolve(
    page: Page,
    target: Target,
    *,
    action: str,
    timeout_ms: int,
    cached_selector: str | None = None,
) -> Resolved:
    """The one element ``target`` means for ``action``.

    Raises StepFailure: ``ambiguous_target`` (several equally good matches, at once),
    ``element_not_found`` (nothing matches within ``timeout_ms``, with the closest
    elements), ``element_not_interactable`` / ``assertion_failed`` (assert_visible) /
    ``timeout`` (wait) when the only matches stay hidden. ``timeout_ms <= 0`` looks once.
    """
    if not target.text or not target.text.strip():
        raise StepFailure(StepErrorType.INVALID_STEP, "The step does not say which element to use")
    if cached_selector:
        hit = await _from_cache(page, cached_selector, action)
        if hit is not None:
            return hit
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0, timeout_ms) / 1000
    args = candidates.snapshot_options(target, action)
    last: Decision | None = None
    while True:
        snap = await _snapshot(page, args)
        if snap is not None:
            decision = candidates.decide(snap, target, action)
            if decision.kind == "ambiguous":
                raise StepFailure(StepErrorType.AMBIGUOUS_TARGET, decision.message)
            if decision.kind == "found" and decision.chosen is not None:
                resolved = await _materialize(page, snap, decision.chosen)
                if resolved is not None:
                    return resolved
            else:
                last = decision
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await asyncio.sleep(min(_POLL_S, remaining))
    if last is not None and last.kind == "not_found" and action not in ABSENCE_CHECKS:
        # Suggest the closest elements of the whole page, not only the words' matches.
        wide = await _snapshot(page, candidates.snapshot_options(target, action, wide=True))
        if wide is not None:
            message = not_found_message(wide, target, action)
            raise StepFailure(StepErrorType.ELEMENT_NOT_FOUND, message)
    raise _failure(last, target, action, timeout_ms)


async def resolve_all(page: Page, target: Target, *, timeout_ms: int) -> tuple[str, int]:
    """A selector matching every element of the kind ``target`` describes, and how many
    there are now (visible ones; ``ordinal`` is ignored). When there are none within
    ``timeout_ms`` a general selector for such elements is returned with its count (0)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0, timeout_ms) / 1000
    args = candidates.snapshot_options(target, Action.ASSERT_COUNT)
    while True:
        snap = await _snapshot(page, args)
        if snap is not None:
            decision = candidates.decide_all(snap, target)
            if decision.kind == "found":
                found = await _group_selector(page, decision)
                if found is not None:
                    return found
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await asyncio.sleep(min(_POLL_S, remaining))
    selector = selectors.fallback_group_selector(target)
    ids = await _ids(page, selector)
    return selector, len(ids) if ids is not None else 0


# --------------------------------------------------------------------------- internals


async def _snapshot(page: Page, args: dict[str, Any]) -> Snapshot | None:
    try:
        data = await quiet.evaluate(page, SNAPSHOT_JS, args)
    except PlaywrightError:
        if page.is_closed():
            raise
        return None  # e.g. the page is navigating: look again
    if not isinstance(data, str):
        return None
    return Snapshot.from_json(json.loads(data))


async def _ids(page: Page, selector: str) -> list[int] | None:
    """Snapshot node index of each element ``selector`` matches now (-1: not in it)."""
    try:
        raw = await quiet.evaluate_all(page, selector, SNAPSHOT_JS, {"mode": "ids"})
    except PlaywrightError:
        return None
    return [int(x) for x in raw] if isinstance(raw, list) else None


async def _css_paths(page: Page, nodes: list[int]) -> list[str]:
    try:
        raw = await quiet.evaluate(page, SNAPSHOT_JS, {"mode": "css", "ks": nodes})
    except PlaywrightError:
        return ["" for _ in nodes]
    return [str(x) for x in raw] if isinstance(raw, list) else ["" for _ in nodes]


async def _from_cache(page: Page, selector: str, action: str) -> Resolved | None:
    try:
        info = await quiet.evaluate_all(page, selector, SNAPSHOT_JS, {"mode": "describe"})
    except PlaywrightError:
        return None  # not even a valid selector any more
    if not isinstance(info, list) or len(info) != 1:
        return None
    if not info[0].get("vis") and action not in HIDDEN_OK:
        return None
    return Resolved(selector, LocatorSource.CACHE, 1.0, str(info[0].get("desc", "")))


async def _materialize(page: Page, snap: Snapshot, chosen: Scored) -> Resolved | None:
    """The most stable selector that re-finds exactly the chosen element; None if it is
    gone. Each try is one ``evaluate_all`` that also checks it is the same element."""
    cand = chosen.cand
    score = round(max(0.0, min(chosen.base, EXACT)) / EXACT, 3)
    description = describe(cand)
    fallback: tuple[str, int] | None = None
    plan = selectors.selector_plan(cand) + selectors.scoped_selector_plan(snap, cand)
    for selector in [*plan, None]:
        if selector is None:
            selector = (await _css_paths(page, [cand.node]))[0]
            if not selector:
                break
        ids = await _ids(page, selector)
        if ids is None:
            continue
        if ids == [cand.node]:
            return Resolved(selector, LocatorSource.SEMANTIC, score, description)
        if cand.node in ids and fallback is None:
            fallback = (selector, ids.index(cand.node))
    if fallback is not None:
        return Resolved(
            f"{fallback[0]} >> nth={fallback[1]}", LocatorSource.SEMANTIC, score, description
        )
    return None


async def _group_selector(page: Page, decision: Decision) -> tuple[str, int] | None:
    group = [s.cand for s in decision.group]
    wanted = sorted(c.node for c in group)
    scope = ""
    if decision.container >= 0:
        scope = (await _css_paths(page, [decision.container]))[0]
    for selector in selectors.group_selector_plan(group):
        for option in ([f"{scope} >> {selector}"] if scope else []) + [selector]:
            ids = await _ids(page, option)
            if ids is not None and sorted(ids) == wanted:
                return option, len(wanted)
    paths = await _css_paths(page, wanted)
    if all(paths):
        union = ", ".join(paths)
        ids = await _ids(page, union)
        if ids is not None and sorted(ids) == wanted:
            return union, len(wanted)
    return None


def _failure(last: Decision | None, target: Target, action: str, timeout_ms: int) -> StepFailure:
    if last is None:
        return StepFailure(StepErrorType.ELEMENT_NOT_FOUND, f'No element matches "{target.text}"')
    if last.kind != "hidden" or last.chosen is None:
        return StepFailure(StepErrorType.ELEMENT_NOT_FOUND, last.message)
    if action == Action.ASSERT_VISIBLE:
        return StepFailure(
            StepErrorType.ASSERTION_FAILED, last.message, expected="visible", actual="hidden"
        )
    if action == Action.WAIT:
        return StepFailure(
            StepErrorType.TIMEOUT,
            f"Timed out after {timeout_ms} ms waiting for {last.description} to be visible "
            "(element is hidden)",
        )
    return StepFailure(StepErrorType.ELEMENT_NOT_INTERACTABLE, last.message)
