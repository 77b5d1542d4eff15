"""First-pass failure classification (bugbrain.analysis.classify): evidence in, verdict out."""

from __future__ import annotations

from typing import Any

import pytest

from bugbrain.analysis.classify import CATEGORIES, Evidence, Verdict, classify

SHOP = "http://127.0.0.1:8001"
CLICK_ADD = {"step_id": "step_5", "action": "click", "selector": ".add-to-cart-btn"}


def ev(
    error_type: str | None,
    *,
    error: str = "boom",
    step: dict[str, Any] | None = None,
    final_url: str | None = f"{SHOP}/catalog",
    started_on_login: bool = False,
) -> Evidence:
    return Evidence(
        error=error,
        error_type=error_type,
        step=step,
        final_url=final_url,
        started_on_login=started_on_login,
    )


# (id, evidence, category, expected_selector)
TABLE: list[tuple[str, Evidence, str, str | None]] = [
    (
        "element not found",
        ev("element_not_found", error="Element not found: .add-to-cart-btn", step=CLICK_ADD),
        "selector_changed",
        ".add-to-cart-btn",
    ),
    (
        "ambiguous selector",
        ev("ambiguous_selector", step={"action": "click", "selector": "button"}),
        "selector_changed",
        "button",
    ),
    (
        "assertion failed",
        ev(
            "assertion_failed",
            error="Expected text 'Total: $10' but found 'Total: $12'",
            step={
                "action": "assert_text",
                "selector": "#total",
                "expected": "Total: $10",
                "actual": "Total: $12",
            },
        ),
        "assertion_failed",
        "#total",
    ),
    (
        "navigation error",
        ev(
            "navigation_error",
            error="net::ERR_CONNECTION_REFUSED",
            step={"action": "navigate", "value": "/"},
            final_url=None,
        ),
        "navigation_error",
        None,
    ),
    (
        "timeout",
        ev("timeout", error="Timeout 5000ms exceeded", step={"action": "wait", "selector": "#x"}),
        "timeout",
        "#x",
    ),
    (
        "element not interactable",
        ev(
            "element_not_interactable",
            error="element is disabled",
            step={"action": "click", "selector": "#place-order"},
        ),
        "element_not_interactable",
        "#place-order",
    ),
    (
        "bounced to /login while clicking",
        ev("element_not_found", step=CLICK_ADD, final_url=f"{SHOP}/login?next=/catalog"),
        "authentication_failed",
        ".add-to-cart-btn",
    ),
    (
        "bounced to /login on an assertion",
        ev(
            "assertion_failed",
            step={"action": "assert_url", "value": "/cart"},
            final_url=f"{SHOP}/login",
        ),
        "authentication_failed",
        None,
    ),
    (
        "bounced to /sign-in on a timeout",
        ev("timeout", step={"action": "click", "selector": "#buy"}, final_url=f"{SHOP}/sign-in"),
        "authentication_failed",
        "#buy",
    ),
    (
        "bounced to /auth/",
        ev("element_not_found", step=CLICK_ADD, final_url=f"{SHOP}/auth/callback"),
        "authentication_failed",
        ".add-to-cart-btn",
    ),
    (
        "login page, but the test started there",
        ev("element_not_found", step=CLICK_ADD, final_url=f"{SHOP}/login", started_on_login=True),
        "selector_changed",
        ".add-to-cart-btn",
    ),
    (
        "login page reached by navigating there",
        ev("timeout", step={"action": "navigate", "value": "/login"}, final_url=f"{SHOP}/login"),
        "timeout",
        None,
    ),
    (
        "login page but not-interactable is not a bounce",
        ev("element_not_interactable", step=CLICK_ADD, final_url=f"{SHOP}/login"),
        "element_not_interactable",
        ".add-to-cart-btn",
    ),
    (
        "a path that only starts like auth",
        ev("element_not_found", step=CLICK_ADD, final_url=f"{SHOP}/authors/5"),
        "selector_changed",
        ".add-to-cart-btn",
    ),
    (
        "unknown error type",
        ev("quantum_flux", step=CLICK_ADD),
        "unknown",
        ".add-to-cart-btn",
    ),
    ("no error type, no step", ev(None, step=None, final_url=None), "unknown", None),
]


@pytest.mark.parametrize(
    ("evidence", "category", "selector"),
    [pytest.param(e, c, s, id=name) for name, e, c, s in TABLE],
)
def test_classify(evidence: Evidence, category: str, selector: str | None) -> None:
    verdict = classify(evidence)
    assert isinstance(verdict, Verdict)
    assert verdict.category == category
    assert verdict.category in CATEGORIES
    assert verdict.expected_selector == selector
    assert 0.0 < verdict.confidence <= 1.0
    assert verdict.description
    assert verdict.fix_suggestions
    assert all(isinstance(s, str) and s for s in verdict.fix_suggestions)


def test_selector_changed_names_the_selector_and_page() -> None:
    verdict = classify(
        ev("element_not_found", error="Element not found: .add-to-cart-btn", step=CLICK_ADD)
    )
    assert verdict.expected_selector == ".add-to-cart-btn"
    assert ".add-to-cart-btn" in verdict.description
    assert any(".add-to-cart-btn" in s and f"{SHOP}/catalog" in s for s in verdict.fix_suggestions)
    assert verdict.suggested_alternative is None
    assert verdict.confidence >= 0.5


def test_assertion_fix_shows_expected_and_actual() -> None:
    step = {"action": "assert_text", "selector": "#total", "expected": "$10", "actual": "$12"}
    verdict = classify(ev("assertion_failed", step=step))
    assert "'$10'" in verdict.fix_suggestions[0]
    assert "'$12'" in verdict.fix_suggestions[0]


def test_assertion_without_expected_value() -> None:
    verdict = classify(ev("assertion_failed", step={"action": "assert_visible", "selector": "#x"}))
    assert len(verdict.fix_suggestions) == 1


def test_authentication_failed_mentions_the_login_url() -> None:
    url = f"{SHOP}/login?next=/cart"
    verdict = classify(ev("element_not_found", step=CLICK_ADD, final_url=url))
    assert url in verdict.description
    assert "final URL is a login page" in verdict.signals


@pytest.mark.parametrize("error_type", ["quantum_flux", "javascript_error", "", None])
def test_unknown_is_low_confidence(error_type: str | None) -> None:
    verdict = classify(ev(error_type, error="something odd", step=CLICK_ADD))
    assert verdict.category == "unknown"
    assert verdict.confidence < 0.5
    assert "something odd" in verdict.description
    assert verdict.signals == [f"error type {error_type or 'none'}"]


def test_known_categories_are_more_confident_than_unknown() -> None:
    unknown = classify(ev("quantum_flux")).confidence
    for kind in (
        "element_not_found",
        "ambiguous_selector",
        "element_not_interactable",
        "assertion_failed",
        "navigation_error",
        "timeout",
    ):
        assert classify(ev(kind, step=CLICK_ADD)).confidence > unknown, kind
