"""The step actions the runner understands (pure; shared by API validation and runner)."""

from __future__ import annotations

ACTIONS: frozenset[str] = frozenset(
    {
        "navigate",
        "click",
        "fill",
        "select",
        "check",
        "uncheck",
        "hover",
        "press",
        "wait",
        "assert_text",
        "assert_visible",
        "assert_url",
        "assert_title",
    }
)

ACTION_ALIASES: dict[str, str] = {"type": "fill", "goto": "navigate", "open": "navigate"}

ASSERTION_ACTIONS: frozenset[str] = frozenset(a for a in ACTIONS if a.startswith("assert_"))
