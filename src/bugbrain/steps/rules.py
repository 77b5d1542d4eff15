"""Pure step vocabulary and helpers (no Playwright import).

Everything here is deterministic and side-effect free so it can be unit-tested
with plain tables: action normalisation, ``{{variable}}`` substitution, URL
joining, step validation, screenshot policy and display names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Protocol
from urllib.parse import urljoin, urlsplit

from bugbrain.vocabulary import (
    ACTION_ALIASES,
    ASSERTIONS,
    NEEDS_ELEMENT,
    Action,
    ScreenshotMode,
)

ACTIONS: Final[tuple[Action, ...]] = tuple(Action)

# Actions that need a non-empty value, with a hint of what the value is.
_NEEDS_VALUE: Final[Mapping[str, str]] = {
    Action.SELECT: "the option value or label",
    Action.PRESS: "a key such as Enter",
    Action.ASSERT_TEXT: "the expected text",
    Action.ASSERT_URL: "the expected URL or path",
    Action.ASSERT_TITLE: "the expected title",
    Action.ASSERT_NOT_TEXT: "the text that must not appear",
    Action.ASSERT_COUNT: "the expected number of matching elements",
}

MAX_WAIT_MS: Final[int] = 60_000

_VAR_RE: Final = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")
_CAMEL_RE: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ABSOLUTE_RE: Final = re.compile(r"^(?:https?://|about:|data:|file:|blob:)", re.IGNORECASE)
_HOSTLIKE_RE: Final = re.compile(
    r"^(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?(?:[/?#]|$)"
)
HOST_PORT_RE: Final = re.compile(
    r"^(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+):\d+(?:[/?#]|$)"
)
_NUMBER_RE: Final = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
_UNSAFE_NAME_RE: Final = re.compile(r"[^A-Za-z0-9_.\-]+")


class StepLike(Protocol):
    """Anything with the three fields a step is validated on."""

    @property
    def action(self) -> str: ...

    @property
    def selector(self) -> str | None: ...

    @property
    def value(self) -> str | None: ...


class VariableMissingError(KeyError):
    """Raised by :func:`substitute` for an unknown ``{{name}}``."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        known = ", ".join(self.known) if self.known else "none"
        return f"Unknown variable {{{{{self.name}}}}} (known: {known})"


def normalize_action(raw: str) -> str:
    """Canonical action name: case-insensitive, ``-``/space/camelCase to ``_``, aliases.

    Unknown actions come back cleaned (lower snake case) but unchanged otherwise;
    use :func:`is_known_action` to tell.
    """
    text = _CAMEL_RE.sub("_", raw.strip())
    text = re.sub(r"[\s\-]+", "_", text).lower()
    return ACTION_ALIASES.get(text, text)


def is_known_action(action: str) -> bool:
    return normalize_action(action) in ACTIONS


def known_actions_text() -> str:
    return ", ".join(ACTIONS)


def substitute(text: str | None, variables: Mapping[str, str]) -> str | None:
    """Replace ``{{ name }}`` placeholders; raise VariableMissingError for unknown names."""
    if text is None:
        return None

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise VariableMissingError(name, sorted(variables))
        return str(variables[name])

    return _VAR_RE.sub(repl, text)


def join_url(base: str | None, target: str) -> str:
    """Resolve a navigate target against ``base``.

    * absolute ``http(s)://`` (and ``about:``/``data:``/``file:``) URLs are returned as is;
    * ``//host/x`` takes the scheme of ``base`` (``http`` without a base);
    * ``/path`` replaces the path of ``base`` (origin + path);
    * ``path`` is appended to ``base`` treated as a directory;
    * ``?q`` / ``#frag`` resolve like a browser would;
    * without a base, a host-looking target (``example.com/x``, ``localhost:3000``)
      gets ``http://``; anything else raises ``ValueError``;
    * with a base too, a host with a port (``localhost:3000/x``) gets ``http://``
      (a browser would read ``localhost:`` as its scheme).

    Other schemes come back as written; ``steps.urls.openable`` says whether a
    step may open the result.
    """
    target = target.strip()
    if _ABSOLUTE_RE.match(target):
        return target
    if HOST_PORT_RE.match(target):
        return "http://" + target
    base = base.strip() if base else None
    if target.startswith("//"):
        scheme = urlsplit(base).scheme if base else ""
        return f"{scheme or 'http'}:{target}"
    if not base:
        if _HOSTLIKE_RE.match(target):
            return "http://" + target
        raise ValueError(f"Relative URL '{target}' needs a base_url")
    if not _ABSOLUTE_RE.match(base):
        base = "http://" + base
    if not target:
        return base
    if target.startswith(("/", "?", "#")):
        if not urlsplit(base).path:
            base += "/"
        return urljoin(base, target)
    if target.startswith("./"):
        target = target[2:]
    parts = urlsplit(base)
    directory = parts._replace(query="", fragment="").geturl()
    if not directory.endswith("/"):
        directory += "/"
    return urljoin(directory, target)


def parse_wait_ms(value: str | None) -> float | None:
    """Milliseconds for a ``wait`` value if it is a number, else None."""
    if value is None or not _NUMBER_RE.match(value):
        return None
    return float(value)


def wait_target(selector: str | None, value: str | None) -> tuple[str | None, float | None]:
    """Split a wait step into ``(selector, milliseconds)``.

    With a selector, a numeric value is the visibility timeout; a non-numeric
    value without a selector is itself the selector.  Milliseconds are capped at
    MAX_WAIT_MS.
    """
    ms = parse_wait_ms(value)
    if ms is not None:
        ms = min(ms, float(MAX_WAIT_MS))
    if selector:
        return selector, ms
    if ms is None and value and value.strip():
        return value.strip(), None
    return None, ms


def navigate_target(selector: str | None, value: str | None) -> str | None:
    """The URL of a navigate step: value, or selector when value is empty."""
    if value and value.strip():
        return value.strip()
    if selector and selector.strip():
        return selector.strip()
    return None


def validate_step(step: StepLike) -> str | None:
    """A human-readable problem with the step's shape, or None if it can run."""
    raw = step.action.strip() if step.action else ""
    if not raw:
        return f"Step has no action (known actions: {known_actions_text()})"
    action = normalize_action(raw)
    if action not in ACTIONS:
        return f"Unknown action '{raw}' (known actions: {known_actions_text()})"
    selector = step.selector if step.selector and step.selector.strip() else None
    value = step.value
    has_value = value is not None and value.strip() != ""
    if action == Action.NAVIGATE:
        if navigate_target(selector, value) is None:
            return "Action 'navigate' requires a URL in value"
        return None
    if action == Action.WAIT:
        if selector is None and not has_value:
            return "Action 'wait' requires a number of milliseconds or a selector"
        ms = parse_wait_ms(value)
        if ms is not None and ms < 0:
            return f"Action 'wait' needs a non-negative number of milliseconds, got {value}"
        return None
    if action in NEEDS_ELEMENT and selector is None:
        return f"Action '{action}' requires a selector"
    if action == Action.FILL and value is None:
        return "Action 'fill' requires a value (the text to type)"
    if action in _NEEDS_VALUE and not has_value:
        return f"Action '{action}' requires a value ({_NEEDS_VALUE[action]})"
    return None


def should_screenshot(mode: str, action: str, failed: bool) -> bool:
    """Whether to capture after a step, per screenshot_mode."""
    if mode == ScreenshotMode.EVERY_STEP:
        return True
    if mode == ScreenshotMode.ON_FAILURE:
        return failed
    if mode == ScreenshotMode.ON_ASSERTIONS:
        return failed or normalize_action(action) in ASSERTIONS
    return False


def step_display_name(
    description: str | None, action: str, selector: str | None, value: str | None
) -> str:
    """The step's description, or a generated one like ``click .x``."""
    if description and description.strip():
        return description.strip()
    name = normalize_action(action) if action and action.strip() else "step"
    parts = [name]
    if selector:
        parts.append(selector)
    if value is not None and value != "":
        parts.append(repr(value) if selector else value)
    return " ".join(parts)


def safe_name(text: str) -> str:
    """A filesystem-safe file/dir name component."""
    cleaned = _UNSAFE_NAME_RE.sub("_", text).strip("._")
    return cleaned[:100] or "_"


def normalize_ws(text: str) -> str:
    """Collapse whitespace runs to one space (for text assertions)."""
    return " ".join(text.split())


def truncate(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
