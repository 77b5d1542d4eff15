"""Self-healing through the API: suggest, auto, reuse, accept, and refusing to
heal onto an unrelated element (the Executions API page's own example)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser

STEPS = [
    {"description": "Open the product", "action": "navigate", "value": "{{page}}"},
    {"description": "Add it to the cart", "action": "click", "selector": ".add-to-cart-btn"},
    {"description": "Confirmation", "action": "assert_text", "value": "Added to cart"},
]


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("healing")


def run(api: Api, ids: dict[str, str], page: str) -> dict[str, Any]:
    body = {**ids, "variables": {"page": f"/pages/{page}"}}
    execution = api.ok("POST", "/api/v1/executions", json=body)
    assert execution["status"] == "completed", execution
    return dict(execution)


def click_step(api: Api, execution_id: str) -> dict[str, Any]:
    results = api.ok("GET", f"/api/v1/executions/{execution_id}/results")
    return dict(results["test_results"][0]["steps"][1])


def test_heal_lifecycle(api: Api, lab: ShopServer) -> None:
    project = seed.project(api, lab.url)
    case_id = seed.test_case(api, project["id"], "Add to Cart", STEPS)
    plan_id = seed.plan(api, project["id"], [case_id], element_wait_timeout_ms=1000)
    ids = {"project_id": project["id"], "test_plan_id": plan_id}

    assert run(api, ids, "heal-v1.html")["passed_tests"] == 1  # history: a fingerprint

    # healing: suggest (the default) — the run fails and the analysis says what to use.
    failed = run(api, ids, "heal-v2.html")
    assert failed["failed_tests"] == 1
    analysis = api.ok("GET", f"/api/v1/executions/{failed['id']}/failure-analysis")
    (entry,) = analysis["analysis"]
    assert entry["failure_category"] == "selector_changed"
    assert entry["confidence"] >= 0.9
    evidence = entry["evidence"]
    assert evidence["expected_selector"] == ".add-to-cart-btn"
    suggested = evidence["suggested_alternative"]
    assert suggested
    assert any(".add-to-cart-btn" in fix and suggested in fix for fix in entry["fix_suggestions"])
    changes = entry["changes_since_last_pass"]
    assert changes["url"]["last_pass"].endswith("/pages/heal-v1.html")
    assert changes["url"]["now"].endswith("/pages/heal-v2.html")
    assert changes["url"]["changed"] is True
    assert changes["element_last_pass"]["classes"] == ["add-to-cart-btn"]
    assert changes["closest_element_now"]["selector"] == suggested
    differing = {d["attribute"]: d for d in changes["differences"]}
    assert differing["classes"]["now"] == ["product-add-btn"]
    assert "accessible name" not in differing  # the words on the button did not change

    # healing: auto — the same run passes, and says it healed.
    api.ok("PATCH", f"/api/v1/test-plans/{plan_id}", json={"healing": "auto"})
    healed = run(api, ids, "heal-v2.html")
    assert healed["passed_tests"] == 1
    step = click_step(api, healed["id"])
    assert step["healed"] is True
    assert step["original_selector"] == ".add-to-cart-btn"
    assert step["healed_selector"] == suggested
    assert step["heal_score"] >= 0.9
    results = api.ok("GET", f"/api/v1/executions/{healed['id']}/results")
    assert results["test_results"][0]["healed"] is True
    (heal,) = api.ok("GET", f"/api/v1/executions/{healed['id']}/heals")["heals"]
    assert (heal["reused"], heal["status"]) == (False, "applied")

    # The heal is remembered: the next run reuses it instead of searching again.
    again = run(api, ids, "heal-v2.html")
    (reused,) = api.ok("GET", f"/api/v1/executions/{again['id']}/heals")["heals"]
    assert reused["reused"] is True
    assert reused["healed_selector"] == suggested

    listed = api.ok("GET", f"/api/v1/test-cases/{case_id}/heals")["data"]
    assert {h["id"] for h in listed} == {heal["id"], reused["id"]}
    accepted = api.ok("POST", f"/api/v1/test-cases/{case_id}/heals/{heal['id']}/accept")
    assert accepted["test_case"]["steps"][1]["selector"] == suggested
    assert accepted["heal"]["status"] == "accepted"
    conflict = api.post(f"/api/v1/test-cases/{case_id}/heals/{heal['id']}/accept")
    assert conflict.status_code == 409

    # Now the step itself uses the new selector: no heal needed.
    clean = run(api, ids, "heal-v2.html")
    assert clean["passed_tests"] == 1
    assert "healed" not in click_step(api, clean["id"])


def test_no_heal_onto_an_unrelated_element(api: Api, lab: ShopServer) -> None:
    project = seed.project(api, lab.url)
    case_id = seed.test_case(api, project["id"], "Add to Cart", STEPS)
    plan_id = seed.plan(api, project["id"], [case_id], element_wait_timeout_ms=1000, healing="auto")
    ids = {"project_id": project["id"], "test_plan_id": plan_id}
    assert run(api, ids, "heal-v1.html")["passed_tests"] == 1
    gone = run(api, ids, "heal-gone.html")
    assert gone["failed_tests"] == 1
    step = click_step(api, gone["id"])
    assert "healed" not in step
    assert step["error_type"] == "element_not_found"
    assert api.ok("GET", f"/api/v1/executions/{gone['id']}/heals")["heals"] == []
