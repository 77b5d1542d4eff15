"""Self-healing through the API: suggest, auto, reuse, accept, and refusing to
heal onto an unrelated element (the Executions API page's own example); the analysis
suggests a replacement only when it is close (the demo's removed wishlist button gets
none); selectors come out in public syntax, and heals stored in Playwright's internal
syntax by older versions still work."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from bugbrain.db import tables
from bugbrain.db.engine import create_engine, write_tx
from bugbrain.demo import content
from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser

STEPS = seed.HEAL_STEPS


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
    assert not suggested.startswith("internal:")
    assert evidence["close_match"] is True
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
    assert step["heal_decision"]["ok"] is False
    assert api.ok("GET", f"/api/v1/executions/{gone['id']}/heals")["heals"] == []
    # Nor does the analysis suggest one: nothing on the page is close.
    analysis = api.ok("GET", f"/api/v1/executions/{gone['id']}/failure-analysis")
    (entry,) = analysis["analysis"]
    assert_no_suggestion(entry)


def assert_no_suggestion(entry: dict[str, Any]) -> None:
    """An honest analysis of an element with no close counterpart on the page."""
    assert entry["failure_category"] == "selector_changed"
    assert entry["confidence"] < 0.8
    evidence = entry["evidence"]
    assert evidence["suggested_alternative"] is None
    assert "candidates" not in evidence
    assert not any("Update test selector" in fix for fix in entry["fix_suggestions"])
    if evidence.get("nearest_candidates"):
        assert evidence["close_match"] is False
        assert evidence["close_match_reason"]
        assert "No close match" in entry["description"] or "No single" in entry["description"]
        for nearest in evidence["nearest_candidates"]:
            assert not nearest["selector"].startswith("internal:")
            assert 0 < nearest["similarity"] <= 1
            assert not any(nearest["selector"] in fix for fix in entry["fix_suggestions"])


def test_demo_wishlist_failure_gets_no_suggestion(api: Api, shop: ShopServer) -> None:
    """The demo's failing test: .add-to-wishlist-btn does not exist, and the nearest
    element ("Add to cart") is not it, so nothing is suggested in its place."""
    project = api.ok("POST", "/api/v1/projects", json=content.project(shop.url))
    case = next(c for c in content.test_cases() if c["name"] == "Save to wishlist")
    case_id = api.ok("POST", "/api/v1/test-cases", json={"project_id": project["id"], **case})["id"]
    plan_id = seed.plan(api, project["id"], [case_id], element_wait_timeout_ms=1000)
    execution = api.ok(
        "POST", "/api/v1/executions", json={"project_id": project["id"], "test_plan_id": plan_id}
    )
    assert execution["failed_tests"] == 1, execution
    analysis = api.ok("GET", f"/api/v1/executions/{execution['id']}/failure-analysis")
    (entry,) = analysis["analysis"]
    assert entry["evidence"]["expected_selector"] == ".add-to-wishlist-btn"
    assert entry["evidence"]["nearest_candidates"], entry
    assert_no_suggestion(entry)


WORDED = [*STEPS, {"description": "Click Reviews"}]
OLD_HEAL = 'internal:role=button[name="Add to cart"s]'
OLD_CACHE = 'internal:role=link[name="Reviews"s]'


def test_heals_stored_in_internal_syntax_still_work(
    api: Api, lab: ShopServer, bugbrain: BugbrainServer
) -> None:
    """Older versions stored heals and resolved words in Playwright's internal syntax:
    they are still reused, and shown (and accepted) in public syntax."""
    project = seed.project(api, lab.url)
    case_id = seed.test_case(api, project["id"], "Add to Cart", WORDED)
    plan_id = seed.plan(api, project["id"], [case_id], element_wait_timeout_ms=1000, healing="auto")
    ids = {"project_id": project["id"], "test_plan_id": plan_id}
    assert run(api, ids, "heal-v1.html")["passed_tests"] == 1
    assert run(api, ids, "heal-v2.html")["passed_tests"] == 1  # healed, and remembered
    engine = create_engine(bugbrain.database_url)
    try:
        with write_tx(engine) as conn:
            conn.execute(
                sa.update(tables.heals)
                .where(tables.heals.c.test_case_id == case_id)
                .values(healed_selector=OLD_HEAL)
            )
            updated = conn.execute(
                sa.update(tables.locator_cache)
                .where(tables.locator_cache.c.test_case_id == case_id)
                .values(selector=OLD_CACHE)
            )
            assert updated.rowcount == 1
    finally:
        engine.dispose()

    again = run(api, ids, "heal-v2.html")
    assert again["passed_tests"] == 1
    steps = api.ok("GET", f"/api/v1/executions/{again['id']}/results")["test_results"][0]["steps"]
    click, words = steps[1], steps[3]
    assert click["healed"] is True
    assert click["healed_selector"] == 'role=button[name="Add to cart"]'
    (reused,) = api.ok("GET", f"/api/v1/executions/{again['id']}/heals")["heals"]
    assert reused["reused"] is True
    assert words["selector_source"] == "cache"
    assert words["resolved_selector"] == 'role=link[name="Reviews"]'
    listed = api.ok("GET", f"/api/v1/test-cases/{case_id}/heals")["data"]
    assert all(h["healed_selector"] == 'role=button[name="Add to cart"]' for h in listed)
    assert len(listed) >= 2

    # A stored form with no public syntax (the internal label engine) is never
    # written into a test: accepting it is refused, and the step is unchanged.
    engine = create_engine(bugbrain.database_url)
    try:
        with write_tx(engine) as conn:
            conn.execute(
                sa.update(tables.heals)
                .where(tables.heals.c.id == listed[0]["id"])
                .values(healed_selector='internal:label="Add to cart"i')
            )
    finally:
        engine.dispose()
    refused = api.post(f"/api/v1/test-cases/{case_id}/heals/{listed[0]['id']}/accept")
    assert refused.status_code == 409
    assert "no public form" in refused.json()["error"]["message"]
    case = api.ok("GET", f"/api/v1/test-cases/{case_id}")
    assert case["steps"][1].get("selector") == STEPS[1]["selector"]

    accepted = api.ok("POST", f"/api/v1/test-cases/{case_id}/heals/{listed[-1]['id']}/accept")
    assert accepted["test_case"]["steps"][1]["selector"] == 'role=button[name="Add to cart"]'
