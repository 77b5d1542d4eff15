"""Test cases written only in plain English, run through the real API: the
demo shop in two markup versions, and pages of several markup styles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bugbrain.demo.shop import create_shop_app
from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser


def words(*sentences: str) -> list[dict[str, Any]]:
    return [{"description": sentence} for sentence in sentences]


LOGIN = (
    "Go to /login",
    "Type {{email}} into the Email field",
    "Fill the Password field with {{password}}",
    "Click the Sign in button",
    "Verify the URL contains /catalog",
)
SHOP_TESTS = {
    "Login": words(*LOGIN, "Verify the heading says 'Catalog'"),
    "Add to cart": words(
        *LOGIN,
        "Click 'Add to cart' on the Blue Mug card",
        "I should see 'Added Blue Mug to cart'",
        "Click the Cart link",
        "Verify the page shows 'Total: $12.00'",
    ),
    "Checkout": words(
        *LOGIN,
        "Click 'Add to cart' on the Green Tea card",
        "Go to /checkout",
        "Type 'Ada Lovelace' into the Full name field",
        "Enter 12 Analytical Row in the Address field",
        "Fill in City with London",
        "Select 'Germany' from the Country dropdown",
        "Check Express shipping",
        "Click the Place order button",
        "Verify the heading says 'Order confirmed'",
        "Should not see 'is required'",
    ),
    "Search": words(
        *LOGIN,
        "Type 'mug' into the Search products field",
        "Press Enter",
        "I should see 'Blue Mug'",
        "I should not see 'Green Tea'",
    ),
    "Wrong password": words(
        "Go to /login",
        "Type {{email}} into the Email field",
        "Type 'not-it' into the Password field",
        "Press Enter",
        "I should see 'Invalid email or password'",
        "Verify the title contains Login",
    ),
}


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("plain-english")


@pytest.fixture(scope="module")
def shop_v2() -> Iterator[ShopServer]:
    server = ShopServer(create_shop_app("v2"))
    server.start()
    yield server
    server.stop()


def execute(api: Api, project_id: str, plan_id: str) -> dict[str, Any]:
    body = {"project_id": project_id, "test_plan_id": plan_id}
    execution = api.ok("POST", "/api/v1/executions", json=body)
    assert execution["status"] == "completed", execution
    return dict(api.ok("GET", f"/api/v1/executions/{execution['id']}/results"))


def failures(results: dict[str, Any]) -> dict[str, str]:
    return {
        t["name"]: t.get("error", "") for t in results["test_results"] if t["status"] != "passed"
    }


def test_same_words_pass_on_both_markup_versions(
    api: Api, shop: ShopServer, shop_v2: ShopServer
) -> None:
    project = seed.project(api, shop.url)
    case_ids = [
        seed.test_case(api, project["id"], name, steps) for name, steps in SHOP_TESTS.items()
    ]
    plan_id = seed.plan(api, project["id"], case_ids, parallelism=2, screenshot_mode="on_failure")
    resolved: dict[str, list[str]] = {}
    for version, url in (("v1", shop.url), ("v2", shop_v2.url)):
        api.ok("PATCH", f"/api/v1/projects/{project['id']}", json={"base_url": url})
        results = execute(api, project["id"], plan_id)
        assert failures(results) == {}, f"{version}: {failures(results)}"
        checkout = next(t for t in results["test_results"] if t["name"] == "Checkout")
        resolved[version] = [s["resolved_selector"] for s in checkout["steps"]]
        assert all(s["selector"] is None for s in checkout["steps"])
    # The markup differs, so the same words resolved to different selectors.
    assert resolved["v1"] != resolved["v2"]


LAB_TESTS = {
    "Signup form": words(
        "Open /pages/signup.html",
        "Type 'ada@example.com' into the Email field",
        "Fill the Nickname with Ada",
        "Enter 75001 in the Postcode field",
        "Select 'Germany' from the Country dropdown",
        "Check Remember me",
        "Select the Express radio button",
        "Click the Create account button",
        "I should see 'Welcome Ada <ada@example.com> 75001 de express (remembered)'",
        "Verify the Email field contains ada@example.com",
    ),
    "ARIA widgets": words(
        "Open /pages/settings.html",
        "Click Refresh",
        "I should see 'Refreshed'",
        "Click the Billing tab",
        "I should see 'Billing options'",
        "Turn on Dark mode",
        "I should see 'Dark mode on'",
        "Click the Delete button",
        "I should see 'Deleted'",
        "Click the Help button",
        "I should see 'Help opened'",
        "Type 'Ada' into the Display name field",
        "Click Save in the Edit profile dialog",
        "I should see 'Profile saved as Ada'",
    ),
    "Table rows": words(
        "Open /pages/tasks.html",
        "Check the checkbox next to Walk dog",
        "I should see '3 tasks, 1 done'",
        "Click the Delete button in the Pay bills row",
        "I should see '2 tasks, 1 done'",
        "I should not see 'Pay bills'",
        "Verify there are 2 Delete buttons",
    ),
    "Similar cards": words(
        "Open /pages/products.html",
        "Click 'Add to cart' on the Red Mug card",
        "Click the second Add to cart button",
        "I should see 'Cart: Red Mug, Red Mug'",
        "I should not see 'WRONG'",
    ),
}


def test_pages_of_different_markup_styles(api: Api, lab: ShopServer) -> None:
    project_id, plan_id = seed.simple_plan(api, lab.url, LAB_TESTS, screenshot_mode="on_failure")
    results = execute(api, project_id, plan_id)
    assert failures(results) == {}
    for test in results["test_results"]:
        for step in test["steps"][1:]:
            if step["action"] not in ("assert_text", "assert_not_text"):
                assert step["selector_source"] == "semantic", step
                assert step["resolved_selector"], step


def test_second_run_uses_the_locator_cache(api: Api, lab: ShopServer) -> None:
    tests = {"Cards": LAB_TESTS["Similar cards"]}
    project_id, plan_id = seed.simple_plan(api, lab.url, tests)
    first = execute(api, project_id, plan_id)["test_results"][0]
    second = execute(api, project_id, plan_id)["test_results"][0]
    assert second["status"] == "passed"
    clicks = [1, 2]
    assert [first["steps"][i]["selector_source"] for i in clicks] == ["semantic", "semantic"]
    assert [second["steps"][i]["selector_source"] for i in clicks] == ["cache", "cache"]
    assert [second["steps"][i]["resolved_selector"] for i in clicks] == [
        first["steps"][i]["resolved_selector"] for i in clicks
    ]


def test_ambiguous_target_and_unknown_sentence_fail_clearly(api: Api, lab: ShopServer) -> None:
    tests = {
        "Ambiguous": words("Open /pages/products.html", "Click Add to cart", "I should see 'Cart'"),
        "Gibberish": words("Open /pages/products.html", "Frobnicate the widget"),
        "Missing": words("Open /pages/products.html", "Click the Checkout button"),
    }
    project_id, plan_id = seed.simple_plan(api, lab.url, tests, element_wait_timeout_ms=800)
    results = {t["name"]: t for t in execute(api, project_id, plan_id)["test_results"]}

    ambiguous = results["Ambiguous"]
    assert ambiguous["status"] == "failed"
    assert ambiguous["error_type"] == "ambiguous_target"
    assert ambiguous["error"].startswith('Ambiguous target "Add to cart": 3 elements')
    assert "Blue Mug" in ambiguous["error"]
    assert "Red Mug" in ambiguous["error"]
    assert [s["status"] for s in ambiguous["steps"]] == ["passed", "failed", "skipped"]

    gibberish = results["Gibberish"]
    assert gibberish["status"] == "failed"
    assert gibberish["error_type"] == "invalid_step"
    assert gibberish["error"].startswith("Could not understand step 'Frobnicate the widget'")
    assert "click <element>" in gibberish["error"]

    missing = results["Missing"]
    assert missing["error_type"] == "element_not_found"
    assert missing["error"].startswith('No element matches "Checkout"')
