"""Find the element a step's words mean on the live page ("resolve what a person sees").

``resolve(page, Target("Add to cart", within="Blue Mug"), action="click", timeout_ms=5000)``
takes one DOM snapshot per attempt (a single ``page.evaluate``), scores the records
in pure Python (``candidates``, ``selectors``), re-snapshots every 100 ms until a good match
appears, and returns a Playwright selector verified to match exactly that element.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable
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
from bugbrain.vocabulary import (
    ABSENCE_CHECKS,
    HIDDEN_OK,
    INTERACTIONS,
    Action,
    LocatorSource,
    StepErrorType,
)

_POLL_S: Final = 0.1
# How long a match that says only some of the words waits for one that says them
# all (an app still rendering "Clear completed (1)" beside a "Completed" link).
_PARTIAL_GRACE_S: Final = 1.0
# Hovered at most, nearest first, to reveal a control shown only on hover.
_MAX_HOVERS: Final = 3
_HOVER_TIMEOUT_MS: Final = 1000
# Awaited before the page is changed (runner/screenshots.py ``Shutter.settle``).
BeforeChange = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Resolved:
    # Matches exactly the resolved element when passed to ``page.locator()``.
    selector: str
    source: LocatorSource
    # 0-1: 1.0 = exact name match (and any cache hit); lower for partial matches.
    score: float
    # ``button "Sign in"``.
    description: str
    # Why this element won: how it matched, where, and the next best match.
    reasons: tuple[str, ...] = ()
    # The container hovered to reveal it (``listitem "Pay rent"``), if any.
    revealed_by: str | None = None

    def evidence(self) -> dict[str, Any]:
        """What the step result records about the choice (``match``)."""
        out: dict[str, Any] = {"element": self.description, "score": self.score}
        if self.reasons:
            out["reasons"] = list(self.reasons)
        if self.revealed_by:
            out["revealed_by_hovering"] = self.revealed_by
        return out


async def resolve(
    page: Page,
    target: Target,
    *,
    action: str,
    timeout_ms: int,
    cached_selector: str | None = None,
    before_change: BeforeChange | None = None,
) -> Resolved:
    """The one element ``target`` means for ``action``.

    ``before_change`` is awaited before the search changes the page (a hover that
    reveals a hidden control), so a screenshot still being taken shows none of it.

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
    return await _Search(page, target, action, timeout_ms, before_change).run()


class _Search:
    """One resolve: snapshots every ``_POLL_S`` until a decision holds or time is up."""

    def __init__(
        self,
        page: Page,
        target: Target,
        action: str,
        timeout_ms: int,
        before_change: BeforeChange | None,
    ) -> None:
        self.page, self.target, self.action, self.timeout_ms = page, target, action, timeout_ms
        self.before_change = before_change
        self.loop = asyncio.get_running_loop()
        self.deadline = self.loop.time() + max(0, timeout_ms) / 1000
        self.partial_until = self.loop.time() + _PARTIAL_GRACE_S
        self.args = candidates.snapshot_options(target, action)
        self.last: tuple[Decision, Snapshot] | None = None
        self.revealed_by: str | None = None
        self.hovered = False
        self.look_now = False  # a hover just revealed the control: no need to wait

    async def run(self) -> Resolved:
        while True:
            snap = await _snapshot(self.page, self.args)
            found = await self._look(snap) if snap is not None else None
            if found is not None:
                return found
            remaining = self.deadline - self.loop.time()
            if remaining <= 0:
                return await self._give_up()
            if not self.look_now:
                await asyncio.sleep(min(_POLL_S, remaining))
            self.look_now = False

    async def _look(self, snap: Snapshot) -> Resolved | None:
        decision = candidates.decide(snap, self.target, self.action)
        if decision.kind == "ambiguous":
            raise StepFailure(StepErrorType.AMBIGUOUS_TARGET, decision.message)
        chosen = decision.chosen
        if decision.kind == "hidden" and chosen is not None and self._may_hover():
            self.hovered = True
            if self.before_change is not None:
                await self.before_change()
            self.revealed_by = await _reveal(self.page, chosen)
            if self.revealed_by is not None:
                self.look_now = True  # it should show now: the next look finds it
                return None
        waiting = chosen is not None and not chosen.whole and self.loop.time() < self.partial_until
        if decision.kind == "found" and not waiting:
            resolved = await _materialize(self.page, snap, decision)
            if resolved is not None:
                return dataclasses.replace(resolved, revealed_by=self.revealed_by)
            return None
        self.last = (decision, snap)
        return None

    def _may_hover(self) -> bool:
        return not self.hovered and self.action in INTERACTIONS

    async def _give_up(self) -> Resolved:
        last = self.last[0] if self.last is not None else None
        if self.last is not None and last is not None and last.kind == "found":
            # Only a partial match, all along: the best there is (its reasons say so).
            resolved = await _materialize(self.page, self.last[1], last)
            if resolved is not None:
                return resolved
        if last is not None and last.kind == "not_found" and self.action not in ABSENCE_CHECKS:
            # Suggest the closest elements of the whole page, not only the words' matches.
            options = candidates.snapshot_options(self.target, self.action, wide=True)
            wide = await _snapshot(self.page, options)
            if wide is not None:
                message = not_found_message(wide, self.target, self.action)
                raise StepFailure(StepErrorType.ELEMENT_NOT_FOUND, message)
        raise _failure(last, self.target, self.action, self.timeout_ms, hovered=self.hovered)


async def resolve_all(page: Page, target: Target, *, timeout_ms: int) -> tuple[str, int]:
    """A selector matching every element of the kind ``target`` describes, and how many
    there are now (visible ones; ``ordinal`` is ignored). When there are none within
    ``timeout_ms`` a general selector for such elements is returned with its count (0)."""
    named = selectors.named_container(target)
    if named is not None and await _count(page, named[0]) > 0:
        return named[1], await _count(page, named[1])  # "the todo list": by its class
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


async def _count(page: Page, selector: str) -> int:
    try:
        return await quiet.count(page, selector)
    except PlaywrightError:
        return 0


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


async def _materialize(page: Page, snap: Snapshot, decision: Decision) -> Resolved | None:
    """The most stable selector that re-finds exactly the chosen element; None if it is
    gone. Each try is one ``evaluate_all`` that also checks it is the same element."""
    chosen = decision.chosen
    if chosen is None:
        return None
    cand = chosen.cand
    reasons = decision.reasons
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
            return Resolved(selector, LocatorSource.SEMANTIC, score, description, reasons)
        if cand.node in ids and fallback is None:
            fallback = (selector, ids.index(cand.node))
    if fallback is not None:
        return Resolved(
            f"{fallback[0]} >> nth={fallback[1]}",
            LocatorSource.SEMANTIC,
            score,
            description,
            reasons,
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


async def _reveal(page: Page, hidden: Scored) -> str | None:
    """Hover the hidden element's nearest shown containers, one at a time, until it
    shows (CSS ``:hover`` or a hover handler). The container hovered, or None."""
    try:
        reveal = {"mode": "hover", "k": hidden.cand.node}  # not vocabulary: a page-script mode
        found = await quiet.evaluate(page, SNAPSHOT_JS, reveal)
    except PlaywrightError:
        return None
    if not isinstance(found, list):
        return None
    for entry in found[:_MAX_HOVERS]:
        selector, description = str(entry[0]), str(entry[1])
        try:
            await page.hover(selector, timeout=_HOVER_TIMEOUT_MS)
            shown = await quiet.evaluate(
                page, SNAPSHOT_JS, {"mode": "shown", "k": hidden.cand.node}
            )
        except PlaywrightError:
            continue
        if shown:
            return description
    return None


def _failure(
    last: Decision | None, target: Target, action: str, timeout_ms: int, *, hovered: bool = False
) -> StepFailure:
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
    hint = " and hovering the containers around it did not reveal it" if hovered else ""
    return StepFailure(StepErrorType.ELEMENT_NOT_INTERACTABLE, last.message + hint)
