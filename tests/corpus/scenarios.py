"""Failure scenarios: a test case that fails on a corpus page, and the failure
category the analysis must give it.

``alternative`` lists pieces of selectors that pick the intended element; the
selector the analysis suggests instead must contain one of them (no suggestion
is a miss), and so must any selector an auto-heal uses (a scenario without one
has no element to heal onto, and must get no suggestion). With ``close=False`` the
intended element is there but not close by the healing rules (its words changed
too): the analysis must suggest nothing and list it as the nearest candidate.
``trap`` names the look-alike a scenario sets: evidence that points at the wrong
category.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Step = dict[str, Any]


def nav(path: str) -> Step:
    return {"description": f"Open {path}", "action": "navigate", "value": path}


def act(action: str, selector: str | None = None, value: str | None = None) -> Step:
    words = " ".join(x for x in (action, selector, value) if x)
    return {"description": words, "action": action, "selector": selector, "value": value}


def words(sentence: str) -> Step:
    return {"description": sentence}


LOGIN_AS = [
    nav("/login"),
    act("fill", "#email", "{{email}}"),
    act("fill", "#password", "{{password}}"),
    act("click", "#signin-btn"),
]


@dataclass(frozen=True)
class Scenario:
    name: str
    category: str
    steps: list[Step]
    alternative: tuple[str, ...] = ()
    # False: the intended element is only the nearest candidate, not a close match.
    close: bool = True
    trap: str | None = None
    # Run in an execution of its own with this timeout_seconds (deadline scenarios).
    deadline_s: int | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


SCENARIOS: list[Scenario] = [
    # ------------------------------------------------------------------ selector_changed
    Scenario(
        "renamed class",
        "selector_changed",
        [nav("/shop-v2"), act("click", ".add-to-cart-btn")],
        alternative=("product-add-btn", '"Add to cart"'),
    ),
    Scenario(
        "moved button with a new id",
        "selector_changed",
        [nav("/checkout-v2"), act("click", "form#checkout #place-order")],
        alternative=("submit-order", '"Place order"'),
    ),
    Scenario(
        "two similar buttons",
        "selector_changed",
        [nav("/plans"), act("click", ".buy")],
        trap="the selector matches two look-alike buttons",
    ),
    Scenario(
        "renamed data-testid",
        "selector_changed",
        [nav("/newsletter"), act("click", "[data-testid=subscribe-btn]")],
        alternative=("newsletter-subscribe", '"Subscribe"'),
    ),
    Scenario(
        "button words changed (plain English step)",
        "selector_changed",
        [nav("/cart-v2"), words("Click the Checkout button")],
    ),
    Scenario(
        "renamed class next to a failing analytics call",
        "selector_changed",
        [nav("/shop-v3"), act("click", ".add-to-cart-btn")],
        alternative=("basket-add", '"Add to cart"'),
        trap="a 500 from an analytics endpoint the page does not need",
    ),
    Scenario(
        "renamed login button on the login page",
        "selector_changed",
        [
            nav("/login"),
            act("fill", "#email", "{{email}}"),
            act("fill", "#password", "{{password}}"),
            act("click", "#login-button"),
        ],
        alternative=("signin-btn", '"Sign in"'),
        trap="the failure happens on a login page",
    ),
    Scenario(
        "renamed link on a page with console noise",
        "selector_changed",
        [nav("/help-v2"), act("click", "#contact-link")],
        alternative=("support-link", '"Contact support"'),
        # "contact link" against the link "Contact support": half its words (name match
        # 0.50 < 0.75), so no replacement is suggested; it is the nearest candidate.
        close=False,
        trap="a harmless console.error on the page",
    ),
    # ------------------------------------------------------------------ element_not_interactable
    Scenario(
        "button under a cookie wall",
        "element_not_interactable",
        [nav("/promo"), act("click", "#claim")],
        trap="a fixed overlay covers the page",
    ),
    Scenario(
        "disabled submit",
        "element_not_interactable",
        [nav("/signup"), act("fill", "#su-email", "a@b.c"), act("click", "#create")],
    ),
    Scenario(
        "hidden twin",
        "element_not_interactable",
        [nav("/menu"), act("click", ".order")],
        trap="a visible look-alike exists under another class",
    ),
    Scenario(
        "button outside the viewport",
        "element_not_interactable",
        [nav("/banner"), act("click", "#dismiss")],
    ),
    Scenario(
        "read-only field",
        "element_not_interactable",
        [nav("/coupon"), act("fill", "#coupon", "SUMMER")],
    ),
    # ------------------------------------------------------------------ assertion_failed
    Scenario(
        "button text changed",
        "assertion_failed",
        [nav("/product"), act("assert_text", "#add", "Add to cart")],
    ),
    Scenario(
        "price changed",
        "assertion_failed",
        [nav("/product"), act("assert_text", ".price", "$10.00")],
    ),
    Scenario(
        "fewer reviews",
        "assertion_failed",
        [nav("/reviews"), act("assert_count", ".review", "3")],
    ),
    Scenario(
        "link goes elsewhere",
        "assertion_failed",
        [nav("/nav"), act("click", "#cart-link"), act("assert_url", value="/cart")],
    ),
    Scenario(
        "title changed",
        "assertion_failed",
        [nav("/pay"), act("assert_title", value="Checkout")],
    ),
    Scenario(
        "text changed on a page with console noise",
        "assertion_failed",
        [nav("/product-noisy"), act("assert_text", "#stock", "In stock")],
        trap="a console.error unrelated to the content",
    ),
    Scenario(
        "field value differs",
        "assertion_failed",
        [nav("/qty"), act("assert_value", "#qty", "2")],
    ),
    # ------------------------------------------------------------------ timeout
    Scenario(
        "spinner never went away",
        "timeout",
        [nav("/report"), act("click", "#download")],
        trap="the element is missing, as if renamed",
    ),
    Scenario(
        "results came too late",
        "timeout",
        [nav("/search-results"), act("wait", "#results")],
    ),
    Scenario(
        "loading overlay never hid",
        "timeout",
        [nav("/busy-overlay"), act("wait_hidden", ".loading-overlay")],
    ),
    Scenario(
        "greeting still loading",
        "timeout",
        [nav("/welcome"), act("assert_text", "#greeting", "Welcome back")],
        trap="looks like a text mismatch",
    ),
    Scenario(
        "slow API behind a loader",
        "timeout",
        [nav("/slow-api"), act("click", ".order")],
    ),
    Scenario(
        "execution deadline",
        "timeout",
        [nav("/dwell"), act("wait", value="60000")],
        deadline_s=10,
    ),
    # ------------------------------------------------------------------ navigation_error
    Scenario(
        "connection refused",
        "navigation_error",
        [nav("{{closed_url}}"), act("click", "#anything")],
    ),
    Scenario(
        "document answers 500",
        "navigation_error",
        [nav("/broken-orders"), act("click", "#order-1")],
    ),
    Scenario(
        "link to a 404 page",
        "navigation_error",
        [nav("/start"), act("click", "#old-link"), act("click", "#continue")],
        trap="the next step's element is missing, as if renamed",
    ),
    Scenario(
        "TLS handshake fails",
        "navigation_error",
        [nav("{{tls_url}}")],
    ),
    Scenario(
        "proxy error page with status 200",
        "navigation_error",
        [nav("/gateway"), act("click", "#dashboard-link")],
        trap="the document status is 200",
    ),
    # ------------------------------------------------------------------ network_error
    Scenario(
        "API 500, list never rendered",
        "network_error",
        [nav("/order-list"), act("click", ".order-row a")],
        trap="the element is missing, as if renamed",
    ),
    Scenario(
        "API 503 behind a spinner",
        "network_error",
        [nav("/inbox"), act("click", ".message")],
        trap="a spinner that never stops, as in a timeout",
    ),
    Scenario(
        "API host refuses connections",
        "network_error",
        [nav("/weather"), act("wait", "#forecast")],
        trap="the step error is a timeout",
    ),
    Scenario(
        "API 500 and an error message instead of data",
        "network_error",
        [nav("/stats"), act("assert_text", "#stats", "Visitors")],
        trap="looks like a text mismatch",
    ),
    Scenario(
        "API request aborted",
        "network_error",
        [nav("/search-aborted"), act("click", ".result")],
    ),
    Scenario(
        "save request fails",
        "network_error",
        [nav("/profile-form"), act("click", "#save-profile"), act("assert_text", value="Saved")],
    ),
    # ------------------------------------------------------------------ javascript_error
    Scenario(
        "render throws, grid empty",
        "javascript_error",
        [nav("/products"), act("click", ".product .add")],
        trap="the element is missing, as if renamed",
    ),
    Scenario(
        "widget failed to render (console)",
        "javascript_error",
        [nav("/widget"), act("assert_text", "#widget", "Visitors")],
    ),
    Scenario(
        "save handler is undefined",
        "javascript_error",
        [nav("/settings-form"), act("click", "#save"), act("assert_text", value="Saved")],
    ),
    Scenario(
        "unhandled rejection, feed never shown",
        "javascript_error",
        [nav("/feed"), act("wait", ".post")],
        trap="the step error is a timeout",
    ),
    Scenario(
        "syntax error, app never booted",
        "javascript_error",
        [nav("/legacy"), act("click", "#start")],
    ),
    Scenario(
        "click handler throws, no navigation",
        "javascript_error",
        [nav("/wizard"), act("click", "#next"), act("assert_url", value="/step-2")],
        trap="looks like a URL mismatch",
    ),
    # ------------------------------------------------------------------ authentication_failed
    Scenario(
        "redirected to login",
        "authentication_failed",
        [nav("/account"), act("click", "#edit-profile")],
        trap="the element is missing, as if renamed",
    ),
    Scenario(
        "API answers 401",
        "authentication_failed",
        [nav("/me-page"), act("assert_text", "#user-name", "Ada")],
        trap="looks like a text mismatch",
    ),
    Scenario(
        "wrong password",
        "authentication_failed",
        [
            nav("/login"),
            act("fill", "#email", "{{email}}"),
            act("fill", "#password", "not-the-password"),
            act("click", "#signin-btn"),
            act("assert_url", value="/home"),
        ],
    ),
    Scenario(
        "admin page answers 403",
        "authentication_failed",
        [nav("/admin"), act("click", "#users")],
        trap="an HTTP error on the document, as in navigation_error",
    ),
    Scenario(
        "session lost after signing in",
        "authentication_failed",
        [*LOGIN_AS, act("click", "#orders-link"), act("assert_text", "h1", "Your orders")],
    ),
    Scenario(
        "access denied page",
        "authentication_failed",
        [nav("/reports"), act("click", "#export")],
    ),
    # ------------------------------------------------------------------ unknown
    Scenario(
        "invalid selector",
        "unknown",
        [nav("/search-box"), act("click", "##q[")],
    ),
    Scenario(
        "missing variable",
        "unknown",
        [nav("/search-box"), act("fill", "#q", "{{search_term}}")],
    ),
    Scenario(
        "unknown key",
        "unknown",
        [nav("/search-box"), act("press", "#q", "Blorp")],
    ),
    Scenario(
        "step the runner cannot understand",
        "unknown",
        [nav("/search-box"), words("Frobnicate the search box wisely")],
    ),
]
