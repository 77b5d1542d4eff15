"""Element fingerprints and the search for a missing element's replacement.

``fingerprint_of`` records what a passing step touched; ``search`` scores the
live page's elements against that fingerprint (or, with no history, against the
selector's and the step's own words) when the element has gone missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page


@dataclass(frozen=True)
class HealCandidate:
    selector: str  # unique on the page, built from the most stable attributes
    score: float  # 0..1 similarity to what the step expects
    description: str  # e.g. button "Add to cart" (.product-add-btn)
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealSearch:
    candidates: list[HealCandidate]  # best first, at most a few
    # The best candidate passes every rule for an automatic heal: score above
    # the threshold, unique, visible, enabled, role fits the action.
    auto_ok: bool
    reason: str  # why auto_ok is False, or what decided it


async def fingerprint_of(page: Page, selector: str) -> dict[str, Any] | None:
    """The fingerprint of the one element ``selector`` matches now, else None (no wait)."""
    return None


async def search(
    page: Page,
    *,
    action: str,
    selector: str | None,
    description: str | None,
    fingerprint: dict[str, Any] | None,
) -> HealSearch:
    return HealSearch([], False, "not implemented")
