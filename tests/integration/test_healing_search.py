"""Self-healing candidate search (``runner.heal_reads``) against real Chromium.

Each scenario fingerprints an element on page A (as a passing step does), replaces
the markup with page B (where the step's selector finds nothing) and checks what
``search`` proposes. Elements meant to be found carry ``data-expect``. One browser
and one page for the module; pages are loaded with ``set_content``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bugbrain.elements import selectors
from bugbrain.elements.healing import search as heal
from bugbrain.runner import heal_reads as healing
from bugbrain.runner.browser import BROWSER_ARGS, system_chromium
from bugbrain.runner.heal_reads import HealSearch

pytestmark = pytest.mark.browser

CHROMIUM = system_chromium(headless=True)
ARGS = BROWSER_ARGS  # the flags the runner launches with

T = TypeVar("T")


class Session:
    """One event loop, one browser and one page for the whole module."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.pw = self.run(async_playwright().start())
        self.browser: Browser = self.run(
            self.pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        )
        self.page: Page = self.run(self.browser.new_page())

    def run(self, coro: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await coro

        return self.runner.run(wrapped())

    def load(self, body: str) -> None:
        html = f"<!doctype html><html><head><meta charset='utf-8'></head><body>{body}</body></html>"
        self.run(self.page.set_content(html))

    def fingerprint(self, body: str, selector: str) -> dict[str, Any] | None:
        self.load(body)
        return self.run(healing.fingerprint_of(self.page, selector))

    def search(
        self,
        body: str,
        *,
        selector: str,
        fingerprint: dict[str, Any] | None,
        action: str = "click",
        description: str | None = None,
    ) -> HealSearch:
        self.load(body)
        assert self.run(self.page.locator(selector).count()) == 0, "the selector must miss"
        return self.run(
            healing.search(
                self.page,
                action=action,
                selector=selector,
                description=description,
                fingerprint=fingerprint,
            )
        )

    def expect_of(self, selector: str) -> str | None:
        """data-expect of the one element ``selector`` matches (asserts exactly one)."""
        locator = self.page.locator(selector)
        assert self.run(locator.count()) == 1, selector
        return self.run(locator.get_attribute("data-expect"))

    def close(self) -> None:
        self.run(self.browser.close())
        self.run(self.pw.stop())
        self.runner.close()


@pytest.fixture(scope="module")
def s() -> Iterator[Session]:
    session = Session()
    try:
        yield session
    finally:
        session.close()


def healed_to(s: Session, found: HealSearch) -> str | None:
    assert found.candidates, found.reason
    return s.expect_of(found.candidates[0].selector)


# --------------------------------------------------------------------------- pages

MUG_V1 = """<h1>Blue Mug</h1><p>$12.00</p>
<button class="add-to-cart-btn" type="button">Add to cart</button>
<a href="#reviews">Reviews</a><p id="s" role="status"></p>"""

MUG_V2 = """<h1>Blue Mug</h1><p>$12.00</p>
<div class="actions"><button class="product-add-btn" type="button" data-expect="new">Add to cart</button></div>
<a href="#reviews">Reviews</a><p id="s" role="status"></p>"""

MUG_GONE = """<h1>Blue Mug</h1><p>Sold out</p>
<button class="remove-btn" type="button">Remove</button>
<a href="#wishlist" class="wishlist">Add to wishlist</a><p id="s" role="status"></p>"""


def cards(blue_button: str, red_button: str) -> str:
    return f"""<section class="grid" aria-label="Products">
<div class="card product" id="p-red"><h3>Red Mug</h3><p>$10.00</p>
<div class="card-footer">{red_button}</div></div>
<div class="card product" id="p-blue"><h3>Blue Mug</h3><p>$12.00</p>
<div class="card-footer">{blue_button}</div></div></section>"""


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_of_one_element_is_json(s: Session) -> None:
    body = cards(
        '<button class="add-to-cart-btn" data-testid="add-blue" aria-haspopup="dialog">'
        "Add to cart</button>",
        '<button class="add-to-cart-btn">Add to cart</button>',
    )
    fp = s.fingerprint(body, "#p-blue .add-to-cart-btn")
    assert fp is not None
    assert json.loads(json.dumps(fp)) == fp
    assert fp["tag"] == "button"
    assert fp["role"] == "button"
    assert fp["accessible_name"] == "Add to cart"
    assert fp["text"] == "Add to cart"
    assert fp["classes"] == ["add-to-cart-btn"]
    assert fp["test_ids"] == {"data-testid": "add-blue"}
    assert fp["aria"] == {"aria-haspopup": "dialog"}
    assert fp["path"][:2] == ["div.card-footer", "div#p-blue.card.product"]
    assert fp["context"] == ["Blue Mug", "Products"]
    assert fp["index"] == 1
    assert fp["visible"] is True
    assert len(fp["box"]) == 4


@pytest.mark.parametrize(
    "selector", [".add-to-cart-btn", ".missing", "button >> nth=5", "div[[invalid"]
)
def test_no_fingerprint_unless_exactly_one(s: Session, selector: str) -> None:
    body = cards(
        '<button class="add-to-cart-btn">Add to cart</button>',
        '<button class="add-to-cart-btn">Add to cart</button>',
    )
    assert s.fingerprint(body, selector) is None


def test_unchanged_page_scores_one_for_every_kind_of_element(s: Session) -> None:
    """The fingerprint and the snapshot compute the same features."""
    body = """<form aria-label="Sign up"><fieldset><legend>Account</legend>
<label for="email">Email</label><input id="email" name="email" type="email" placeholder="you@x">
<label><input type="checkbox" name="terms"> I agree</label>
<select id="plan" aria-label="Plan"><option>Free</option><option>Pro</option></select>
<input type="submit" value="Create account"></fieldset></form>
<ul class="menu"><li><a href="/a" title="First">One <img src="data:," alt="icon"></a></li>
<li><a href="/b">Two</a></li></ul>
<div class="box" onclick="void 0" style="cursor:pointer"><span>Open</span></div>
<p id="note">A note with <b>bold</b> text</p>"""
    selectors = [
        "#email",
        "input[name=terms]",
        "#plan",
        "input[type=submit]",
        "a[href='/a']",
        "li:nth-child(2) a",
        "div.box",
        "#note",
        "legend",
    ]
    for selector in selectors:
        fp = s.fingerprint(body, selector)
        assert fp is not None, selector
        found = s.run(
            healing.search(
                s.page, action="assert_visible", selector=None, description=None, fingerprint=fp
            )
        )
        assert found.candidates, (selector, found.reason)
        best = found.candidates[0]
        assert best.score == pytest.approx(1.0), (selector, best)
        assert s.run(s.page.locator(best.selector).count()) == 1
        same = s.run(
            s.page.locator(best.selector).evaluate(
                "(e, s) => e === document.querySelector(s)", selector
            )
        )
        assert same, (selector, best.selector)


# --------------------------------------------------------------------------- with history


def test_renamed_class_heals(s: Session) -> None:
    fp = s.fingerprint(MUG_V1, ".add-to-cart-btn")
    found = s.search(MUG_V2, selector=".add-to-cart-btn", fingerprint=fp)
    assert found.auto_ok, found.reason
    best = found.candidates[0]
    assert best.score >= 0.9
    assert healed_to(s, found) == "new"
    assert "product-add-btn" in best.description
    assert best.signals["mode"] == "fingerprint"
    assert len(found.candidates) <= 3


def test_moved_button_heals(s: Session) -> None:
    old = cards(
        '<button class="buy">Add to cart</button>', '<button class="buy">Add to cart</button>'
    )
    fp = s.fingerprint(old, "#p-blue .card-footer > button")
    new = """<section class="grid" aria-label="Products">
<div class="card product" id="p-red"><div class="card-header"><h3>Red Mug</h3>
<button class="buy">Add to cart</button></div><p>$10.00</p></div>
<div class="card product" id="p-blue"><div class="card-header"><h3>Blue Mug</h3>
<button class="buy" data-expect="blue">Add to cart</button></div><p>$12.00</p></div></section>"""
    found = s.search(new, selector="#p-blue .card-footer > button", fingerprint=fp)
    assert found.auto_ok, found.reason
    assert healed_to(s, found) == "blue"


def test_button_that_became_a_link_with_button_role_heals(s: Session) -> None:
    fp = s.fingerprint(MUG_V1, ".add-to-cart-btn")
    new = MUG_V1.replace(
        '<button class="add-to-cart-btn" type="button">Add to cart</button>',
        '<a role="button" href="#add" class="cart-link" data-expect="link">Add to cart</a>',
    )
    found = s.search(new, selector=".add-to-cart-btn", fingerprint=fp)
    assert found.auto_ok, found.reason
    assert healed_to(s, found) == "link"


def test_two_similar_buttons_the_card_decides(s: Session) -> None:
    old = cards(
        '<button class="add-to-cart-btn">Add to cart</button>',
        '<button class="add-to-cart-btn">Add to cart</button>',
    )
    fp = s.fingerprint(old, "#p-blue .add-to-cart-btn")
    new = cards(
        '<button class="product-add-btn" data-expect="blue">Add to cart</button>',
        '<button class="product-add-btn" data-expect="red">Add to cart</button>',
    )
    found = s.search(new, selector="#p-blue .add-to-cart-btn", fingerprint=fp)
    assert found.auto_ok, found.reason
    assert healed_to(s, found) == "blue"
    assert [s.expect_of(c.selector) for c in found.candidates][:2] == ["blue", "red"]


def test_genuinely_ambiguous_twins_are_not_healed(s: Session) -> None:
    fp = s.fingerprint(
        '<div class="bar"><button class="add-to-cart-btn">Add to cart</button></div>',
        ".add-to-cart-btn",
    )
    new = """<div class="bar"><button class="add-btn">Add to cart</button></div>
<div class="bar"><button class="add-btn">Add to cart</button></div>"""
    found = s.search(new, selector=".add-to-cart-btn", fingerprint=fp)
    assert not found.auto_ok
    assert "ambiguous" in found.reason
    assert len(found.candidates) == 2  # both suggested, each with its own selector


def test_hidden_twin_is_never_chosen(s: Session) -> None:
    fp = s.fingerprint(MUG_V1, ".add-to-cart-btn")
    new = MUG_V2 + (
        '<button class="add-to-cart-btn-legacy" type="button" style="display:none">'
        "Add to cart</button>"
    )
    found = s.search(new, selector=".add-to-cart-btn", fingerprint=fp)
    assert found.auto_ok, found.reason
    assert healed_to(s, found) == "new"
    hidden = [c for c in found.candidates if not c.signals["visible"]]
    assert all(c.score < found.candidates[0].score for c in hidden)


def test_only_a_hidden_twin_is_not_healed(s: Session) -> None:
    fp = s.fingerprint(MUG_V1, ".add-to-cart-btn")
    new = MUG_V1.replace('class="add-to-cart-btn"', 'class="legacy" style="display:none"')
    found = s.search(new, selector=".add-to-cart-btn", fingerprint=fp)
    assert not found.auto_ok
    assert "hidden" in found.reason


def test_disabled_replacement_is_not_healed(s: Session) -> None:
    fp = s.fingerprint(MUG_V1, ".add-to-cart-btn")
    new = MUG_V2.replace('class="product-add-btn"', 'class="product-add-btn" disabled')
    found = s.search(new, selector=".add-to-cart-btn", fingerprint=fp)
    assert not found.auto_ok
    assert "disabled" in found.reason


@pytest.mark.parametrize("description", [None, "Click Add to cart"])
def test_unrelated_look_alikes_are_not_healed(s: Session, description: str | None) -> None:
    fp = s.fingerprint(MUG_V1, ".add-to-cart-btn")
    for history in (fp, None):
        found = s.search(
            MUG_GONE, selector=".add-to-cart-btn", fingerprint=history, description=description
        )
        assert not found.auto_ok, found
        assert "name" in found.reason or "no element" in found.reason


def test_field_replaced_by_a_link_is_not_filled(s: Session) -> None:
    fp = s.fingerprint('<label for="email">Email</label><input id="email" name="email">', "#email")
    found = s.search(
        '<a href="/email" class="email">Email</a>', selector="#email", fingerprint=fp, action="fill"
    )
    assert not found.auto_ok
    assert "cannot be used to fill" in found.reason


def test_renamed_field_heals_for_fill(s: Session) -> None:
    fp = s.fingerprint('<label for="email">Email</label><input id="email" name="email">', "#email")
    found = s.search(
        '<label for="user-email">Email</label><input id="user-email" name="email" data-expect="f">',
        selector="#email",
        fingerprint=fp,
        action="fill",
    )
    assert found.auto_ok, found.reason
    assert healed_to(s, found) == "f"


def test_shadow_dom_elements_are_candidates(s: Session) -> None:
    host = """<div id="host"></div><script>
document.getElementById('host').attachShadow({mode: 'open'}).innerHTML =
  '<button class="{cls}" data-expect="shadow">Add to cart</button>';
</script>"""
    fp = s.fingerprint(host.replace("{cls}", "add-to-cart-btn"), ".add-to-cart-btn")
    assert fp is not None
    found = s.search(
        host.replace("{cls}", "product-add-btn"), selector=".add-to-cart-btn", fingerprint=fp
    )
    assert found.auto_ok, found.reason
    assert healed_to(s, found) == "shadow"


# --------------------------------------------------------------------------- without history


@pytest.mark.parametrize(
    ("selector", "description", "body"),
    [
        (".add-to-cart-btn", "Click Add to cart", MUG_V2),
        (".add-to-cart-btn", None, MUG_V2),
        (
            "#login-btn",
            None,
            '<button id="signin" data-expect="new">Log in</button><a href="/">Home</a>',
        ),
        (
            "[data-testid=checkout-button]",
            "Go to checkout",
            '<button data-testid="checkout" data-expect="new">Checkout</button>'
            '<button data-testid="continue">Continue shopping</button>',
        ),
    ],
)
def test_words_heal_without_history(
    s: Session, selector: str, description: str | None, body: str
) -> None:
    found = s.search(body, selector=selector, fingerprint=None, description=description)
    assert found.auto_ok, found.reason
    assert healed_to(s, found) == "new"
    best = found.candidates[0]
    assert best.signals["mode"] == "words"
    assert heal.WORDS_THRESHOLD <= best.score <= heal.WORDS_CAP


def test_words_never_heal_onto_a_partial_match(s: Session) -> None:
    found = s.search(
        MUG_GONE, selector=".add-to-cart-btn", fingerprint=None, description="Click Add to cart"
    )
    assert not found.auto_ok
    assert found.candidates
    assert found.candidates[0].score < heal.WORDS_THRESHOLD


def test_nothing_to_go_on(s: Session) -> None:
    found = s.search(MUG_V2, selector="div > span:nth-of-type(3)", fingerprint=None)
    assert not found.auto_ok
    assert found.candidates == []
    assert "no fingerprint" in found.reason


def test_element_that_came_late_keeps_its_selector(s: Session) -> None:
    fp = s.fingerprint(MUG_V1, ".add-to-cart-btn")
    s.load(MUG_V1)  # the step gave up, then the element appeared: it is there now
    found = s.run(
        healing.search(
            s.page, action="click", selector=".add-to-cart-btn", description=None, fingerprint=fp
        )
    )
    assert found.candidates[0].selector == ".add-to-cart-btn"
    assert not found.auto_ok
    assert "came late" in found.reason


# --------------------------------------------------------------------------- public selectors

SELECTOR_PAGE = """<h1>Shop</h1>
<ul><li>Red Mug <button data-expect="red">Add</button></li>
<li>Blue Mug <button data-expect="blue">Add</button></li></ul>
<button data-expect="quote">Say "hi"</button>
<button data-expect="hidden" style="display:none">Later</button>
<label>Email <input data-expect="email" placeholder="you@x"></label>
<img alt="Logo" src="data:," data-expect="logo">
<a href="#x" title="Close" data-expect="close">&times;</a>
<p data-expect="error">Error: card declined</p>"""

# (the form older versions stored, its public translation, the element both pick)
TRANSLATED = [
    ('li >> internal:has-text="Blue Mug"i >> internal:role=button[name="Add"s]', "blue"),
    ('internal:role=button[name="Say \\"hi\\""s]', "quote"),
    ('internal:role=button[name="Say \\"hi\\""s][disabled=false]', "quote"),
    ('internal:role=button[name="Later"s][include-hidden=true]', "hidden"),
    ('internal:role=textbox[name="email"i]', "email"),
    ('internal:attr=[placeholder="you@x"s]', "email"),
    ('internal:attr=[alt="Logo"s]', "logo"),
    ('internal:attr=[title="Close"s]', "close"),
    ('internal:text="Say \\"hi\\""s', "quote"),
    ('internal:text="card declined"i', "error"),
]


@pytest.mark.parametrize(("stored", "expect"), TRANSLATED)
def test_public_selectors_resolve_like_the_internal_ones(
    s: Session, stored: str, expect: str
) -> None:
    """Every public form bugbrain writes (``role=``, ``text=``, ``:text()``,
    ``:has-text()``, CSS attributes) resolves with ``page.locator()`` in the runner's
    Playwright, to the element the internal form older versions stored picks."""
    s.load(SELECTOR_PAGE)
    public = selectors.public_selector(stored)
    assert public is not None
    assert "internal:" not in public
    assert s.expect_of(stored) == expect
    assert s.expect_of(public) == expect


def test_selector_plans_resolve_in_playwright(s: Session) -> None:
    """The plans' own output for the elements of the page, in public syntax."""
    s.load(SELECTOR_PAGE)
    plan = [
        selectors.role_selector("button", 'Say "hi"'),
        selectors.role_selector("button", "Later", hidden=True),
        selectors.text_selector('Say "hi"'),
        selectors.text_selector("CARD DECLINED", exact=False),
        "li:has-text("
        + selectors.css_string("Red Mug")
        + ") >> "
        + selectors.role_selector("button", "Add"),
    ]
    assert [s.expect_of(p) for p in plan] == ["quote", "hidden", "quote", "error", "red"]
    assert s.run(s.page.locator(selectors.role_selector("button", "add", exact=False)).count()) == 2
