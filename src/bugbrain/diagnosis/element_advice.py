"""What to tell the user when the step's element is the trouble: missing (a
replacement only when one is close), ambiguous, or there but not usable.

Split from ``diagnosis.advice`` (same conventions: each function returns
``Advice``, a description and fix suggestions that are likely right)."""

from __future__ import annotations

from bugbrain.diagnosis.advice import Advice
from bugbrain.diagnosis.evidence import as_text
from bugbrain.diagnosis.signals import Facts
from bugbrain.vocabulary import StepErrorType


def replacement(f: Facts) -> list[str]:
    """Use the best heal candidate instead: only a close one (``Facts.close``), never
    merely the nearest."""
    if f.best is None or not f.close:
        return []
    alt = as_text(f.best.get("selector"))
    desc = as_text(f.best.get("description")) or "suggested element"
    return [
        f"Update test selector from '{f.selector}' to '{alt}'"
        if f.selector
        else f"Use the selector '{alt}' for this step",
        f"Verify the {desc} is the intended element in the current version of the "
        f"application (similarity {f.best_score:.2f})",
    ]


def not_interactable(f: Facts, reason: str) -> Advice:
    sel, overlay = f.selector or "the element", f.overlay
    description = f"'{sel}' is on the page but could not be used: it is {reason}."
    if "covered" in reason and overlay:
        description = f"'{sel}' is on the page but covered by {overlay}."
        over = as_text(f.ctx.get("overlay_selector")) or overlay
        fix = (
            f"Dismiss {overlay} first (e.g. click its close/accept button), or add a "
            f"wait_hidden step for '{over}' before this step"
        )
    elif "covered" in reason:
        fix = (
            f"Another element sits on top of '{sel}': close it, scroll, or wait for it "
            "to go away before this step"
        )
    elif "disabled" in reason:  # not vocabulary: words
        fix = (
            f"'{sel}' is disabled: complete what enables it first (required fields, a "
            "checkbox, a previous step), or add a wait step until it is enabled"
        )
    elif "hidden" in reason:
        return description, [
            f"'{sel}' matches a hidden element: if a visible twin exists, target it, e.g. "
            f"'{sel} >> visible=true', or a selector of the visible element",
            "If the element appears after an interaction (a menu, a tab), add that step first",
            *replacement(f),
        ]
    elif "read-only" in reason:
        fix = f"'{sel}' is read-only: the test cannot type into it"
    elif "viewport" in reason:
        fix = (
            f"'{sel}' lies outside the page's visible area (off-screen): check the layout, "
            "or act on the element the user actually sees"
        )
    elif "stable" in reason or "detached" in reason:
        fix = (
            f"'{sel}' kept moving or being re-rendered: wait for the page to settle "
            "(a wait_hidden step for the loader, or a wait step) before this step"
        )
    else:
        fix = f"Check whether '{sel}' is hidden, disabled or covered"
    return description, [fix, *replacement(f)]


def ambiguous(f: Facts) -> Advice:
    sel = f.selector
    if sel and f.kind == StepErrorType.AMBIGUOUS_SELECTOR:
        return (
            f"The '{sel}' selector matched {f.match_count} elements, so the step could not "
            "tell which one to use: the page gained a similar element.",
            [
                f"Make '{sel}' match only the intended element: add its text "
                f"('{sel}:has-text(\"…\")'), its container, or a data-testid",
                *replacement(f),
            ],
        )
    return f"The step's words fit several elements: {f.ev.error}", [
        "Add words that pick one element (see the error message)",
        *replacement(f),
    ]


def selector_missing(f: Facts) -> Advice:
    sel, prev = f.selector, f.ev.previous
    if sel:
        description = f"The '{sel}' selector no longer exists in the DOM."
        if f.best is None or f.close:
            description += " The element may have been renamed or removed."
    else:
        description = f"No element on the page fits the step's words: {f.ev.error}"
    if f.best is not None and f.close:
        desc = as_text(f.best.get("description")) or "a similar element"
        description += (
            f" The closest match on the page now is {desc}: '{as_text(f.best.get('selector'))}'."
        )
    elif f.best is not None:
        description += " " + _no_close_match(f)
    fixes = replacement(f)
    if not f.close:
        if sel and f.best is not None:
            fixes.append(
                f"Nothing on {f.where} is close to '{sel}': if the feature was removed on "
                "purpose, remove or rewrite this step; if the element is still there, find "
                "its new selector and update the step"
            )
        elif sel:
            fixes.append(
                f"Find the element's new selector on {f.where} and update the step (it was '{sel}')"
            )
        if f.closest_elements:
            fixes.append(
                f"Closest elements on the page: {f.closest_elements} — update the step's words "
                "if one of them is the intended element"
            )
        headings = f.ctx.get("headings")
        if isinstance(headings, list) and headings:
            shown = ", ".join(f"'{as_text(h)}'" for h in headings[:3])
            fixes.append(f"Check that the test is on the right page (it showed {shown})")
        if f.sparse:
            fixes.append("The page is nearly empty: check that it rendered at all")
        if prev and prev.selector and prev.selector != sel:
            fixes.append(f"The step passed before using '{prev.selector}'; try it")
    fixes.append("Prefer stable selectors such as data-testid attributes")
    return description, fixes


def _no_close_match(f: Facts) -> str:
    """Why the nearest element is not suggested, and what that likely means."""
    reason = f.close_reason or "it does not pass the rules for a replacement"
    if reason.startswith("ambiguous"):
        return (
            f"No single close match was found ({reason}), so no replacement is suggested; "
            "the nearest elements are listed for information only."
        )
    return (
        f"No close match was found on the page ({reason}): the element was likely removed, "
        "or changed beyond recognition, so no replacement is suggested; the nearest "
        "elements are listed for information only."
    )
