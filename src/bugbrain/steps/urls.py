"""Which URLs a test may open (pure: no Playwright).

Tests run in a browser on the server. A ``file:`` URL opened there reads the
server's own files, ``view-source:file:`` too, and ``chrome://`` pages show the
browser's command line and paths; whatever the page shows can come back through
the API (an assertion's "actual", a screenshot, a trace). So a step may open
only ``http:`` and ``https:`` URLs (and the empty ``about:blank``); a relative
URL is joined to the project's base URL, which is itself http(s).

Pages choose where their own frames go: besides http(s) they may show content
they made themselves (``data:``, ``blob:``, ``about:srcdoc``), the empty
document, or Chromium's error page for a failed load (``chrome-error:``); any
other scheme is refused (``page_may_be_on``).

Schemes are read the way a browser reads a URL: C0 controls and spaces around
it and tabs and newlines anywhere in it do not count (`` FILE:`` and
``fi\\tle:`` are ``file:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bugbrain.steps.parse import UnparseableStepError, parse
from bugbrain.steps.rules import (
    HOST_PORT_RE,
    StepLike,
    navigate_target,
    normalize_action,
    truncate,
    validate_step,
)
from bugbrain.vocabulary import Action

OPENABLE_SCHEMES: Final = frozenset({"http", "https"})
_PAGE_SCHEMES: Final = frozenset({"http", "https", "data", "blob", "chrome-error"})
_PAGE_ABOUT: Final = frozenset({"about:blank", "about:srcdoc"})

_SCHEME_RE: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_TAB_NEWLINE_RE: Final = re.compile(r"[\t\n\r]")
_C0_OR_SPACE: Final = "".join(chr(c) for c in range(0x21))


def _as_browser_reads(url: str) -> str:
    return _TAB_NEWLINE_RE.sub("", url).strip(_C0_OR_SPACE)


def scheme_of(url: str) -> str | None:
    """The URL's scheme in lower case, or None for a relative URL."""
    # Only what precedes the first colon can be the scheme (cleaning removes no
    # colon): a long data: URL is not scanned to its end.
    colon = url.find(":")
    if colon < 0:
        return None
    match = _SCHEME_RE.match(_as_browser_reads(url[: colon + 1]))
    return match.group(1).lower() if match else None


def _about_document(url: str) -> str:
    """``about:blank#blocked`` → ``about:blank``."""
    return _as_browser_reads(re.split(r"[?#]", url, maxsplit=1)[0]).lower()


REFUSED: Final = "Refused to open "


def refusal(url: str) -> str:
    """The message of a refused URL (the URL only: never anything it holds)."""
    return f"{REFUSED}{truncate(url.strip(), 200)}: only http and https URLs may be opened"


def openable(url: str) -> bool:
    """May a step open this absolute URL (after joining and substitution)?"""
    scheme = scheme_of(url)
    if scheme in OPENABLE_SCHEMES:
        return True
    return scheme == "about" and _about_document(url) == "about:blank"


def page_may_be_on(url: str) -> bool:
    """May a frame of the page under test be at this URL (where the page took it)?"""
    if not url.strip(_C0_OR_SPACE):
        return True  # a frame that has not loaded anything yet
    scheme = scheme_of(url)
    if scheme in _PAGE_SCHEMES:
        return True
    return scheme == "about" and _about_document(url) in _PAGE_ABOUT


def target_problem(target: str) -> str | None:
    """The refusal of a navigate target as written, or None.

    Relative targets pass (the base URL they join is http(s)), and so does a
    target whose scheme is not written yet (``{{home}}/x``): the run checks the
    URL it builds from them before opening it.
    """
    # ``localhost:3000/x`` reads like scheme "localhost"; join_url opens it as http.
    if scheme_of(target) is None or HOST_PORT_RE.match(_as_browser_reads(target)):
        return None
    return None if openable(target) else refusal(target)


@dataclass(frozen=True)
class _Step:
    action: str
    selector: str | None
    value: str | None


def reads_words(step: StepLike, description: str | None) -> bool:
    """Whether the runner takes the step from its words (``plan_step.uses_words``):
    it has words, and no action, or explicit fields that are not a valid step
    and no selector."""
    if not description or not description.strip():
        return False
    if not step.action.strip():
        return True
    return validate_step(step) is not None and not (step.selector or "").strip()


def navigation_of(
    action: str | None, selector: str | None, value: str | None, description: str | None
) -> tuple[str, str] | None:
    """``(field, target)`` of a step that navigates, as the runner will read it:
    the field the URL is written in (``value``, ``selector`` or ``description``)
    and the URL as written. None for steps that do not navigate, and for words
    that do not parse (the run reports those).

    Mirrors ``runner.plan_step``: the words (``reads_words``) give the action
    unless one is written, and the URL unless a value is written.
    """
    step = _Step(action or "", selector, value)
    if description and reads_words(step, description):
        try:
            intent = parse(description)
        except UnparseableStepError:
            return None
        kind = normalize_action(step.action) if step.action.strip() else intent.action
        if kind != Action.NAVIGATE:
            return None
        if value is not None and step.action.strip():  # else the words give the URL
            return "value", value
        return ("description", intent.value) if intent.value is not None else None
    if not step.action.strip() or normalize_action(step.action) != Action.NAVIGATE:
        return None
    target = navigate_target(selector, value)
    if target is None:
        return None
    return ("value" if value and value.strip() else "selector"), target
