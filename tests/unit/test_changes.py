"""What changed since the last pass (bugbrain.diagnosis.changes), from plain dicts."""

from __future__ import annotations

from bugbrain.diagnosis.changes import changes_since_last_pass

THEN = {
    "tag": "button",
    "id": "",
    "classes": ["add-to-cart-btn"],
    "accessible_name": "Add to cart",
    "role": "button",
    "text": "Add to cart",
    "context": ["Blue Mug"],
}
NOW = {**THEN, "classes": ["product-add-btn"], "context": ["Blue Mug", "actions"]}
CANDIDATE = {
    "selector": ".product-add-btn",
    "description": 'button "Add to cart"',
    "score": 0.92,
    "signals": {"element": NOW},
}


def test_element_differences_and_urls() -> None:
    changes = changes_since_last_pass(
        fingerprint=THEN,
        last_pass_url="http://shop/item",
        last_pass_execution_id="exec_1",
        url_now="http://shop/item",
        best_candidate=CANDIDATE,
    )
    assert changes["last_passed_execution_id"] == "exec_1"
    assert changes["url"] == {
        "last_pass": "http://shop/item",
        "now": "http://shop/item",
        "changed": False,
    }
    assert changes["differences"] == [
        {"attribute": "classes", "last_pass": ["add-to-cart-btn"], "now": ["product-add-btn"]}
    ]
    assert changes["element_last_pass"]["classes"] == ["add-to-cart-btn"]
    assert changes["closest_element_now"]["selector"] == ".product-add-btn"
    assert changes["closest_element_now"]["score"] == 0.92
    assert changes["text_near_element"] == {
        "last_pass": ["Blue Mug"],
        "now": ["Blue Mug", "actions"],
    }


def test_moved_to_another_page_without_a_candidate() -> None:
    changes = changes_since_last_pass(
        fingerprint=THEN,
        last_pass_url="http://shop/item",
        last_pass_execution_id="exec_1",
        url_now="http://shop/login",
        best_candidate=None,
        headings_now=["Sign in"],
    )
    assert changes["url"]["changed"] is True
    assert "differences" not in changes
    assert "closest_element_now" not in changes
    assert changes["text_near_element"] == {"last_pass": ["Blue Mug"], "now": ["Sign in"]}


def test_no_fingerprint_still_reports_urls() -> None:
    changes = changes_since_last_pass(
        fingerprint=None,
        last_pass_url=None,
        last_pass_execution_id=None,
        url_now="http://shop/x",
        best_candidate=CANDIDATE,
    )
    assert changes["url"] == {"last_pass": None, "now": "http://shop/x", "changed": False}
    assert "differences" not in changes
    assert changes["closest_element_now"]["selector"] == ".product-add-btn"
