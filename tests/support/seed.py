"""Creating projects, test cases and plans through the API."""

from __future__ import annotations

from typing import Any

from bugbrain.demo.shop import DEMO_EMAIL, DEMO_PASSWORD
from tests.support.servers import Api

LOGIN = [
    {"description": "Open login", "action": "navigate", "value": "/login"},
    {"description": "Email", "action": "fill", "selector": "#email", "value": "{{email}}"},
    {"description": "Password", "action": "fill", "selector": "#password", "value": "{{password}}"},
    {"description": "Sign in", "action": "click", "selector": "#login-btn"},
]
PASSING = [*LOGIN, {"description": "On catalog", "action": "assert_url", "value": "/catalog"}]
FAILING = [*LOGIN, {"description": "Add", "action": "click", "selector": ".add-to-cart-button"}]


# The lab's heal pages (heal-v1.html, heal-v2.html: the button's class renamed),
# opened by the page the execution's ``page`` variable names.
HEAL_STEPS = [
    {"description": "Open the product", "action": "navigate", "value": "{{page}}"},
    {"description": "Add it to the cart", "action": "click", "selector": ".add-to-cart-btn"},
    {"description": "Confirmation", "action": "assert_text", "value": "Added to cart"},
]


def wait_steps(ms: int) -> list[dict[str, Any]]:
    return [
        {"description": "Open about", "action": "navigate", "value": "/about"},
        {"description": "Dwell", "action": "wait", "value": str(ms)},
    ]


def project(api: Api, base_url: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "Shop",
        "base_url": base_url,
        "variables": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        **extra,
    }
    return dict(api.ok("POST", "/api/v1/projects", json=body))


def test_case(api: Api, project_id: str, name: str, steps: list[dict[str, Any]]) -> str:
    body = {"project_id": project_id, "name": name, "steps": steps}
    return str(api.ok("POST", "/api/v1/test-cases", json=body)["id"])


def plan(api: Api, project_id: str, case_ids: list[str], **settings: Any) -> str:
    body = {"project_id": project_id, "name": "Plan", "test_case_ids": case_ids, **settings}
    return str(api.ok("POST", "/api/v1/test-plans", json=body)["id"])


def simple_plan(
    api: Api, base_url: str, tests: dict[str, list[dict[str, Any]]], **settings: Any
) -> tuple[str, str]:
    """A project with the given tests in one plan: (project_id, plan_id)."""
    proj = project(api, base_url)
    ids = [test_case(api, proj["id"], name, steps) for name, steps in tests.items()]
    return proj["id"], plan(api, proj["id"], ids, **settings)
