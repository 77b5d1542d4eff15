"""The 20 demo-shop tests of ``vs_playwright.py``, once, as bugbrain steps, plus
their translation into the plain Playwright code a person would write by hand.

Both baselines are generated from these steps so that the three runners do
exactly the same work: one statement per step, explicit CSS selectors, the
idiomatic ``expect`` assertions (which retry up to the same 5 s as bugbrain's).
"""

from __future__ import annotations

import json
from typing import Any

from common import BROWSER_ARGS, CHROMIUM, ELEMENT_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, VIEWPORT

EMAIL = "demo@bugbrain.dev"
PASSWORD = "demo123"

Step = dict[str, Any]


def _step(action: str, selector: str | None = None, value: str | None = None) -> Step:
    step: Step = {"description": f"{action} {selector or ''} {value or ''}".strip()}
    step["action"] = action
    if selector is not None:
        step["selector"] = selector
    if value is not None:
        step["value"] = value
    return step


def go(path: str) -> Step:
    return _step("navigate", value=path)


def fill(selector: str, value: str) -> Step:
    return _step("fill", selector, value)


def click(selector: str) -> Step:
    return _step("click", selector)


def text(selector: str, expected: str) -> Step:
    return _step("assert_text", selector, expected)


def visible(selector: str) -> Step:
    return _step("assert_visible", selector)


def url(expected: str) -> Step:
    return _step("assert_url", value=expected)


def title(expected: str) -> Step:
    return _step("assert_title", value=expected)


def login(email: str = EMAIL, password: str = PASSWORD) -> list[Step]:
    return [go("/login"), fill("#email", email), fill("#password", password), click("#login-btn")]


def add(sku: str) -> Step:
    return click(f'[data-testid="add-to-cart-{sku}"]')


TESTS: dict[str, list[Step]] = {
    "login_valid": [*login(), url("/catalog"), text("h1", "Catalog")],
    "login_wrong_password": [
        *login(password="wrong-password"),
        text(".error", "Invalid email or password"),
        url("/login"),
    ],
    "login_empty_fields": [
        go("/login"),
        click("#login-btn"),
        text("div.error[role=alert]", "Invalid email or password"),
        title("Login"),
    ],
    "login_remember_me": [
        go("/login"),
        fill("#email", EMAIL),
        fill("#password", PASSWORD),
        _step("check", "#remember"),
        click("#login-btn"),
        text("#cart-link", "Cart (0)"),
    ],
    "logout": [*login(), click("#logout-link"), url("/login"), text("h1", "Sign in")],
    "login_returns_to_next": [
        go("/cart"),
        url("/login?next=/cart"),
        fill("#email", EMAIL),
        fill("#password", PASSWORD),
        click("#login-btn"),
        url("/cart"),
        text("main h1", "Your cart"),
    ],
    "add_to_cart_flash": [
        *login(),
        add("blue-mug"),
        text(".flash", "Added Blue Mug to cart"),
        text("#cart-link", "Cart (1)"),
    ],
    "cart_two_products_total": [
        *login(),
        add("blue-mug"),
        add("notebook"),
        text("#cart-link", "Cart (2)"),
        click("#cart-link"),
        text(".cart-total", "Total: $18.00"),
    ],
    "cart_same_product_twice": [
        *login(),
        add("green-tea"),
        add("green-tea"),
        go("/cart"),
        text('.cart-item[data-sku="green-tea"] .item-qty', "2"),
        text(".cart-total", "Total: $17.00"),
    ],
    "cart_total_three_items": [
        *login(),
        add("blue-mug"),
        add("red-mug"),
        add("coffee-beans"),
        go("/cart"),
        text(".cart-total", "Total: $39.00"),
    ],
    "cart_remove_item": [
        *login(),
        add("pen-set"),
        go("/cart"),
        click('[data-testid="remove-pen-set"]'),
        text("p.empty", "Your cart is empty"),
    ],
    "cart_empty": [
        *login(),
        go("/cart"),
        text("p.empty", "Your cart is empty"),
        text("#cart-link", "Cart (0)"),
    ],
    "checkout_places_order": [
        *login(),
        add("notebook"),
        go("/checkout"),
        fill("#name", "Ada Lovelace"),
        fill("#address", "1 Analytical Way"),
        fill("#city", "London"),
        click("#place-order"),
        text(".order-number", "Order number: ORD-"),
    ],
    "checkout_requires_name": [
        *login(),
        add("coffee-beans"),
        go("/checkout"),
        fill("#address", "1 Analytical Way"),
        click("#place-order"),
        text(".error", "Full name is required"),
    ],
    "checkout_requires_city": [
        *login(),
        add("coffee-beans"),
        go("/checkout"),
        fill("#name", "Ada Lovelace"),
        fill("#address", "1 Analytical Way"),
        click("#place-order"),
        text(".error", "City is required"),
    ],
    "checkout_express_keeps_choices": [
        *login(),
        add("red-mug"),
        go("/checkout"),
        _step("select", "#country", "de"),
        _step("check", "#express"),
        click("#place-order"),
        text(".error", "Full name is required"),
    ],
    "checkout_needs_items": [*login(), go("/checkout"), url("/cart"), text("p.empty", "empty")],
    "search_mugs": [
        *login(),
        fill("input[name=q]", "mug"),
        click(".search-btn"),
        text('.product-card[data-sku="blue-mug"] .product-name', "Blue Mug"),
        text('.product-card[data-sku="red-mug"] .product-name', "Red Mug"),
    ],
    "search_no_results": [
        *login(),
        fill("input[name=q]", "teapot"),
        _step("press", "input[name=q]", "Enter"),
        text("p.empty", 'No products match "teapot"'),
    ],
    "catalog_prices_and_about": [
        *login(),
        text('.product-card[data-sku="green-tea"] .price', "$8.50"),
        click("a[href='/about']"),
        title("About"),
        visible("main h1 + p"),
    ],
}

# --- the same tests in plain English ------------------------------------------------------
# Every step in words (the runner parses each and finds its element on the page),
# checking the same things where a sentence can say them. The explicit plan
# above has no step in words, so the readiness wait after navigations
# (runner/readiness.py, the plan's page_ready) never runs for it; this one runs
# it after every navigation (vs_playwright.py's w and wl variants).


def _login_words(password: str = PASSWORD) -> list[str]:
    return [
        "Go to /login",
        f"Type '{EMAIL}' into the Email field",
        f"Type '{password}' into the Password field",
        "Click the Sign in button",
    ]


def _add_words(product: str) -> str:
    return f"Click 'Add to cart' on the {product} card"


def _shows(text: str) -> str:
    return f"Verify the page shows '{text}'"


WORDS: dict[str, list[str]] = {
    "login_valid": [
        *_login_words(),
        "Verify the URL contains /catalog",
        "Verify the heading says 'Catalog'",
    ],
    "login_wrong_password": [
        *_login_words(password="wrong-password"),
        _shows("Invalid email or password"),
        "Verify the URL contains /login",
    ],
    "login_empty_fields": [
        "Go to /login",
        "Click the Sign in button",
        _shows("Invalid email or password"),
        "The page title should contain Login",
    ],
    "login_remember_me": [
        "Go to /login",
        f"Type '{EMAIL}' into the Email field",
        f"Type '{PASSWORD}' into the Password field",
        "Check Remember me",
        "Click the Sign in button",
        _shows("Cart (0)"),
    ],
    "logout": [
        *_login_words(),
        "Click the Sign out link",
        "Verify the URL contains /login",
        "Verify the heading says 'Sign in'",
    ],
    "login_returns_to_next": [
        "Go to /cart",
        "Verify the URL contains /login?next=/cart",
        f"Type '{EMAIL}' into the Email field",
        f"Type '{PASSWORD}' into the Password field",
        "Click the Sign in button",
        "Verify the URL contains /cart",
        "Verify the heading says 'Your cart'",
    ],
    "add_to_cart_flash": [
        *_login_words(),
        _add_words("Blue Mug"),
        _shows("Added Blue Mug to cart"),
        _shows("Cart (1)"),
    ],
    "cart_two_products_total": [
        *_login_words(),
        _add_words("Blue Mug"),
        _add_words("Notebook"),
        _shows("Cart (2)"),
        "Click the Cart link",
        _shows("Total: $18.00"),
    ],
    "cart_same_product_twice": [
        *_login_words(),
        _add_words("Green Tea"),
        _add_words("Green Tea"),
        "Go to /cart",
        _shows("Green Tea"),
        _shows("Total: $17.00"),
    ],
    "cart_total_three_items": [
        *_login_words(),
        _add_words("Blue Mug"),
        _add_words("Red Mug"),
        _add_words("Coffee Beans"),
        "Go to /cart",
        _shows("Total: $39.00"),
    ],
    "cart_remove_item": [
        *_login_words(),
        _add_words("Pen Set"),
        "Go to /cart",
        "Click the Remove button",
        _shows("Your cart is empty"),
    ],
    "cart_empty": [
        *_login_words(),
        "Go to /cart",
        _shows("Your cart is empty"),
        _shows("Cart (0)"),
    ],
    "checkout_places_order": [
        *_login_words(),
        _add_words("Notebook"),
        "Go to /checkout",
        "Type 'Ada Lovelace' into the Full name field",
        "Type '1 Analytical Way' into the Address field",
        "Type 'London' into the City field",
        "Click the Place order button",
        _shows("Order number: ORD-"),
    ],
    "checkout_requires_name": [
        *_login_words(),
        _add_words("Coffee Beans"),
        "Go to /checkout",
        "Type '1 Analytical Way' into the Address field",
        "Click the Place order button",
        _shows("Full name is required"),
    ],
    "checkout_requires_city": [
        *_login_words(),
        _add_words("Coffee Beans"),
        "Go to /checkout",
        "Type 'Ada Lovelace' into the Full name field",
        "Type '1 Analytical Way' into the Address field",
        "Click the Place order button",
        _shows("City is required"),
    ],
    "checkout_express_keeps_choices": [
        *_login_words(),
        _add_words("Red Mug"),
        "Go to /checkout",
        "Select 'Germany' from the Country dropdown",
        "Check Express shipping",
        "Click the Place order button",
        _shows("Full name is required"),
    ],
    "checkout_needs_items": [
        *_login_words(),
        "Go to /checkout",
        "Verify the URL contains /cart",
        _shows("empty"),
    ],
    "search_mugs": [
        *_login_words(),
        "Type 'mug' into the Search products field",
        "Click the Search button",
        _shows("Blue Mug"),
        _shows("Red Mug"),
    ],
    "search_no_results": [
        *_login_words(),
        "Type 'teapot' into the Search products field",
        "Press Enter in the Search products field",
        _shows('No products match "teapot"'),
    ],
    "catalog_prices_and_about": [
        *_login_words(),
        _shows("$8.50"),
        "Click the About link",
        "The page title should contain About",
        _shows("Nothing here is real"),
    ],
}
assert list(WORDS) == list(TESTS)
WORDS_TESTS: dict[str, list[Step]] = {
    name: [{"description": sentence} for sentence in sentences] for name, sentences in WORDS.items()
}

# --- translation to Playwright -----------------------------------------------------------


def _py(value: str) -> str:
    return json.dumps(value)


def playwright_lines(step: Step, aw: str) -> list[str]:
    """Python statements for one step; ``aw`` is ``"await "`` (async) or ``""`` (sync)."""
    action, sel, value = step["action"], step.get("selector"), step.get("value")
    loc = f"page.locator({_py(sel)})" if sel else ""
    if action == "navigate":
        return [
            f"response = {aw}page.goto({_py(value)})",
            "assert response is not None and response.ok, response",
        ]
    if action == "fill":
        return [f"{aw}{loc}.fill({_py(value)})"]
    if action == "click":
        return [f"{aw}{loc}.click()"]
    if action == "check":
        return [f"{aw}{loc}.check()"]
    if action == "select":
        return [f"{aw}{loc}.select_option({_py(value)})"]
    if action == "press":
        return [f"{aw}{loc}.press({_py(value)})"]
    if action == "assert_text":
        return [f"{aw}expect({loc}).to_contain_text({_py(value)})"]
    if action == "assert_visible":
        return [f"{aw}expect({loc}).to_be_visible()"]
    if action == "assert_url":
        return [f"{aw}expect(page).to_have_url(re.compile(re.escape({_py(value)})))"]
    if action == "assert_title":
        return [f"{aw}expect(page).to_have_title(re.compile(re.escape({_py(value)})))"]
    if action == "wait":
        return [f"{aw}page.wait_for_timeout({int(value)})"]
    raise ValueError(f"no translation for {action}")


def async_script(tests: dict[str, list[Step]], timed: bool = False) -> str:
    """A standalone asyncio Playwright script: one browser, one context per test.

    Usage: ``python script.py BASE_URL``; prints one JSON line with the counts.
    ``timed`` (for bench/profile_runner.py) also records each step's duration and
    the wall-clock moments of the phases.
    """
    out = [
        '"""Generated by bench/shop_plan.py: the benchmark tests as plain Playwright."""',
        "import asyncio",
        "import json",
        "import re",
        "import sys",
        "import time",
        "",
        "from playwright.async_api import async_playwright, expect",
        "",
        f"expect.set_options(timeout={ELEMENT_TIMEOUT_MS})",
        "PHASES = {'imported': time.time()}",
        "STEPS = []",
        "",
    ]
    for name, steps in tests.items():
        out.append(f"async def test_{name}(page):")
        for step in steps:
            if timed:
                out.append("    t = time.perf_counter()")
            out.extend("    " + line for line in playwright_lines(step, "await "))
            if timed:
                out.append(f"    STEPS.append(({_py(step['action'])}, time.perf_counter() - t))")
        out.append("")
    out += [
        f"TESTS = [{', '.join(f'test_{name}' for name in tests)}]",
        "",
        "async def main(base_url):",
        "    results = {}",
        "    async with async_playwright() as pw:",
        "        browser = await pw.chromium.launch(",
        f"            executable_path={_py(CHROMIUM)}, headless=True, args={BROWSER_ARGS!r}",
        "        )",
        "        PHASES['launched'] = time.time()",
        "        for test in TESTS:",
        "            start = time.perf_counter()",
        "            context = await browser.new_context(",
        f"                base_url=base_url, viewport={VIEWPORT!r}",
        "            )",
        f"            context.set_default_timeout({ELEMENT_TIMEOUT_MS})",
        f"            context.set_default_navigation_timeout({NAVIGATION_TIMEOUT_MS})",
        "            page = await context.new_page()",
        "            try:",
        "                await test(page)",
        "                error = None",
        "            except Exception as exc:",
        "                error = str(exc).splitlines()[0] if str(exc) else repr(exc)",
        "            finally:",
        "                await context.close()",
        "            results[test.__name__] = {",
        '                "error": error,',
        '                "ms": round((time.perf_counter() - start) * 1000),',
        "            }",
        "        PHASES['tests_done'] = time.time()",
        "        await browser.close()",
        "    PHASES['closed'] = time.time()",
        "    passed = sum(1 for r in results.values() if r['error'] is None)",
        "    print(json.dumps({'passed': passed, 'failed': len(results) - passed,",
        "                      'tests': results, 'phases': PHASES, 'steps': STEPS}))",
        "",
        "asyncio.run(main(sys.argv[1]))",
        "",
    ]
    return "\n".join(out)


def pytest_file(tests: dict[str, list[Step]]) -> str:
    """A pytest-playwright test module (sync API), one test function per test case."""
    out = [
        '"""Generated by bench/shop_plan.py: the benchmark tests for pytest-playwright."""',
        "import re",
        "",
        "from playwright.sync_api import Page, expect",
        "",
    ]
    for name, steps in tests.items():
        out.append("")
        out.append(f"def test_{name}(page: Page) -> None:")
        for step in steps:
            out.extend("    " + line for line in playwright_lines(step, ""))
    out.append("")
    return "\n".join(out)


def pytest_conftest() -> str:
    """Fixture overrides: the system Chromium, the runner's launch args and timeouts."""
    return "\n".join(
        [
            '"""Generated by bench/shop_plan.py."""',
            "import pytest",
            "from playwright.sync_api import expect",
            "",
            f"expect.set_options(timeout={ELEMENT_TIMEOUT_MS})",
            "",
            "",
            '@pytest.fixture(scope="session")',
            "def browser_type_launch_args(browser_type_launch_args):",
            "    return {",
            "        **browser_type_launch_args,",
            f'        "executable_path": {_py(CHROMIUM)},',
            '        "headless": True,',
            f'        "args": {BROWSER_ARGS!r},',
            "    }",
            "",
            "",
            '@pytest.fixture(scope="session")',
            "def browser_context_args(browser_context_args):",
            f'    return {{**browser_context_args, "viewport": {VIEWPORT!r}}}',
            "",
            "",
            "@pytest.fixture(autouse=True)",
            "def _timeouts(context):",
            f"    context.set_default_timeout({ELEMENT_TIMEOUT_MS})",
            f"    context.set_default_navigation_timeout({NAVIGATION_TIMEOUT_MS})",
            "",
        ]
    )
