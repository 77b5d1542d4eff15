"""Failure classification (bugbrain.diagnosis.classify): evidence in, verdict out.

One table row per rule and per precedence case: the category, the confidence
band it must land in, and a piece of a fix suggestion that proves the advice is
concrete (the selector, the request, the timeout, the text).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from bugbrain.db import tables
from bugbrain.diagnosis.classify import (
    CATEGORIES,
    Evidence,
    PreviousRun,
    Verdict,
    classify,
    is_login_url,
)
from bugbrain.schemas.failure_analysis import FailureAnalysis
from bugbrain.services.failure_analysis import analysis_json, previous_runs
from bugbrain.services.locator_cache import step_key

SHOP = "http://127.0.0.1:8001"
CATALOG = f"{SHOP}/catalog"
HEALTHY: dict[str, Any] = {
    "url": CATALOG,
    "title": "Catalog",
    "document_status": 200,
    "ready_state": "complete",
    "error_page": False,
    "login_page": False,
    "busy": False,
    "overlay": None,
    "visible_text_sample": "Catalog Blue Mug $12 Add to cart",
    "headings": ["Catalog"],
    "dom_size": 120,
}
CLICK_ADD: dict[str, Any] = {
    "step_id": "step_5",
    "action": "click",
    "selector": ".add-to-cart-btn",
    "status": "failed",
    "url": CATALOG,
}
# A heal candidate as the runner stores it (runner.heal_reads), without the run's own
# decision: the analysis applies the healing rule to it (results of older versions).
CANDIDATE_ELEMENT: dict[str, Any] = {
    "tag": "button",
    "classes": ["product-add-btn"],
    "text": "Add to cart",
    "accessible_name": "Add to cart",
    "role": "button",
}
CANDIDATE_SIGNALS: dict[str, Any] = {
    "mode": "fingerprint",
    "similarity": 0.93,
    "identity": 1.0,
    "visible": True,
    "enabled": True,
    "fits_action": True,
    "ambiguity": 0.0,
    "element": CANDIDATE_ELEMENT,
}
CANDIDATE = {
    "selector": ".product-add-btn",
    "score": 0.93,
    "description": 'button "Add to cart" (.product-add-btn)',
    "signals": CANDIDATE_SIGNALS,
}
# What a removed feature leaves: the nearest element has another name (the demo's
# .add-to-wishlist-btn against "Add to cart"), and the run refused it.
WISHLIST_NEAREST = {
    "selector": '[data-testid="add-to-cart-red-mug"]',
    "score": 0.275,
    "description": 'button "Add to cart" ([data-testid=add-to-cart-red-mug])',
    "signals": {"mode": "words", "similarity": 0.347, "identity": 0.167},
}
REFUSED = {
    "ok": False,
    "reason": 'the closest element, button "Add to cart" ([data-testid=add-to-cart-red-mug]), '
    "does not carry the same name (name match 0.17 < 0.75)",
}
ACCEPTED = {"ok": True, "reason": 'button "Add to cart" (.product-add-btn): score 0.93 ≥ 0.8'}
CLICK_WISHLIST = {**CLICK_ADD, "selector": ".add-to-wishlist-btn"}
WISHLIST_GONE = "Element not found: .add-to-wishlist-btn"


def step(base: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {**(base or CLICK_ADD), **extra}


def ev(
    error_type: str | None,
    *,
    error: str = "boom",
    step_: dict[str, Any] | None = None,
    ctx: dict[str, Any] | None = None,
    candidates: list[dict[str, Any]] | None = None,
    decision: dict[str, Any] | None = None,
    prior: list[dict[str, Any]] | None = None,
    console: Sequence[str] = (),
    page_errors: Sequence[str] = (),
    requests: Sequence[dict[str, Any]] = (),
    final_url: str | None = CATALOG,
    previous: PreviousRun | None = None,
    deadline: bool = False,
) -> Evidence:
    failed = dict(step_ if step_ is not None else CLICK_ADD)
    failed["context"] = {**HEALTHY, **(ctx or {})}
    if candidates is not None:
        failed["heal_candidates"] = candidates
    if decision is not None:
        failed["heal_decision"] = decision
    steps = [*(prior or []), failed]
    return Evidence(
        error=error,
        error_type=error_type,
        step=failed,
        steps=steps,
        final_url=final_url,
        console_errors=[{"type": "error", "text": t, "location": None} for t in console],
        page_errors=list(page_errors),
        failed_requests=list(requests),
        previous=previous,
        element_timeout_ms=1500,
        execution_timeout_s=60,
        deadline_exceeded=deadline,
    )


def req(
    url: str, status: int | None, rtype: str = "fetch", failure: str | None = None
) -> dict[str, Any]:
    return {
        "method": "GET",
        "url": url,
        "resource_type": rtype,
        "status": status,
        "failure": failure,
    }


NOT_FOUND = "Element not found: .add-to-cart-btn"
NAV_LOGIN = {"step_id": "s1", "action": "navigate", "value": "/login", "status": "passed"}
LOGIN_URL = f"{SHOP}/login"
FILL = {"step_id": "s2", "action": "fill", "selector": "#email", "status": "passed"}
SUBMIT = {"step_id": "s3", "action": "click", "selector": "#login-btn", "status": "passed"}
OPEN_CATALOG = {"step_id": "s0", "action": "navigate", "value": "/catalog", "status": "passed"}
ASSERT_TEXT = {"step_id": "s9", "action": "assert_text", "selector": "#stats", "status": "failed"}
WAIT_RESULTS = {"step_id": "s9", "action": "wait", "selector": "#results", "status": "failed"}
ON_LOGIN = {**HEALTHY, "url": LOGIN_URL, "login_page": True, "title": "Sign in"}

# (id, evidence, category, confidence band, a fix-suggestion fragment or None)
TABLE: list[tuple[str, Evidence, str, tuple[float, float], str | None]] = [
    # ---- selector_changed
    (
        "renamed class with a strong candidate",
        ev("element_not_found", error=NOT_FOUND, candidates=[CANDIDATE]),
        "selector_changed",
        (0.9, 1.0),
        "Update test selector from '.add-to-cart-btn' to '.product-add-btn'",
    ),
    (
        "missing without candidates",
        ev("element_not_found", error=NOT_FOUND, candidates=[]),
        "selector_changed",
        (0.6, 0.8),
        ".add-to-cart-btn",
    ),
    (
        "weak candidate: no replacement suggested",
        ev("element_not_found", error=NOT_FOUND, candidates=[{**CANDIDATE, "score": 0.55}]),
        "selector_changed",
        (0.6, 0.8),
        "Nothing on http://127.0.0.1:8001/catalog is close to '.add-to-cart-btn'",
    ),
    (
        "renamed element, the run's heal decision accepts it",
        ev("element_not_found", error=NOT_FOUND, candidates=[CANDIDATE], decision=ACCEPTED),
        "selector_changed",
        (0.9, 1.0),
        "Update test selector from '.add-to-cart-btn' to '.product-add-btn'",
    ),
    (
        "removed feature: the nearest element is refused by the run",
        ev(
            "element_not_found",
            error=WISHLIST_GONE,
            step_=CLICK_WISHLIST,
            candidates=[WISHLIST_NEAREST],
            decision=REFUSED,
        ),
        "selector_changed",
        (0.6, 0.8),
        "remove or rewrite this step",
    ),
    (
        "a strong score the run refused does not beat a busy spinner",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            candidates=[CANDIDATE],
            decision={"ok": False, "reason": "ambiguous: two buttons match almost equally"},
            ctx={"busy": True, "busy_element": "div.spinner"},
        ),
        "timeout",
        (0.75, 0.85),
        "element_wait_timeout_ms",
    ),
    (
        "ambiguous selector",
        ev(
            "ambiguous_selector",
            error="Selector .btn matched 2 elements",
            step_=step(selector=".btn"),
        ),
        "selector_changed",
        (0.7, 0.9),
        ":has-text",
    ),
    (
        "ambiguous words",
        ev(
            "ambiguous_target",
            error='Ambiguous target "Add": 2 elements match equally well',
            step_=step(selector=None, description="Click Add"),
        ),
        "selector_changed",
        (0.7, 0.9),
        "words",
    ),
    (
        "worded step with closest elements",
        ev(
            "element_not_found",
            error='No element matches "Checkout". Closest: button "Proceed to payment"',
            step_=step(selector=None, description="Click Checkout"),
        ),
        "selector_changed",
        (0.6, 0.8),
        'button "Proceed to payment"',
    ),
    (
        "strong candidate beats a busy spinner",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            candidates=[CANDIDATE],
            ctx={"busy": True, "busy_element": "div.spinner"},
        ),
        "selector_changed",
        (0.9, 1.0),
        ".product-add-btn",
    ),
    (
        "strong candidate beats an uncaught error",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            candidates=[CANDIDATE],
            page_errors=["TypeError: x is undefined"],
        ),
        "selector_changed",
        (0.9, 1.0),
        ".product-add-btn",
    ),
    (
        "non-exception console noise is not a script failure",
        ev("element_not_found", error=NOT_FOUND, console=["[consent] no choice stored yet"]),
        "selector_changed",
        (0.6, 0.8),
        None,
    ),
    (
        "failed analytics request is ignored",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            requests=[req(f"{SHOP}/analytics/collect", 500, "xhr")],
        ),
        "selector_changed",
        (0.6, 0.8),
        None,
    ),
    (
        "failed-resource console lines are not script errors",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            console=["Failed to load resource: the server responded with a status of 404"],
        ),
        "selector_changed",
        (0.6, 0.8),
        None,
    ),
    (
        "on the login page the test opened itself, nothing submitted yet",
        ev(
            "element_not_found",
            error="Element not found: #login-button",
            step_=step(selector="#login-button", url=LOGIN_URL),
            ctx=ON_LOGIN,
            prior=[{**NAV_LOGIN, "url": LOGIN_URL}, {**FILL, "url": LOGIN_URL}],
            final_url=LOGIN_URL,
        ),
        "selector_changed",
        (0.6, 0.8),
        "#login-button",
    ),
    (
        "passed before with the same selector",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            previous=PreviousRun(selector=".add-to-cart-btn", description="button"),
        ),
        "selector_changed",
        (0.75, 0.8),
        None,
    ),
    (
        "a path that only starts like auth",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            ctx={"url": f"{SHOP}/authors/5"},
            final_url=f"{SHOP}/authors/5",
        ),
        "selector_changed",
        (0.6, 0.8),
        None,
    ),
    # ---- element_not_interactable
    (
        "covered by an overlay",
        ev(
            "element_not_interactable",
            error="Element not interactable: #buy (covered by another element)",
            step_=step(selector="#buy"),
            ctx={"overlay": 'div#cookie-wall "We use cookies"', "overlay_selector": "#cookie-wall"},
        ),
        "element_not_interactable",
        (0.85, 1.0),
        "wait_hidden step for '#cookie-wall'",
    ),
    (
        "disabled",
        ev(
            "element_not_interactable",
            error="Element not interactable: #place-order (disabled)",
            step_=step(selector="#place-order"),
        ),
        "element_not_interactable",
        (0.85, 1.0),
        "disabled",
    ),
    (
        "hidden twin",
        ev(
            "element_not_interactable",
            error="Element not interactable: .buy (hidden)",
            step_=step(selector=".buy"),
        ),
        "element_not_interactable",
        (0.85, 1.0),
        ".buy >> visible=true",
    ),
    (
        "outside the viewport",
        ev(
            "element_not_interactable",
            error="Element not interactable: #promo (outside of the viewport)",
            step_=step(selector="#promo"),
        ),
        "element_not_interactable",
        (0.85, 1.0),
        "outside",
    ),
    (
        "not interactable on a login page is not a bounce",
        ev(
            "element_not_interactable",
            error="Element not interactable: #login-btn (disabled)",
            step_=step(selector="#login-btn", url=LOGIN_URL),
            ctx=ON_LOGIN,
            final_url=LOGIN_URL,
        ),
        "element_not_interactable",
        (0.85, 1.0),
        None,
    ),
    # ---- assertion_failed
    (
        "text mismatch",
        ev(
            "assertion_failed",
            error="Expected text 'Total: $10' not found in #total",
            step_=step(
                action="assert_text", selector="#total", expected="Total: $10", actual="Total: $12"
            ),
        ),
        "assertion_failed",
        (0.85, 1.0),
        "'Total: $12' where 'Total: $10' was expected",
    ),
    (
        "URL mismatch",
        ev(
            "assertion_failed",
            step_=step(
                action="assert_url", selector=None, expected="/cart", actual=f"{SHOP}/basket"
            ),
            final_url=f"{SHOP}/basket",
            ctx={"url": f"{SHOP}/basket"},
        ),
        "assertion_failed",
        (0.85, 1.0),
        f"update the expected value to '{SHOP}/basket'",
    ),
    (
        "count mismatch",
        ev(
            "assertion_failed",
            step_=step(action="assert_count", selector=".item", expected="3", actual="2"),
        ),
        "assertion_failed",
        (0.85, 1.0),
        "'2' where '3' was expected",
    ),
    (
        "mismatch with console noise",
        ev(
            "assertion_failed",
            step_=step(action="assert_text", selector="h1", expected="Catalog", actual="Shop"),
            console=["Deprecation: something"],
        ),
        "assertion_failed",
        (0.85, 1.0),
        "'Shop'",
    ),
    (
        "element shows other content despite an unrelated 500",
        ev(
            "assertion_failed",
            step_=step(action="assert_text", selector="#total", expected="$10", actual="$12"),
            requests=[req(f"{SHOP}/api/recommendations", 500)],
        ),
        "assertion_failed",
        (0.85, 1.0),
        "'$12'",
    ),
    (
        "option missing from a select",
        ev(
            "element_not_found",
            error="Option 'Express' not found in #shipping",
            step_=step(action="select", selector="#shipping", value="Express"),
        ),
        "assertion_failed",
        (0.5, 0.7),
        "#shipping",
    ),
    # ---- timeout
    (
        "wait timed out",
        ev(
            "timeout",
            error="Timed out after 1500 ms waiting for #results to be visible "
            "(no matching element)",
            step_=WAIT_RESULTS,
        ),
        "timeout",
        (0.8, 0.95),
        "element_wait_timeout_ms from 1500 to 7000",
    ),
    (
        "element missing behind a spinner",
        ev(
            "element_not_found",
            error="Element not found: #report",
            step_=step(selector="#report"),
            ctx={"busy": True, "busy_element": 'div.spinner "Loading"', "busy_selector": ".spin"},
        ),
        "timeout",
        (0.75, 0.9),
        "wait_hidden step for '.spin'",
    ),
    (
        "navigation timed out",
        ev(
            "timeout",
            error=f"Navigation to {SHOP}/slow timed out after 30000 ms",
            step_=step(action="navigate", selector=None, value="/slow"),
        ),
        "timeout",
        (0.85, 1.0),
        "30000 ms",
    ),
    (
        "execution deadline",
        ev(
            None,
            error="Not run: execution failed (timeout)",
            step_={"step_id": "s4", "action": "wait", "value": "20000", "description": "Dwell"},
            deadline=True,
        ),
        "timeout",
        (0.85, 1.0),
        "timeout_seconds from 60 to 120",
    ),
    (
        "document still loading",
        ev("element_not_found", error=NOT_FOUND, ctx={"ready_state": "loading"}),
        "timeout",
        (0.75, 0.9),
        "element_wait_timeout_ms",
    ),
    (
        "assertion on a placeholder while busy",
        ev(
            "assertion_failed",
            step_=step(ASSERT_TEXT, expected="Visitors", actual="Loading…"),
            ctx={"busy": True, "busy_element": 'p "Loading…"', "busy_selector": 'text="Loading…"'},
        ),
        "timeout",
        (0.75, 0.9),
        "wait_hidden",
    ),
    (
        "aborted request while a spinner still spins",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            ctx={"busy": True, "busy_element": "div.loader"},
            requests=[req(f"{SHOP}/api/items", None, failure="net::ERR_ABORTED")],
        ),
        "timeout",
        (0.75, 0.9),
        None,
    ),
    (
        "not found in time, but the heal search found the very selector",
        ev(
            "element_not_found",
            error="Element not found: #add",
            step_=step(selector="#add"),
            candidates=[{**CANDIDATE, "selector": "#add", "score": 0.4}],
        ),
        "timeout",
        (0.7, 0.8),
        "element_wait_timeout_ms from 1500 to 7000",
    ),
    (
        "click timed out with no reason, a navigation under way",
        ev(
            "element_not_interactable",
            error="Element not interactable: #cart-link (covered or not ready)",
            step_=step(selector="#cart-link", url=f"{SHOP}/basket"),
            ctx={"url": f"{SHOP}/basket"},
            prior=[{**OPEN_CATALOG, "url": CATALOG}],
        ),
        "timeout",
        (0.65, 0.75),
        "element_wait_timeout_ms",
    ),
    (
        "click timed out with no reason",
        ev(
            "element_not_interactable",
            error="Element not interactable: #next (covered or not ready)",
            step_=step(selector="#next"),
            prior=[{**OPEN_CATALOG, "url": CATALOG}],
        ),
        "timeout",
        (0.55, 0.65),
        "trace",
    ),
    # ---- navigation_error
    (
        "connection refused",
        ev(
            "navigation_error",
            error="Navigation to http://127.0.0.1:9999/ failed: net::ERR_CONNECTION_REFUSED",
            step_=step(action="navigate", selector=None, value="http://127.0.0.1:9999/"),
            ctx={"url": "chrome-error://chromewebdata/", "error_page": True},
            final_url="chrome-error://chromewebdata/",
        ),
        "navigation_error",
        (0.9, 1.0),
        "http://127.0.0.1:9999",
    ),
    (
        "document 500",
        ev(
            "navigation_error",
            error=f"Navigation to {SHOP}/orders failed: HTTP 500",
            step_=step(action="navigate", selector=None, value="/orders"),
        ),
        "navigation_error",
        (0.9, 1.0),
        "HTTP 500",
    ),
    (
        "element missing on a 404 page",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            ctx={"document_status": 404, "error_page": True, "error_page_reason": "HTTP 404"},
            candidates=[],
        ),
        "navigation_error",
        (0.8, 0.9),
        "HTTP 404",
    ),
    (
        "404 known only from the failed document request",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            ctx={"document_status": None},
            requests=[req(CATALOG, 404, "document")],
        ),
        "navigation_error",
        (0.8, 0.9),
        "HTTP 404",
    ),
    (
        "renderer crash",
        ev("error", error="Target crashed", step_=step()),
        "navigation_error",
        (0.8, 0.9),
        "trace",
    ),
    (
        "TLS failure",
        ev(
            "navigation_error",
            error="Navigation to https://127.0.0.1:8001/ failed: net::ERR_SSL_PROTOCOL_ERROR",
            step_=step(action="navigate", selector=None, value="https://127.0.0.1:8001/"),
        ),
        "navigation_error",
        (0.9, 1.0),
        "http://",
    ),
    (
        "proxy error page with status 200",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            ctx={"error_page": True, "error_page_reason": 'title "502 Bad Gateway"'},
        ),
        "navigation_error",
        (0.7, 0.8),
        "502 Bad Gateway",
    ),
    # ---- authentication_failed
    (
        "bounced to the login page while clicking",
        ev(
            "element_not_found",
            error=NOT_FOUND,
            ctx={**ON_LOGIN, "url": f"{LOGIN_URL}?next=/catalog"},
            prior=[{**OPEN_CATALOG, "url": f"{LOGIN_URL}?next=/catalog"}],
            final_url=f"{LOGIN_URL}?next=/catalog",
        ),
        "authentication_failed",
        (0.85, 1.0),
        "login steps",
    ),
    (
        "bounced, known by the URL alone",
        ev(
            "timeout",
            error="Timed out after 1500 ms waiting for #buy to be visible",
            step_=step(WAIT_RESULTS, url=f"{SHOP}/sign-in"),
            ctx={"url": f"{SHOP}/sign-in", "login_page": False},
            final_url=f"{SHOP}/sign-in",
        ),
        "authentication_failed",
        (0.85, 1.0),
        None,
    ),
    (
        "document 401 beats navigation_error",
        ev(
            "navigation_error",
            error=f"Navigation to {SHOP}/admin failed: HTTP 401",
            step_=step(action="navigate", selector=None, value="/admin"),
        ),
        "authentication_failed",
        (0.85, 1.0),
        "Sign in",
    ),
    (
        "API answered 403",
        ev(
            "assertion_failed",
            step_=step(ASSERT_TEXT, expected="Visitors", actual=""),
            requests=[req(f"{SHOP}/api/stats", 403)],
        ),
        "authentication_failed",
        (0.75, 0.9),
        f"{SHOP}/api/stats answered 403",
    ),
    (
        "login rejected with a message",
        ev(
            "assertion_failed",
            step_=step(
                action="assert_url",
                selector=None,
                expected="/dashboard",
                actual=LOGIN_URL,
                url=LOGIN_URL,
            ),
            ctx={**ON_LOGIN, "auth_message": "Invalid email or password"},
            prior=[
                {**NAV_LOGIN, "url": LOGIN_URL},
                {**FILL, "url": LOGIN_URL},
                {**SUBMIT, "url": LOGIN_URL},
            ],
            final_url=LOGIN_URL,
        ),
        "authentication_failed",
        (0.85, 1.0),
        "Invalid email or password",
    ),
    (
        "submitted but still on the login page",
        ev(
            "assertion_failed",
            step_=step(action="assert_url", selector=None, expected="/dashboard", actual=LOGIN_URL),
            ctx=ON_LOGIN,
            prior=[{**NAV_LOGIN, "url": LOGIN_URL}, {**SUBMIT, "url": LOGIN_URL}],
            final_url=LOGIN_URL,
        ),
        "authentication_failed",
        (0.6, 0.75),
        "credentials",
    ),
    (
        "a test of the rejection message is an assertion",
        ev(
            "assertion_failed",
            step_=step(
                action="assert_text",
                selector=".error",
                expected="Wrong password",
                actual="Invalid email or password.",
                url=LOGIN_URL,
            ),
            ctx={**ON_LOGIN, "auth_message": "Invalid email or password"},
            prior=[{**NAV_LOGIN, "url": LOGIN_URL}, {**SUBMIT, "url": LOGIN_URL}],
            final_url=LOGIN_URL,
        ),
        "assertion_failed",
        (0.85, 1.0),
        "'Invalid email or password.' where 'Wrong password' was expected",
    ),
    (
        "signed in, then sent back to login",
        ev(
            "element_not_found",
            error="Element not found: #orders",
            step_=step(selector="#orders", url=LOGIN_URL),
            ctx=ON_LOGIN,
            prior=[
                {**NAV_LOGIN, "url": LOGIN_URL},
                {**SUBMIT, "url": f"{SHOP}/dashboard"},
            ],
            final_url=LOGIN_URL,
        ),
        "authentication_failed",
        (0.8, 0.9),
        "session",
    ),
    (
        "access denied page",
        ev(
            "element_not_found",
            error="Element not found: #edit",
            step_=step(selector="#edit"),
            ctx={"access_message": "Access denied"},
        ),
        "authentication_failed",
        (0.65, 0.8),
        "Sign in",
    ),
    (
        "login page reached by navigating there is not a bounce",
        ev(
            "timeout",
            error=f"Navigation to {LOGIN_URL} timed out after 30000 ms",
            step_=step(action="navigate", selector=None, value="/login", url=LOGIN_URL),
            ctx=ON_LOGIN,
            final_url=LOGIN_URL,
        ),
        "timeout",
        (0.85, 1.0),
        None,
    ),
    # ---- network_error
    (
        "API 500 and the list never rendered",
        ev(
            "element_not_found",
            error="Element not found: .order-row",
            step_=step(selector=".order-row"),
            requests=[req(f"{SHOP}/api/orders", 500)],
        ),
        "network_error",
        (0.8, 0.9),
        f"GET {SHOP}/api/orders (HTTP 500)",
    ),
    (
        "API 500 beats a spinner that never stopped",
        ev(
            "element_not_found",
            error="Element not found: .order-row",
            step_=step(selector=".order-row"),
            ctx={"busy": True, "busy_element": "div.spinner"},
            requests=[req(f"{SHOP}/api/orders", 502, "xhr")],
        ),
        "network_error",
        (0.8, 0.9),
        "HTTP 502",
    ),
    (
        "API unreachable, wait timed out",
        ev(
            "timeout",
            error="Timed out after 1500 ms waiting for #results to be visible",
            step_=WAIT_RESULTS,
            requests=[req("http://127.0.0.1:9/api", None, failure="net::ERR_CONNECTION_REFUSED")],
        ),
        "network_error",
        (0.8, 0.9),
        "net::ERR_CONNECTION_REFUSED",
    ),
    (
        "aborted request and nothing loading",
        ev(
            "element_not_found",
            error="Element not found: .row",
            step_=step(selector=".row"),
            requests=[req(f"{SHOP}/api/rows", None, failure="net::ERR_ABORTED")],
        ),
        "network_error",
        (0.6, 0.7),
        "net::ERR_ABORTED",
    ),
    (
        "API 503 and the element shows an error",
        ev(
            "assertion_failed",
            step_=step(ASSERT_TEXT, expected="Visitors", actual="Could not load stats"),
            requests=[req(f"{SHOP}/api/stats", 503)],
        ),
        "network_error",
        (0.8, 0.9),
        "HTTP 503",
    ),
    (
        "network failure beats a script error",
        ev(
            "element_not_found",
            error="Element not found: .order-row",
            step_=step(selector=".order-row"),
            requests=[req(f"{SHOP}/api/orders", 500)],
            page_errors=["TypeError: data.items is undefined"],
        ),
        "network_error",
        (0.8, 0.9),
        "/api/orders",
    ),
    # ---- javascript_error
    (
        "uncaught exception and the element is missing",
        ev(
            "element_not_found",
            error="Element not found: .product",
            step_=step(selector=".product"),
            page_errors=["TypeError: products.map is not a function"],
        ),
        "javascript_error",
        (0.75, 0.9),
        "products.map is not a function",
    ),
    (
        "exception-like console error and the content is empty",
        ev(
            "assertion_failed",
            step_=step(ASSERT_TEXT, expected="Visitors", actual=""),
            console=["Failed to render widget: undefined is not a function"],
        ),
        "javascript_error",
        (0.6, 0.7),
        "Failed to render widget",
    ),
    (
        "click handler threw, the URL never changed",
        ev(
            "assertion_failed",
            step_=step(action="assert_url", selector=None, expected="/thanks", actual=CATALOG),
            page_errors=["ReferenceError: submitOrder is not defined"],
        ),
        "javascript_error",
        (0.75, 0.9),
        "submitOrder",
    ),
    (
        "uncaught exception and a page-level text assertion",
        ev(
            "assertion_failed",
            step_=step(action="assert_text", selector=None, expected="Saved!", actual="Form"),
            page_errors=["Error: save handler crashed"],
        ),
        "javascript_error",
        (0.75, 0.9),
        "save handler crashed",
    ),
    (
        "wait timed out after an exception",
        ev(
            "timeout",
            error="Timed out after 1500 ms waiting for #results to be visible",
            step_=WAIT_RESULTS,
            page_errors=["TypeError: cannot read properties of undefined"],
        ),
        "javascript_error",
        (0.75, 0.9),
        None,
    ),
    # ---- unknown
    (
        "invalid step",
        ev("invalid_step", error="Invalid selector ##x: while parsing", step_=step(selector="##x")),
        "unknown",
        (0.1, 0.4),
        "Fix the step definition",
    ),
    (
        "missing variable",
        ev("variable_missing", error="Variable 'coupon' is not defined"),
        "unknown",
        (0.1, 0.4),
        "coupon",
    ),
    ("no error type", ev(None, error="something odd"), "unknown", (0.1, 0.4), None),
    ("made-up error type", ev("quantum_flux", error="odd"), "unknown", (0.1, 0.4), None),
    (
        "generic error on a healthy page",
        ev("error", error="Execution context was destroyed"),
        "unknown",
        (0.1, 0.4),
        "trace",
    ),
]


@pytest.mark.parametrize(
    ("evidence", "category", "band", "fix"),
    [pytest.param(e, c, b, f, id=name) for name, e, c, b, f in TABLE],
)
def test_classify(
    evidence: Evidence, category: str, band: tuple[float, float], fix: str | None
) -> None:
    verdict = classify(evidence)
    assert isinstance(verdict, Verdict)
    assert verdict.category == category, (verdict.category, verdict.signals)
    assert verdict.category in CATEGORIES
    low, high = band
    assert low <= verdict.confidence <= high, verdict.confidence
    assert verdict.description
    assert verdict.signals, "the signals that decided must be listed"
    assert verdict.fix_suggestions
    assert all(isinstance(s, str) and s for s in verdict.fix_suggestions)
    if fix is not None:
        assert any(fix in s for s in verdict.fix_suggestions), verdict.fix_suggestions


def test_table_covers_every_category() -> None:
    assert len(TABLE) >= 30
    assert {row[2] for row in TABLE} == set(CATEGORIES)


def test_seed_example() -> None:
    verdict = classify(ev("element_not_found", error=NOT_FOUND, candidates=[CANDIDATE]))
    assert verdict.category == "selector_changed"
    assert verdict.confidence >= 0.9
    assert verdict.expected_selector == ".add-to-cart-btn"
    assert verdict.suggested_alternative == ".product-add-btn"
    assert ".add-to-cart-btn" in verdict.description
    assert verdict.fix_suggestions[0] == (
        "Update test selector from '.add-to-cart-btn' to '.product-add-btn'"
    )
    assert verdict.details["candidates"][0]["selector"] == ".product-add-btn"


def test_removed_feature_gets_no_alternative_and_no_update_fix() -> None:
    verdict = classify(
        ev(
            "element_not_found",
            error=WISHLIST_GONE,
            step_=CLICK_WISHLIST,
            candidates=[WISHLIST_NEAREST],
            decision=REFUSED,
        )
    )
    assert verdict.category == "selector_changed"
    assert verdict.suggested_alternative is None
    assert verdict.confidence < 0.8
    assert not any("Update test selector" in s for s in verdict.fix_suggestions)
    assert not any(str(WISHLIST_NEAREST["selector"]) in s for s in verdict.fix_suggestions)
    assert "No close match was found" in verdict.description
    assert "likely removed" in verdict.description
    assert "does not carry the same name" in verdict.description
    assert "candidates" not in verdict.details
    assert verdict.details["close_match"] is False
    assert verdict.details["close_match_reason"] == REFUSED["reason"]
    assert verdict.details["nearest_candidates"] == [
        {
            "selector": WISHLIST_NEAREST["selector"],
            "score": 0.275,
            "description": WISHLIST_NEAREST["description"],
            "similarity": 0.347,
        }
    ]


def test_renamed_element_gets_a_confident_suggestion() -> None:
    verdict = classify(
        ev("element_not_found", error=NOT_FOUND, candidates=[CANDIDATE], decision=ACCEPTED)
    )
    assert verdict.suggested_alternative == ".product-add-btn"
    assert verdict.confidence >= 0.9
    assert verdict.details["close_match"] is True
    assert verdict.details["candidates"][0]["selector"] == ".product-add-btn"
    assert "nearest_candidates" not in verdict.details


def test_the_run_decision_wins_over_the_score() -> None:
    """A high score the healing rule refused (say, two look-alikes) is not suggested."""
    refused = {"ok": False, "reason": "ambiguous: two buttons match almost equally well"}
    verdict = classify(
        ev("element_not_found", error=NOT_FOUND, candidates=[CANDIDATE], decision=refused)
    )
    assert verdict.suggested_alternative is None
    assert "No single close match" in verdict.description
    assert verdict.details["nearest_candidates"][0]["selector"] == ".product-add-btn"


@pytest.mark.parametrize(
    ("signals", "close", "reason"),
    [
        ({}, True, "unique, visible"),
        ({"identity": 0.5}, False, "does not carry the same name"),
        ({"element": {**CANDIDATE_ELEMENT, "visible": False}}, False, "is hidden"),
        ({"fits_action": False}, False, "cannot be used to click"),
        ({"element": None}, False, "does not say enough"),
    ],
)
def test_stored_results_without_a_decision_get_the_healing_rule(
    signals: dict[str, Any], close: bool, reason: str
) -> None:
    """Results stored before runs kept their decision: the same rule, on the record."""
    candidate = {**CANDIDATE, "signals": {**CANDIDATE_SIGNALS, **signals}}
    verdict = classify(ev("element_not_found", error=NOT_FOUND, candidates=[candidate]))
    assert verdict.details["close_match"] is close
    assert reason in verdict.details["close_match_reason"]
    assert (verdict.suggested_alternative == ".product-add-btn") is close


def test_internal_selectors_of_older_results_are_suggested_in_public_syntax() -> None:
    stored = {**CANDIDATE, "selector": 'internal:role=button[name="Add to cart"s]'}
    verdict = classify(
        ev("element_not_found", error=NOT_FOUND, candidates=[stored], decision=ACCEPTED)
    )
    assert verdict.suggested_alternative == 'role=button[name="Add to cart"]'
    assert verdict.details["candidates"][0]["selector"] == 'role=button[name="Add to cart"]'


def test_without_candidates_there_is_no_alternative_and_less_confidence() -> None:
    verdict = classify(ev("element_not_found", error=NOT_FOUND))
    assert verdict.suggested_alternative is None
    assert verdict.confidence < 0.9
    assert any(CATALOG in s and ".add-to-cart-btn" in s for s in verdict.fix_suggestions)


def test_navigation_precedence_over_selector() -> None:
    evidence = ev(
        "element_not_found",
        error=NOT_FOUND,
        candidates=[CANDIDATE],
        ctx={"document_status": 500, "error_page": True, "error_page_reason": "HTTP 500"},
    )
    verdict = classify(evidence)
    assert verdict.category == "navigation_error"
    assert any("element_not_found" in s for s in verdict.signals)


def test_assertion_details_carry_expected_and_actual() -> None:
    verdict = classify(
        ev(
            "assertion_failed",
            step_=step(action="assert_text", selector="#t", expected="A", actual="B"),
        )
    )
    assert verdict.details == {"expected": "A", "actual": "B"}


def test_network_details_name_the_request() -> None:
    failed = req(f"{SHOP}/api/orders", 500)
    verdict = classify(
        ev(
            "element_not_found",
            error="Element not found: .row",
            step_=step(selector=".row"),
            requests=[failed],
        )
    )
    assert verdict.details["failed_request"] == failed


def test_overlay_named_in_description() -> None:
    verdict = classify(
        ev(
            "element_not_interactable",
            error="Element not interactable: #buy (covered by another element)",
            step_=step(selector="#buy"),
            ctx={"overlay": 'div#cookie-wall "We use cookies"', "overlay_selector": "#cookie-wall"},
        )
    )
    assert "cookie-wall" in verdict.description
    assert verdict.details["reason"] == "covered by another element"


@pytest.mark.parametrize("error_type", ["quantum_flux", "error", "", None])
def test_unknown_is_low_confidence(error_type: str | None) -> None:
    verdict = classify(ev(error_type, error="something odd"))
    assert verdict.category == "unknown"
    assert verdict.confidence <= 0.4
    assert "something odd" in verdict.description


def test_known_categories_are_more_confident_than_unknown() -> None:
    unknown = classify(ev("quantum_flux")).confidence
    for name, evidence, category, _, _ in TABLE:
        if category != "unknown":
            assert classify(evidence).confidence > unknown, name


def test_missing_context_is_tolerated() -> None:
    verdict = classify(Evidence(error=NOT_FOUND, error_type="element_not_found", step=CLICK_ADD))
    assert verdict.category == "selector_changed"
    assert classify(Evidence(error="", error_type=None)).category == "unknown"


@pytest.mark.parametrize(
    ("url", "login"),
    [
        (f"{SHOP}/login", True),
        (f"{SHOP}/login?next=/x", True),
        (f"{SHOP}/users/sign_in", False),
        (f"{SHOP}/sign-in", True),
        (f"{SHOP}/auth/callback", True),
        (f"{SHOP}/authors/5", False),
        (f"{SHOP}/blog/login-tips", False),
        ("chrome-error://chromewebdata/", False),
        (None, False),
    ],
)
def test_is_login_url(url: str | None, login: bool) -> None:
    assert is_login_url(url) is login


# --------------------------------------------------------------------------- service


def _row(**extra: Any) -> dict[str, Any]:
    return {
        "id": "exec_1",
        "status": "completed",
        "failure_reason": None,
        "timeout_seconds": 30,
        "spec": {
            "element_wait_timeout_ms": 1500,
            "tests": [
                {
                    "position": 0,
                    "test_id": "tc_1",
                    "steps": [
                        {"step_id": "step_1", "action": "navigate", "value": "/a"},
                        {"step_id": "step_2", "action": "wait", "value": "20000"},
                    ],
                }
            ],
        },
        **extra,
    }


def _test(**extra: Any) -> dict[str, Any]:
    return {
        "position": 0,
        "test_case_id": "tc_1",
        "name": "Add to Cart",
        "status": "failed",
        "started_at": "2025-01-01T00:00:00Z",
        "error": NOT_FOUND,
        "error_type": "element_not_found",
        "failed_step_id": "step_5",
        "screenshot": "exec_1/tc_1/step_5.png",
        "final_url": CATALOG,
        "steps": [{**CLICK_ADD, "context": HEALTHY, "heal_candidates": [CANDIDATE]}],
        "evidence": {"console_errors": [], "page_errors": [], "failed_requests": []},
        **extra,
    }


def test_analysis_body_for_a_failed_test() -> None:
    body = analysis_json(_row(), [_test(), _test(status="passed")], lambda p: "https://x/" + p)
    (entry,) = body["analysis"]
    assert entry["failure_category"] == "selector_changed"
    assert entry["step_id"] == "step_5"
    assert entry["evidence"]["expected_selector"] == ".add-to-cart-btn"
    assert entry["evidence"]["suggested_alternative"] == ".product-add-btn"
    assert entry["evidence"]["screenshot"] == "https://x/exec_1/tc_1/step_5.png"
    assert entry["evidence"]["url"] == CATALOG
    assert entry["evidence"]["signals"]
    assert entry["fix_suggestions"][0].startswith("Update test selector")


def test_analysis_body_for_a_removed_feature() -> None:
    failed = {
        **CLICK_WISHLIST,
        "context": HEALTHY,
        "heal_candidates": [WISHLIST_NEAREST],
        "heal_decision": REFUSED,
    }
    test = _test(steps=[failed], error=WISHLIST_GONE)
    (entry,) = analysis_json(_row(), [test], lambda p: p)["analysis"]
    assert entry["failure_category"] == "selector_changed"
    assert entry["confidence"] < 0.8
    evidence = entry["evidence"]
    assert evidence["suggested_alternative"] is None
    assert evidence["close_match"] is False
    assert evidence["nearest_candidates"][0]["similarity"] == 0.347
    assert not any(s.startswith("Update test selector") for s in entry["fix_suggestions"])


def test_analysis_uses_the_recorded_evidence() -> None:
    test = _test(
        steps=[{**CLICK_ADD, "selector": ".row", "context": HEALTHY}],
        error="Element not found: .row",
        evidence={
            "console_errors": [],
            "page_errors": [],
            "failed_requests": [req(f"{SHOP}/api/rows", 500)],
        },
    )
    (entry,) = analysis_json(_row(), [test], lambda p: p)["analysis"]
    assert entry["failure_category"] == "network_error"
    assert entry["evidence"]["failed_request"]["url"] == f"{SHOP}/api/rows"


def test_analysis_reports_tests_cut_off_by_the_deadline() -> None:
    row = _row(status="failed", failure_reason="timeout", timeout_seconds=5)
    cut = _test(
        status="skipped",
        error="Not run: execution failed (timeout)",
        error_type=None,
        failed_step_id=None,
        screenshot=None,
        steps=[{"step_id": "step_1", "action": "navigate", "status": "passed", "url": CATALOG}],
        evidence=None,
    )
    never = _test(status="skipped", started_at=None, position=1, steps=[], evidence=None)
    (entry,) = analysis_json(row, [cut, never], lambda p: p)["analysis"]
    assert entry["failure_category"] == "timeout"
    assert entry["step_id"] == "step_2"
    assert any("timeout_seconds from 5 to" in s for s in entry["fix_suggestions"])


def test_analysis_with_history() -> None:
    history = {("tc_1", "step_5"): PreviousRun(selector=".add-to-cart-btn", execution_id="e0")}
    test = _test(steps=[{**CLICK_ADD, "context": HEALTHY}])
    (entry,) = analysis_json(_row(), [test], lambda p: p, history)["analysis"]
    assert any("passed before" in s for s in entry["evidence"]["signals"])


def test_previous_runs_reads_unchanged_steps_only() -> None:
    engine = sa.create_engine("sqlite://")
    tables.metadata.create_all(engine)
    now = datetime.datetime.now(datetime.UTC)
    click = {"step_id": "step_5", "action": "click", "selector": ".add-to-cart-btn"}
    worded = {"step_id": "step_2", "description": "Type x into Email"}
    row = {"spec": {"tests": [{"test_id": "tc_1", "steps": [worded, click]}]}}
    printed = {"tag": "button", "classes": ["btn", "add-to-cart-btn"], "text": "Add to cart"}
    with engine.begin() as conn:
        conn.execute(
            tables.element_fingerprints.insert().values(
                test_case_id="tc_1",
                step_id="step_5",
                step_key=step_key(click),
                fingerprint=printed,
                execution_id="exec_0",
                updated_at=now,
            )
        )
        conn.execute(  # written for an older wording of the step: ignored
            tables.locator_cache.insert().values(
                test_case_id="tc_1",
                step_id="step_2",
                step_key="old",
                selector="#email",
                updated_at=now,
            )
        )
        history = previous_runs(conn, row, [_test(steps=[click])])
    assert history == {
        ("tc_1", "step_5"): PreviousRun(
            selector=".add-to-cart-btn",
            description='button.btn.add-to-cart-btn "Add to cart"',
            execution_id="exec_0",
            fingerprint=printed,  # exec_0 has no stored results here, so no URL
        )
    }


def test_analysis_bodies_fit_the_response_model() -> None:
    """The API answers these through ``FailureAnalysis``: the JSON stays the same."""
    printed = {"tag": "button", "classes": ["add-to-cart-btn"], "text": "Add", "context": ["Shop"]}
    history = {
        ("tc_1", "step_5"): PreviousRun(
            selector=".add-to-cart-btn", url=CATALOG, execution_id="e0", fingerprint=printed
        )
    }
    deadline = _row(status="failed", failure_reason="timeout", timeout_seconds=5)
    cut = _test(status="skipped", error_type=None, failed_step_id=None, steps=[], evidence=None)
    bodies = [
        analysis_json(_row(), [_test(), _test(status="passed")], lambda p: "https://x/" + p),
        analysis_json(_row(), [_test()], lambda p: p, history),
        analysis_json(deadline, [cut], lambda p: p),
    ]
    assert "changes_since_last_pass" in bodies[1]["analysis"][0]
    for body in bodies:
        model = FailureAnalysis.model_validate(body)
        assert model.model_dump(mode="json", exclude_unset=True) == json.loads(json.dumps(body))


def test_categories_are_the_response_schemas() -> None:
    schema = FailureAnalysis.model_json_schema()["$defs"]["FailureCategory"]
    assert tuple(schema["enum"]) == CATEGORIES
