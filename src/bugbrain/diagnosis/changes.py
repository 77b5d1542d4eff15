"""What differs between a step's last passing run and its failing one (pure).

Compares the element the step touched when it last passed (its fingerprint)
with the most similar element on the page now (the best heal candidate), and
the page and the text around the element then and now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bugbrain.elements.selectors import shown_selector

# Fingerprint attributes worth showing a person, in the order they read them.
_COMPARED = (
    ("tag", "tag"),
    ("id", "id"),
    ("classes", "classes"),
    ("test_ids", "test ids"),
    ("role", "role"),
    ("accessible_name", "accessible name"),
    ("text", "text"),
    ("name", "name attribute"),
    ("placeholder", "placeholder"),
    ("type", "type"),
)


def _summary(element: Mapping[str, Any]) -> dict[str, Any]:
    return {key: element.get(key) for key, _ in _COMPARED if element.get(key)}


def _differences(then: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, label in _COMPARED:
        before, after = then.get(key) or None, now.get(key) or None
        if before != after:
            out.append({"attribute": label, "last_pass": before, "now": after})
    return out


def changes_since_last_pass(
    *,
    fingerprint: Mapping[str, Any] | None,
    last_pass_url: str | None,
    last_pass_execution_id: str | None,
    url_now: str | None,
    best_candidate: Mapping[str, Any] | None,
    headings_now: Sequence[str] = (),
) -> dict[str, Any]:
    """The block shown as ``changes_since_last_pass`` in a failure analysis."""
    out: dict[str, Any] = {
        "last_passed_execution_id": last_pass_execution_id,
        "url": {
            "last_pass": last_pass_url,
            "now": url_now,
            "changed": bool(last_pass_url and url_now and last_pass_url != url_now),
        },
    }
    if fingerprint:
        out["element_last_pass"] = _summary(fingerprint)
        out["text_near_element"] = {"last_pass": list(fingerprint.get("context") or [])}
    if best_candidate:
        element = (best_candidate.get("signals") or {}).get("element") or {}
        out["closest_element_now"] = {
            "selector": _shown(best_candidate.get("selector")),
            "description": best_candidate.get("description"),
            "score": best_candidate.get("score"),
            **_summary(element),
        }
        if fingerprint:
            out["differences"] = _differences(fingerprint, element)
            out["text_near_element"]["now"] = list(element.get("context") or [])
    elif fingerprint:
        out["text_near_element"]["now"] = list(headings_now)
    return out


def _shown(selector: object) -> object:
    """A stored candidate's selector in public syntax (older runs stored internal forms)."""
    return shown_selector(selector) if isinstance(selector, str) else selector
