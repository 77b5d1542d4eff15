"""Semantic locators (``runner.locate``) against real Chromium and static pages.

The pages in ``tests/pages`` mark each intended element with ``data-expect``; a
target resolves correctly when the returned selector finds exactly that element.
One browser per module; read-only checks share one loaded page per file.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from bugbrain.runner import locate
from bugbrain.runner.browser import BROWSER_ARGS, system_chromium
from bugbrain.runner.errors import StepFailure
from bugbrain.steps.parse import Target
from bugbrain.vocabulary import StepErrorType
from tests.support.servers import serving

pytestmark = pytest.mark.browser

CHROMIUM = system_chromium(headless=True)
ARGS = BROWSER_ARGS  # the flags the runner launches with
PAGES = Path(__file__).resolve().parents[1] / "pages"
TIMEOUT_MS = 1500

T = TypeVar("T")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(PAGES))
    with serving(handler) as url:
        yield url


class Session:
    """One event loop, one browser and one context for the whole module."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.runner = asyncio.Runner()
        self.pw = self.run(async_playwright().start())
        self.browser: Browser = self.run(
            self.pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        )
        self.context: BrowserContext = self.run(self.browser.new_context())
        self.shared: dict[str, Page] = {}

    def run(self, coro: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await coro

        return self.runner.run(wrapped())

    def page(self, name: str) -> Page:
        """A loaded page kept for read-only checks."""
        if name not in self.shared:
            self.shared[name] = self.fresh(name)
        return self.shared[name]

    def fresh(self, name: str) -> Page:
        async def open_page() -> Page:
            page = await self.context.new_page()
            await page.goto(f"{self.base_url}/{name}")
            return page

        return self.run(open_page())

    def close(self) -> None:
        self.run(self.browser.close())
        self.run(self.pw.stop())
        self.runner.close()


@pytest.fixture(scope="module")
def session(base_url: str) -> Iterator[Session]:
    s = Session(base_url)
    try:
        yield s
    finally:
        s.close()


async def _expect_attr(page: Page, selector: str) -> str | None:
    """data-expect of the one element ``selector`` matches (asserts exactly one)."""
    locator = page.locator(selector)
    assert await locator.count() == 1, selector
    return await locator.get_attribute("data-expect")


def resolve_to(
    session: Session,
    page: Page,
    target: Target,
    action: str = "click",
    **kwargs: Any,
) -> tuple[locate.Resolved, str | None]:
    async def go() -> tuple[locate.Resolved, str | None]:
        resolved = await locate.resolve(
            page, target, action=action, timeout_ms=kwargs.pop("timeout_ms", TIMEOUT_MS), **kwargs
        )
        return resolved, await _expect_attr(page, resolved.selector)

    return session.run(go())


def failure(
    session: Session, page: Page, target: Target, action: str = "click", timeout_ms: int = 300
) -> StepFailure:
    async def go() -> None:
        await locate.resolve(page, target, action=action, timeout_ms=timeout_ms)

    with pytest.raises(StepFailure) as info:
        session.run(go())
    return info.value


# (page, target, action, data-expect of the element it must resolve to)
CASES: list[tuple[str, Target, str, str]] = [
    # forms.html: wrapping labels, aria-labelledby, placeholders, select, boxes, radios
    ("forms.html", Target("Email"), "fill", "email"),
    ("forms.html", Target("Email", role="textbox"), "fill", "email"),
    ("forms.html", Target("Password"), "fill", "password"),
    ("forms.html", Target("Confirm password"), "fill", "password2"),
    ("forms.html", Target("Nickname"), "fill", "nickname"),
    ("forms.html", Target("Phone"), "fill", "phone"),
    ("forms.html", Target("Search the docs"), "fill", "search"),
    ("forms.html", Target("Postcode"), "fill", "postcode"),
    ("forms.html", Target("Country"), "select", "country"),
    ("forms.html", Target("Country", role="combobox"), "click", "country"),
    ("forms.html", Target("Remember me"), "check", "remember"),
    ("forms.html", Target("Remember me"), "click", "remember"),
    ("forms.html", Target("terms"), "check", "terms"),
    ("forms.html", Target("I agree to the terms", role="checkbox"), "uncheck", "terms"),
    ("forms.html", Target("Express"), "check", "express"),
    ("forms.html", Target("Standard", role="radio"), "click", "standard"),
    ("forms.html", Target("Company"), "fill", "company"),
    ("forms.html", Target("Notes"), "fill", "notes"),
    ("forms.html", Target("Create account", role="button"), "click", "create"),
    ("forms.html", Target("Create account"), "click", "create"),
    ("forms.html", Target("Save draft"), "click", "save-draft"),
    # aria.html: ARIA widgets, icon buttons, a dialog with its own Save
    ("aria.html", Target("Refresh"), "click", "refresh"),
    ("aria.html", Target("Refresh", role="button"), "click", "refresh"),
    ("aria.html", Target("Privacy", role="tab"), "click", "tab-privacy"),
    ("aria.html", Target("Billing"), "click", "tab-billing"),
    ("aria.html", Target("Dark mode"), "check", "dark"),
    ("aria.html", Target("Dark mode", role="switch"), "click", "dark"),
    ("aria.html", Target("Delete"), "click", "delete"),
    ("aria.html", Target("Edit", role="button"), "click", "edit"),
    ("aria.html", Target("Close"), "click", "close"),
    ("aria.html", Target("Help"), "click", "help"),
    ("aria.html", Target("Acme logo"), "click", "logo-link"),
    ("aria.html", Target("Acme logo", role="link"), "click", "logo-link"),
    ("aria.html", Target("Acme logo", role="img"), "assert_visible", "logo-img"),
    ("aria.html", Target("Save", within="dialog"), "click", "dialog-save"),
    ("aria.html", Target("Save", within="Edit profile"), "click", "dialog-save"),
    ("aria.html", Target("Save", within_role="dialog"), "click", "dialog-save"),
    ("aria.html", Target("Display name"), "fill", "display-name"),
    ("aria.html", Target("Edit profile", role="dialog"), "assert_visible", "dialog"),
    ("aria.html", Target("Delete account"), "click", "danger-delete"),
    # table.html: rows with a checkbox and icon buttons each
    ("table.html", Target("checkbox", role="checkbox", near="Walk dog"), "check", "cb-dog"),
    ("table.html", Target("Walk dog"), "check", "cb-dog"),
    ("table.html", Target("Pay bills", role="checkbox"), "uncheck", "cb-bills"),
    ("table.html", Target("Delete", near="Pay bills"), "click", "del-bills"),
    ("table.html", Target("Delete", within="Pay bills"), "click", "del-bills"),
    ("table.html", Target("Edit", near="Buy milk"), "click", "edit-milk"),
    ("table.html", Target("Delete", ordinal=2), "click", "del-dog"),
    ("table.html", Target("Edit", role="button", ordinal=-1), "click", "edit-bills"),
    ("table.html", Target("checkbox", role="checkbox", ordinal=1), "check", "cb-milk"),
    # cards.html: similar cards, each with a hidden twin button
    ("cards.html", Target("Add to cart", within="Blue Mug"), "click", "cart-blue"),
    ("cards.html", Target("Add to cart", within="Blue Mug Deluxe"), "click", "cart-deluxe"),
    ("cards.html", Target("Add to cart", within="Black Kettle"), "click", "cart-kettle"),
    (
        "cards.html",
        Target("Add to cart", within="Yellow Cup", within_role="region"),
        "click",
        "cart-cup",
    ),
    ("cards.html", Target("Add to cart", ordinal=2), "click", "cart-red"),
    ("cards.html", Target("Add to cart", role="button", ordinal=-1), "click", "cart-cup"),
    ("cards.html", Target("add to cart blue mug"), "click", "cart-blue"),
    ("cards.html", Target("Wishlist", role="button"), "click", "wishlist"),
    ("cards.html", Target("Sign up"), "click", "signup"),
]


@pytest.mark.parametrize(
    ("name", "target", "action", "expected"),
    CASES,
    ids=[f"{n[:-5]}-{a}-{t.text}-{e}" for n, t, a, e in CASES],
)
def test_resolves_to_the_intended_element(
    session: Session, name: str, target: Target, action: str, expected: str
) -> None:
    resolved, attr = resolve_to(session, session.page(name), target, action)
    assert attr == expected, resolved
    assert resolved.source == "semantic"
    assert 0 < resolved.score <= 1


def test_returned_selector_is_the_same_element_and_prefers_stable_attributes(
    session: Session,
) -> None:
    cards = session.page("cards.html")
    resolved, attr = resolve_to(session, cards, Target("Add to cart", within="Blue Mug"))
    assert (attr, resolved.selector) == ("cart-blue", '[data-testid="add-to-cart-blue-mug"]')
    assert resolved.description == 'button "Add to cart"'
    assert resolved.score == 1.0
    forms = session.page("forms.html")
    resolved, _ = resolve_to(session, forms, Target("Notes"), "fill")
    assert resolved.selector == "#notes"
    # A generated-looking id is not used.
    resolved, _ = resolve_to(session, forms, Target("Nickname"), "fill")
    assert resolved.selector == 'role=textbox[name="Nickname"]'
    aria = session.page("aria.html")
    resolved, _ = resolve_to(session, aria, Target("Save", within="dialog"))
    assert resolved.selector == 'role=dialog[name="Edit profile"] >> role=button[name="Save"]'

    async def same_element(page: Page, selector: str, expect: str) -> bool:
        handle = await page.query_selector(f'[data-expect="{expect}"]')
        assert handle is not None
        result = await page.locator(selector).evaluate("(e, h) => e === h", handle)
        return bool(result)

    for name, target, action, expected in CASES[::4]:
        page = session.page(name)
        resolved, _ = resolve_to(session, page, target, action)
        assert session.run(same_element(page, resolved.selector, expected)), resolved


def test_ambiguous_target_lists_candidates_and_fails_fast(session: Session) -> None:
    started = time.monotonic()
    err = failure(session, session.page("cards.html"), Target("Add to cart"), timeout_ms=5000)
    assert time.monotonic() - started < 2.0
    assert err.error_type == StepErrorType.AMBIGUOUS_TARGET
    assert err.message.startswith(
        'Ambiguous target "Add to cart": 6 elements match equally well: '
        'button "Add to cart" (in "Blue Mug"), button "Add to cart" (in "Red Mug"), '
    )
    assert err.message.count('button "Add to cart"') == 5
    assert err.message.endswith(
        ', … — say which one, e.g. "the second Add to cart button" or '
        '"Add to cart on the Blue Mug card"'
    )
    err = failure(session, session.page("aria.html"), Target("Save"))
    assert err.error_type == "ambiguous_target"
    assert 'button "Save", button "Save" (in "Edit profile")' in err.message
    err = failure(session, session.page("table.html"), Target("Edit"))
    assert 'button "Edit" (in "Walk dog")' in err.message
    assert '"Edit in the Buy milk row"' in err.message


def test_not_found_suggests_the_closest_elements(session: Session) -> None:
    started = time.monotonic()
    err = failure(session, session.page("cards.html"), Target("Sign in", role="button"))
    assert time.monotonic() - started >= 0.3  # it waited for the element to appear
    assert err.error_type == StepErrorType.ELEMENT_NOT_FOUND
    assert err.message == (
        'No element matches "Sign in" (button). Closest: button "Log in", link "Sign up"'
    )
    err = failure(session, session.page("table.html"), Target("Delete", role="button", ordinal=5))
    assert err.error_type == StepErrorType.ELEMENT_NOT_FOUND
    assert err.message == 'There is no fifth "Delete" (button): only 3 match'
    err = failure(session, session.page("cards.html"), Target("Add to cart", within="Teal Mug"))
    assert err.message.startswith('No element matches "Add to cart" in "Teal Mug"')
    # A role the words do not fit is not "healed" to something else.
    err = failure(session, session.page("forms.html"), Target("Email"), "check")
    assert err.error_type == StepErrorType.ELEMENT_NOT_FOUND


def test_waits_for_a_late_element(session: Session) -> None:
    page = session.fresh("cards.html")
    started = time.monotonic()
    resolved, attr = resolve_to(session, page, Target("Load more"), timeout_ms=5000)
    assert attr == "late"
    assert resolved.selector == 'role=button[name="Load more"]'
    assert time.monotonic() - started < 3.0
    session.run(page.close())


def test_cache_hit_and_invalidation(session: Session) -> None:
    page = session.page("cards.html")
    target = Target("Add to cart", within="Red Mug")
    hit, attr = resolve_to(session, page, target, cached_selector='[data-expect="cart-red"]')
    assert (hit.source, hit.selector, attr) == ("cache", '[data-expect="cart-red"]', "cart-red")
    assert hit.description == 'button "Add to cart"'
    for stale in (
        "#no-such-element",  # gone
        "button.add",  # now matches several
        '[data-expect="twin-red"]',  # hidden
        "<<not a selector>>",  # not even valid
    ):
        resolved, attr = resolve_to(session, page, target, cached_selector=stale)
        assert (resolved.source, attr) == ("semantic", "cart-red"), stale


def test_cache_invalidated_by_a_page_change(session: Session) -> None:
    page = session.fresh("table.html")
    target = Target("Delete", near="Walk dog")
    _, attr = resolve_to(session, page, target)
    assert attr == "del-dog"
    session.run(page.evaluate("document.querySelector('tr').remove()"))
    second, attr = resolve_to(
        session, page, target, cached_selector="tbody tr:nth-of-type(2) button"
    )
    assert (second.source, attr) == ("semantic", "del-dog")
    again, attr = resolve_to(session, page, target, cached_selector=second.selector)
    assert (again.source, attr) == ("cache", "del-dog")
    session.run(page.close())


def test_hidden_only_matches(session: Session) -> None:
    page = session.fresh("cards.html")
    session.run(page.evaluate("document.querySelector('[data-expect=cart-teapot]').remove()"))
    target = Target("Add to cart", within="Green Teapot")
    err = failure(session, page, target)
    assert err.error_type == StepErrorType.ELEMENT_NOT_INTERACTABLE
    assert err.message == (
        'Element not interactable: button "Add to cart" (in "Green Teapot") (hidden)'
        " and hovering the containers around it did not reveal it"
    )
    err = failure(session, page, target, "assert_visible")
    assert (err.error_type, err.expected, err.actual) == ("assertion_failed", "visible", "hidden")
    _, attr = resolve_to(session, page, target, "assert_hidden", timeout_ms=0)
    assert attr == "twin-teapot"
    # Absent: element_not_found at once (the engine treats it as hidden).
    started = time.monotonic()
    err = failure(session, page, Target("Remove", role="button"), "assert_hidden", timeout_ms=0)
    assert err.error_type == StepErrorType.ELEMENT_NOT_FOUND
    assert time.monotonic() - started < 1.0
    session.run(page.close())


def test_resolve_all_counts(session: Session) -> None:
    def count(name: str, target: Target, timeout_ms: int = 0) -> tuple[str, int, int]:
        page = session.page(name)
        selector, n = session.run(locate.resolve_all(page, target, timeout_ms=timeout_ms))
        return selector, n, session.run(page.locator(selector).count())

    assert count("cards.html", Target("Add to cart")) == (
        'role=button[name="Add to cart"]',
        6,
        6,
    )
    assert count("cards.html", Target("Add to cart", within="Blue Mug"))[1:] == (1, 1)
    assert count("table.html", Target("checkboxes"))[1:] == (3, 3)
    assert count("table.html", Target("Delete", role="button"))[1:] == (3, 3)
    assert count("aria.html", Target("tabs"))[1:] == (3, 3)
    assert count("cards.html", Target("Remove", role="button")) == (
        'role=button[name*="Remove" i]',
        0,
        0,
    )


def test_snapshot_is_fast_enough(session: Session) -> None:
    page = session.page("forms.html")
    durations = []
    for _ in range(5):
        started = time.monotonic()
        resolve_to(session, page, Target("Email"), "fill")
        durations.append(time.monotonic() - started)
    assert sorted(durations)[2] < 0.5, durations


# --------------------------------------------------------------------------- icons.html
# Controls named by what they do (icon-only, CSS-drawn, SVG, hover-only), the
# partial-text decoy, and two controls answering to the same words.

ICON_CASES: list[tuple[Target, str, str]] = [
    # A button with no text: its class says "destroy", CSS draws ×, shown on hover.
    (Target("delete", role="button", near="Pay rent"), "click", "del-rent"),
    (Target("Delete", near="Water the plants"), "click", "del-plants"),
    (Target("Remove", near="Water the plants"), "click", "del-plants"),
    (Target("×", near="Pay rent"), "click", "del-rent"),
    (Target("Delete", role="button", within="Pay rent", within_role="row"), "click", "del-rent"),
    # SVG icon buttons: <title>Edit</title>, <use href="#icon-trash">, an icon font.
    (Target("Edit", within="Blue Mug", within_role="region"), "click", "edit-mug"),
    (Target("edit", role="img", within="Red Kettle"), "click", "edit-kettle"),
    (Target("Delete", within="Blue Mug"), "click", "trash-mug"),
    (Target("trash can", within="Red Kettle"), "click", "trash-kettle"),
    (Target("menu", role="button"), "click", "menu"),
    # A close control drawn by ::before content, inside the dialog.
    (Target("Close", within_role="dialog"), "click", "dialog-close"),
    (Target("Close", within="Welcome", within_role="dialog"), "click", "dialog-close"),
    # All of the words beat some of them, whatever the element type.
    (Target("Clear completed", quoted=True), "click", "clear"),
    (Target("Clear completed"), "click", "clear"),
    # A scope picks one of two search boxes.
    (Target("Search", within="Orders"), "fill", "search-orders"),
    (Target("Search", within_role="banner"), "fill", "search-header"),
]


@pytest.mark.parametrize(("target", "action", "expected"), ICON_CASES)
def test_controls_named_by_what_they_do(
    session: Session, target: Target, action: str, expected: str
) -> None:
    page = session.fresh("icons.html")  # hovering changes the page: not shared
    resolved, found = resolve_to(session, page, target, action)
    assert found == expected, resolved
    assert resolved.reasons, "a choice by words says why it won"


def test_a_hover_only_control_is_revealed_and_the_result_says_so(session: Session) -> None:
    page = session.fresh("icons.html")
    resolved, found = resolve_to(session, page, Target("delete", near="Water the plants"))
    assert found == "del-plants"
    assert resolved.revealed_by is not None
    assert "Water the plants" in resolved.revealed_by
    assert any('class "destroy"' in r or "css" in r for r in resolved.reasons), resolved.reasons
    evidence = resolved.evidence()
    assert evidence["revealed_by_hovering"] == resolved.revealed_by
    # The click Playwright then makes lands on it (the row stays hovered).
    session.run(page.click(resolved.selector, timeout=2000))


def test_a_hidden_control_no_hover_reveals_is_refused(session: Session) -> None:
    page = session.fresh("icons.html")
    err = failure(session, page, Target("Delete", near="Walk the dog"), timeout_ms=500)
    assert err.error_type == StepErrorType.ELEMENT_NOT_INTERACTABLE, err.message
    assert "did not reveal it" in err.message


def test_never_the_partial_match_while_a_full_one_exists(session: Session) -> None:
    page = session.page("icons.html")
    # "Archive all" exists but is hidden (and no hover shows it): the "Archive"
    # link says only some of the words, so the step fails instead of clicking it.
    err = failure(session, page, Target("Archive all", quoted=True))
    assert err.error_type == StepErrorType.ELEMENT_NOT_INTERACTABLE, err.message
    assert "Archive all" in err.message


def test_two_controls_answering_to_the_same_words_are_ambiguous(session: Session) -> None:
    page = session.page("icons.html")
    # One search box by its visible label, the other by its placeholder.
    err = failure(session, page, Target("Search"), action="fill")
    assert err.error_type == StepErrorType.AMBIGUOUS_TARGET, err.message
    assert "placeholder" in err.message or err.message.count("Search") >= 2, err.message


def test_the_reasons_name_the_runner_up(session: Session) -> None:
    page = session.page("icons.html")
    resolved, found = resolve_to(session, page, Target("Clear completed", quoted=True))
    assert found == "clear"
    assert any("contains all the words" in r for r in resolved.reasons), resolved.reasons
    assert any(r.startswith("next best:") and "Completed" in r for r in resolved.reasons)
