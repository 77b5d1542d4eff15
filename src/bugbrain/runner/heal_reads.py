"""Element fingerprints and the search for a missing element's replacement.

``fingerprint_of`` records what a passing step touched; ``search`` scores the
live page's elements against that fingerprint (or, with no history, against the
selector's and the step's own words) when the element has gone missing.

Both are one ``evaluate`` of ``runner/js/fingerprint.js`` (the features of every element of the
page for ``search``); the scoring is pure Python (``elements.healing.search``); then selectors
are built for the best few only, each verified to match exactly that element.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from typing import Any, Final

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from bugbrain.elements.dom import Node, Snapshot
from bugbrain.elements.healing import search as heal
from bugbrain.elements.selectors import scoped_selector_plan
from bugbrain.runner import errors
from bugbrain.runner import internal_calls as quiet
from bugbrain.runner.page_scripts import FINGERPRINT_JS

# Elements one snapshot records at most.
MAX_ELEMENTS: Final = 25_000
# Candidates returned at most, and ranked candidates tried to get them.
MAX_CANDIDATES: Final = 3
_TRIED: Final = 6


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
    try:
        rec = await quiet.evaluate_all(page, selector, FINGERPRINT_JS, {"mode": "fingerprint"})
    except PlaywrightError:
        return None  # an invalid selector, or the page is navigating
    if not isinstance(rec, dict):
        return None
    return heal.Fingerprint.from_record(rec).to_dict()


async def search(
    page: Page,
    *,
    action: str,
    selector: str | None,
    description: str | None,
    fingerprint: dict[str, Any] | None,
) -> HealSearch:
    """The elements that may be what ``selector`` meant, best first, and whether the
    best may replace it automatically (``elements.healing.search.auto_heal_decision``)."""
    query: heal.Fingerprint | heal.Words | None = (
        heal.Fingerprint.from_dict(fingerprint) if fingerprint else None
    )
    if query is None:
        query = heal.query_words(selector, description)
    if query is None:
        return HealSearch(
            [], False, "no fingerprint from a passing run, and no words in the selector or step"
        )
    options = {**heal.snapshot_options(query), "max": MAX_ELEMENTS}
    try:
        raw = await quiet.evaluate(page, FINGERPRINT_JS, options)
    except PlaywrightError as exc:
        return HealSearch([], False, f"could not read the page: {errors.first_line(exc)}")
    if not isinstance(raw, str):
        return HealSearch([], False, "could not read the page")
    # The step's own selector may match now (the element came late): it then keeps it.
    # Asked now, answered while the scoring runs.
    own_task = asyncio.ensure_future(_ids(page, selector)) if selector else None
    try:
        await asyncio.sleep(0)  # let it send the request
        snap = heal.Snapshot.from_json(json.loads(raw))
        ranked = heal.rank(query, snap, action, limit=_TRIED)
    except BaseException:
        if own_task is not None:
            own_task.cancel()
        raise
    own_ids = await own_task if own_task is not None else None
    if not ranked:
        return HealSearch([], False, "no element on the page resembles the missing one")
    own = (selector, own_ids[0]) if selector and own_ids and len(own_ids) == 1 else None
    found = await _materialize(page, snap, ranked, own)
    best = ranked[0]
    if not found or found[0][0] is not best:
        best = replace(best, unique=False)  # no selector matches it alone
    runner_up = ranked[1] if len(ranked) > 1 else None
    ok, reason = heal.auto_heal_decision(best, runner_up, action)
    if own is not None and own[1] == best.cand.node:
        ok, reason = False, f"'{selector}' matches {heal.describe(best.cand)} now: it came late"
    # ok implies the best is unique, i.e. the first candidate returned.
    return HealSearch([_candidate(r, sel) for r, sel in found], ok, reason)


def _candidate(r: heal.Ranked, selector: str) -> HealCandidate:
    signals: dict[str, Any] = {
        "mode": r.mode,
        "similarity": r.similarity,
        **r.signals,
        "visible": r.cand.visible,
        "enabled": r.cand.enabled,
        "fits_action": r.fits_action,
        "ambiguity": r.ambiguity,
        # Same shape as a stored fingerprint, so the analysis can say what differs.
        "element": r.cand.to_dict(),
    }
    return HealCandidate(selector, r.score, heal.describe(r.cand), signals)


async def _materialize(
    page: Page,
    snap: heal.Snapshot,
    ranked: list[heal.Ranked],
    own: tuple[str, int] | None = None,
) -> list[tuple[heal.Ranked, str]]:
    """(ranked, selector) for the first candidates that get a selector matching them
    alone, in rank order (at most :data:`MAX_CANDIDATES`). The best few are worked on
    concurrently (their checks share the round trips' latency). ``own``: the step's
    selector and the one record it matches now, if any (that record keeps it)."""
    peers = heal.Peers(snap)
    trees: list[Snapshot] = []

    async def one(r: heal.Ranked) -> tuple[heal.Ranked, str] | None:
        c = r.cand
        if own is not None and own[1] == c.node:
            return r, own[0]
        chosen = await _first_unique(page, heal.selector_plan(c, snap, peers), c.node)
        if chosen is None:
            if not trees:
                trees.append(_dom_tree(snap))
            scoped = scoped_selector_plan(trees[0], heal.as_dom_candidate(c))
            chosen = await _first_unique(page, scoped, c.node)
        if chosen is None:
            chosen = await _css_path(page, c.node)
        return (r, chosen) if chosen is not None else None

    out: list[tuple[heal.Ranked, str]] = []
    start = 0
    while len(out) < MAX_CANDIDATES and start < len(ranked):
        batch = ranked[start : start + MAX_CANDIDATES - len(out)]
        start += len(batch)
        done = await asyncio.gather(*(one(r) for r in batch))
        out.extend(d for d in done if d is not None)
    return out


def _dom_tree(snap: heal.Snapshot) -> Snapshot:
    """The locator machinery's tree (for its container-scoped selectors)."""
    nodes = tuple(
        Node(parent=n.parent, tag=n.tag, role=n.role, label=n.label, container=n.container)
        for n in snap.nodes
    )
    return Snapshot(nodes, ())


async def _ids(page: Page, selector: str) -> list[int] | None:
    """Snapshot record index of each element ``selector`` matches now (-1: not in it)."""
    try:
        raw = await quiet.evaluate_all(page, selector, FINGERPRINT_JS, {"mode": "ids"})
    except PlaywrightError:
        return None
    return [int(x) for x in raw] if isinstance(raw, list) else None


async def _first_unique(page: Page, plan: list[str], node: int) -> str | None:
    for selector in plan:
        if await _ids(page, selector) == [node]:
            return selector
    return None


async def _css_path(page: Page, node: int) -> str | None:
    try:
        raw = await quiet.evaluate(page, FINGERPRINT_JS, {"mode": "css", "ks": [node]})
    except PlaywrightError:
        return None
    selector = str(raw[0]) if isinstance(raw, list) and raw and raw[0] else ""
    if selector and await _ids(page, selector) == [node]:
        return selector
    return None
