"""What the demo creates through the API: a project, test cases and a plan
against the bundled shop. One test is meant to fail, to show failure output.

``test_cases`` is long because it is data: the six test cases, step by step."""

from __future__ import annotations

from typing import Any

from bugbrain.demo.shop import DEMO_EMAIL, DEMO_PASSWORD
from bugbrain.vocabulary import Action

Step = dict[str, Any]


def _step(
    description: str, action: str, selector: str | None = None, value: str | None = None
) -> Step:
    return {"description": description, "action": action, "selector": selector, "value": value}


def _words(*sentences: str) -> list[Step]:
    return [{"description": sentence} for sentence in sentences]


LOGIN: list[Step] = [
    _step("Open the login page", Action.NAVIGATE, value="/login"),
    _step("Enter the email", Action.FILL, "#email", "{{email}}"),
    _step("Enter the password", Action.FILL, "#password", "{{password}}"),
    _step("Click Sign in", Action.CLICK, "#login-btn"),
]


def test_cases() -> list[dict[str, Any]]:
    return [
        {
            # Plain English: the runner finds each element the way a person would.
            "name": "Login Flow",
            "priority": "critical",
            "tags": ["smoke", "auth"],
            "steps": _words(
                "Go to /login",
                "Type {{email}} into the Email field",
                "Fill the Password field with {{password}}",
                "Click the Sign in button",
                "Verify the URL contains /catalog",
                "Verify the heading says 'Catalog'",
            ),
        },
        {
            "name": "Add to Cart",
            "priority": "high",
            "tags": ["cart"],
            "steps": [
                *LOGIN,
                _step("Add the Blue Mug", Action.CLICK, "[data-testid=add-to-cart-blue-mug]"),
                _step("See the confirmation", Action.ASSERT_TEXT, value="Added Blue Mug to cart"),
                _step("Open the cart", Action.CLICK, "#cart-link"),
                _step("The mug is in the cart", Action.ASSERT_TEXT, ".cart-table", "Blue Mug"),
                _step("The total is right", Action.ASSERT_TEXT, ".cart-total", "$12.00"),
            ],
        },
        {
            "name": "Checkout",
            "priority": "critical",
            "tags": ["checkout"],
            "steps": [
                *LOGIN,
                *_words(
                    "Click 'Add to cart' on the Green Tea card",
                    "Go to /checkout",
                    "Type 'Ada Lovelace' into the Full name field",
                    "Enter 12 Analytical Row in the Address field",
                    "Fill in City with London",
                    "Select 'Germany' from the Country dropdown",
                    "Check Express shipping",
                    "Click the Place order button",
                    "Verify the heading says 'Order confirmed'",
                ),
            ],
        },
        {
            "name": "Checkout requires a name",
            "priority": "medium",
            "tags": ["checkout", "validation"],
            "steps": [
                *LOGIN,
                _step("Add a Notebook", Action.CLICK, "[data-testid=add-to-cart-notebook]"),
                _step("Go to checkout", Action.NAVIGATE, value="/checkout"),
                _step("Place the order without details", Action.CLICK, "#place-order"),
                _step(
                    "See the validation message",
                    Action.ASSERT_TEXT,
                    "[role=alert]",
                    "Full name is required",
                ),
            ],
        },
        {
            "name": "Wrong password is rejected",
            "priority": "high",
            "tags": ["auth"],
            "steps": [
                _step("Open the login page", Action.NAVIGATE, value="/login"),
                _step("Enter the email", Action.FILL, "#email", "{{email}}"),
                _step("Enter a wrong password", Action.FILL, "#password", "not-the-password"),
                _step("Press Enter", Action.PRESS, "#password", "Enter"),
                _step("See the error", Action.ASSERT_TEXT, ".error", "Invalid email or password"),
                _step("Still on the login page", Action.ASSERT_TITLE, value="Login"),
            ],
        },
        {
            # Meant to fail: the shop has no wishlist, so the selector finds nothing.
            "name": "Save to wishlist",
            "priority": "low",
            "tags": ["demo-failure"],
            "steps": [
                *LOGIN,
                _step("Save the Red Mug for later", Action.CLICK, ".add-to-wishlist-btn"),
                _step("See it in the wishlist", Action.ASSERT_TEXT, value="Saved for later"),
            ],
        },
    ]


def project(shop_url: str) -> dict[str, Any]:
    return {
        "name": "Demo Shop",
        "base_url": shop_url,
        "environments": {"local": {"base_url": shop_url, "variables": {}}},
        "default_environment": "local",
        "variables": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
    }
