"""Perform a planned step, healing a missing element per the plan's mode.

``suggest`` (default) only records replacement candidates for the analysis;
``auto`` acts on the best one when it passes every rule (``healing.search``),
and reuses an earlier heal of the same selector before searching again.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from bugbrain.contract.results import StepResult
from bugbrain.contract.spec import RunSpec, StepSpec
from bugbrain.runner import heal_reads as healing
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner import plan_step
from bugbrain.runner.actions import execute_step
from bugbrain.runner.errors import StepFailure
from bugbrain.runner.step_context import StepContext
from bugbrain.vocabulary import HEALABLE, HealingMode, StepErrorType


def _mark_healed(
    result: StepResult, original: str | None, healed_to: str, score: float | None
) -> None:
    result["healed"] = True
    result["original_selector"] = original
    result["healed_selector"] = healed_to
    result["heal_score"] = score
    result["resolved_selector"] = healed_to


async def perform(
    page: Page,
    step: StepSpec,
    planned: plan_step.Planned,
    result: StepResult,
    spec: RunSpec,
    ctx: StepContext,
) -> str | None:
    """Run the planned action; heal a missing element per the plan's healing
    mode. Returns the selector finally acted on."""
    action, selector, value = planned.action, planned.selector, planned.value
    healable = spec.healing != HealingMode.OFF and selector is not None and action in HEALABLE
    reused = None
    if healable and selector is not None:
        reused = await _remembered_heal(page, step, selector, spec)
        if reused is not None:
            _mark_healed(result, selector, reused, None)
            selector = reused
    # The fingerprint is read while the action starts: one round trip fewer per
    # step. It reads the page as it is when the request lands, before any
    # navigation the action causes completes; a destroyed page just yields None.
    # A recent one is not read again (it costs about as much as the action),
    # unless a remembered heal means the element is another one now.
    printing = (
        asyncio.ensure_future(healing.fingerprint_of(page, selector))
        if healable and selector is not None and (reused is not None or not step.fingerprint_fresh)
        else None
    )
    try:
        result["expected"], result["actual"] = await execute_step(
            page, action, selector, value, ctx
        )
        return selector
    except StepFailure as failure:
        if not healable or failure.error_type != StepErrorType.ELEMENT_NOT_FOUND:
            raise
        found = await healing.search(
            page,
            action=action,
            selector=selector,
            description=step.description,
            fingerprint=dict(step.fingerprint) if step.fingerprint else None,
        )
        result["heal_candidates"] = [dataclasses.asdict(c) for c in found.candidates]
        # The healing rule's verdict on the best one: the analysis suggests it only if ok.
        result["heal_decision"] = {"ok": found.auto_ok, "reason": found.reason}
        if spec.healing != HealingMode.AUTO or not found.auto_ok:
            raise
    finally:
        if printing is not None:
            result["fingerprint"] = await _settled(printing)
    best = found.candidates[0]
    result["expected"], result["actual"] = await execute_step(
        page, action, best.selector, value, ctx
    )
    _mark_healed(result, selector, best.selector, best.score)
    return best.selector


async def _settled(task: asyncio.Future[dict[str, Any] | None]) -> dict[str, Any] | None:
    try:
        return await task
    except (PlaywrightError, quiet.PageNotResponding):  # navigated, closed or busy: none
        return None


async def _remembered_heal(page: Page, step: StepSpec, selector: str, spec: RunSpec) -> str | None:
    """An earlier heal of this step, when the original is still missing."""
    if spec.healing != HealingMode.AUTO or not step.remembered_heal:
        return None
    try:
        if await quiet.count(page, selector) > 0:
            return None
        if await quiet.count(page, step.remembered_heal) != 1:
            return None
    except (PlaywrightError, quiet.PageNotResponding):  # bad or unanswered: search instead
        return None
    return step.remembered_heal
