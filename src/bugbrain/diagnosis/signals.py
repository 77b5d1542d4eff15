"""Evidence → signals: the named facts the classification rules look at.

``read_facts`` sorts the raw evidence once (failed requests into app failures,
refusals and noise; console lines into script errors and noise; the page
context into error page, login page, busy page, …); the rules read ``Facts``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from bugbrain.diagnosis.evidence import Evidence, as_text, is_login_url, login_path, same_page
from bugbrain.elements.healing.search import decision_from_records
from bugbrain.elements.selectors import shown_selector
from bugbrain.vocabulary import (
    AMBIGUOUS,
    CONTENT_CHECKS,
    PAGE_CHECKS,
    SUBMITTING,
    Action,
    StepErrorType,
    TestStatus,
)

# A close heal candidate at least this similar is "the same element, renamed".
STRONG_CANDIDATE: Final = 0.8
# errors.translate's reason when nothing specific was found.
NO_REASON: Final = "covered or not ready"

_NET_ERR: Final = re.compile(r"net::ERR_[A-Z0-9_]+")
_HTTP_STATUS: Final = re.compile(r"\bHTTP (\d{3})\b")
_NAVIGATION_TARGET: Final = re.compile(r"Navigation to (\S+) failed")
_TIMEOUT_MS: Final = re.compile(r"(?:after|Timeout) (\d+) ?ms", re.IGNORECASE)
_MATCH_COUNT: Final = re.compile(r"matched (\d+) elements")
_REASON: Final = re.compile(r"\(([^()]*)\)\s*$")
_CLOSEST: Final = re.compile(r"Closest: (.+)$")
_OPTION_MISSING: Final = re.compile(r"^Option '.*' not found in ")
_CRASH: Final = re.compile(r"\b(target|page|renderer) crashed\b", re.IGNORECASE)
# Requests nobody's page content depends on.
_NOISE_URL: Final = re.compile(
    r"analytics|tracking|/track\b|telemetry|beacon|/collect\b|/metrics\b|sentry|gtag|"
    r"pixel|doubleclick|hotjar|favicon",
    re.IGNORECASE,
)
# Console errors that are really failed loads (counted as requests, not scripts).
_RESOURCE_CONSOLE: Final = re.compile(r"^Failed to load resource|net::ERR_", re.IGNORECASE)
# Console errors that read like a broken script.
_EXCEPTION_CONSOLE: Final = re.compile(
    r"\b(Type|Reference|Syntax|Range)Error\b|Uncaught|is not a function|is not defined|"
    r"Cannot read propert|undefined is not|null is not|failed to render|unhandled|exception",
    re.IGNORECASE,
)
_ERRORISH: Final = re.compile(
    r"\berror\b|failed|unavailable|went wrong|try again|could not|couldn.t|unable to",
    re.IGNORECASE,
)
_REJECTION: Final = re.compile(
    r"invalid|incorrect|wrong|failed|denied|locked|expired|not authori[sz]ed|unauthori[sz]ed",
    re.IGNORECASE,
)
_PLACEHOLDER_TEXT: Final = re.compile(r"^\s*(loading|please wait|…|\.\.\.)?\W*\s*$", re.IGNORECASE)
_LOADING: Final = re.compile(r"\bloading\b", re.IGNORECASE)

_APP_REQUESTS: Final = frozenset({"fetch", "xhr", "eventsource", "websocket"})


# --------------------------------------------------------------------------- facts


@dataclass
class Facts:
    """Everything the rules look at, derived once from ``Evidence``."""

    ev: Evidence
    kind: str = ""  # the runner's error type
    action: str = ""
    selector: str | None = None
    words: str = ""
    ctx: Mapping[str, Any] = field(default_factory=dict)  # page signals at failure
    url: str | None = None
    doc_status: int | None = None
    net_error: str | None = None
    candidates: list[Mapping[str, Any]] = field(default_factory=list)
    # The healing rule's verdict on the best candidate: (close enough to replace it, why).
    decision: tuple[bool, str] | None = None
    app_failed: list[Mapping[str, Any]] = field(default_factory=list)  # 5xx / network error
    app_weak: list[Mapping[str, Any]] = field(default_factory=list)  # aborted / other 4xx
    auth_requests: list[Mapping[str, Any]] = field(default_factory=list)  # 401 / 403
    ignored_requests: list[Mapping[str, Any]] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)  # uncaught
    js_console: list[str] = field(default_factory=list)  # exception-like console errors
    console_noise: list[str] = field(default_factory=list)
    prior: list[Mapping[str, Any]] = field(default_factory=list)  # steps before the failed one

    # ---- the failed step

    @property
    def step(self) -> Mapping[str, Any]:
        return self.ev.step or {}

    @property
    def actual(self) -> str:
        return as_text(self.step.get("actual"))

    @property
    def step_name(self) -> str:
        return self.words or self.action

    @property
    def where(self) -> str:
        return self.url or "the page"

    @property
    def element_timeout(self) -> int | None:
        return self.ev.element_timeout_ms

    @property
    def waited_ms(self) -> int | None:
        """The wait named in the error, else the plan's element timeout."""
        match = _TIMEOUT_MS.search(self.ev.error)
        return int(match.group(1)) if match else self.element_timeout

    @property
    def navigation_timed_out(self) -> bool:
        return self.ev.error.startswith("Navigation to")

    # ---- heal candidates

    @property
    def best(self) -> Mapping[str, Any] | None:
        return self.candidates[0] if self.candidates else None

    @property
    def best_score(self) -> float:
        best = self.best
        score = best.get("score") if best else None
        return float(score) if isinstance(score, int | float) else 0.0

    @property
    def close(self) -> bool:
        """The best candidate passes every rule of an automatic heal (similarity above
        the threshold, the same name, unique, visible, enabled, fits the action): only
        then is it suggested as the replacement."""
        return self.best is not None and self.decision is not None and self.decision[0]

    @property
    def close_reason(self) -> str:
        return self.decision[1] if self.decision is not None else ""

    @property
    def strong_candidate(self) -> bool:
        return self.close and self.best_score >= STRONG_CANDIDATE

    @property
    def found_later(self) -> bool:
        """The heal search found the step's own selector: the element came late."""
        if not self.selector:
            return False
        own = _same(self.selector)
        return any(_same(as_text(c.get("selector"))) == own for c in self.candidates)

    # ---- what kind of failure

    @property
    def option_missing(self) -> bool:
        return self.kind == StepErrorType.ELEMENT_NOT_FOUND and bool(
            _OPTION_MISSING.match(self.ev.error)
        )

    @property
    def element_missing(self) -> bool:
        return self.kind == StepErrorType.ELEMENT_NOT_FOUND and not self.option_missing

    @property
    def ambiguous(self) -> bool:
        return self.kind in AMBIGUOUS

    @property
    def match_count(self) -> str:
        match = _MATCH_COUNT.search(self.ev.error)
        return match.group(1) if match else "several"

    @property
    def closest_elements(self) -> str | None:
        match = _CLOSEST.search(self.ev.error)
        return match.group(1) if match else None

    @property
    def unusable_reason(self) -> str | None:
        """Why the element could not be used: the error's trailing "(…)"."""
        match = _REASON.search(self.ev.error)
        return match.group(1) if match else None

    @property
    def content_assert(self) -> bool:
        return self.kind == StepErrorType.ASSERTION_FAILED and self.action in CONTENT_CHECKS

    @property
    def page_assert(self) -> bool:
        return self.kind == StepErrorType.ASSERTION_FAILED and self.action in PAGE_CHECKS

    @property
    def element_wait_timeout(self) -> bool:
        return self.kind == StepErrorType.TIMEOUT and self.action in (
            Action.WAIT,
            Action.WAIT_HIDDEN,
            "",
        )

    @property
    def content_missing(self) -> bool:
        """The thing the step needed is not there (rather than different)."""
        if self.element_missing or self.element_wait_timeout:
            return True
        if self.content_assert:
            return self.selector is not None and bool(_PLACEHOLDER_TEXT.match(self.actual))
        return False

    @property
    def explainable(self) -> bool:
        """A failure a broken request or script can explain: the content is missing,
        the page-level text/URL/title is wrong, or the element shows an error."""
        if self.content_missing or self.page_assert:
            return True
        if self.content_assert:
            return not self.selector or bool(_ERRORISH.search(self.actual))
        return False

    @property
    def expects_rejection(self) -> bool:
        """The failing step asserts an error message: the test is about the refusal."""
        return self.kind == StepErrorType.ASSERTION_FAILED and bool(
            _REJECTION.search(as_text(self.step.get("expected")))
        )

    # ---- the page

    @property
    def crashed(self) -> bool:
        return bool(_CRASH.search(self.ev.error))

    @property
    def error_page(self) -> bool:
        return bool(self.ctx.get("error_page")) or as_text(self.url).startswith("chrome-error:")

    @property
    def bad_status(self) -> bool:
        return self.doc_status is not None and self.doc_status >= 400

    @property
    def navigation_target(self) -> str | None:
        """The URL a failed navigation went to, else the page's."""
        if self.kind == StepErrorType.NAVIGATION_ERROR:
            match = _NAVIGATION_TARGET.search(self.ev.error)
            if match:
                return match.group(1)
        return self.url

    @property
    def busy(self) -> bool:
        return bool(self.ctx.get("busy")) or self.ctx.get("ready_state") == "loading"

    @property
    def busy_text(self) -> str:
        """E.g. "a spinner was still visible"."""
        what = as_text(self.ctx.get("busy_element")) or "the document"
        return f"{what} {'was still visible' if self.ctx.get('busy') else 'was still loading'}"

    @property
    def shows_loading(self) -> bool:
        """A text check found "loading" in the element."""
        return self.content_assert and bool(_LOADING.search(self.actual))

    @property
    def overlay(self) -> str:
        return as_text(self.ctx.get("overlay"))

    @property
    def sparse(self) -> bool:
        """The page is nearly empty."""
        size = self.ctx.get("dom_size")
        text = as_text(self.ctx.get("visible_text_sample"))
        return isinstance(size, int) and size < 12 and not text.strip()

    @property
    def moved_from(self) -> str | None:
        """The previous step's page, when the failed step ran on another one."""
        before = next((as_text(s.get("url")) for s in reversed(self.prior) if s.get("url")), "")
        return before if before and self.url and not same_page(before, self.url) else None

    # ---- signing in

    @property
    def on_login_page(self) -> bool:
        return bool(self.ctx.get("login_page")) or is_login_url(self.url)

    @property
    def login_opened_at(self) -> int | None:
        """Index (in prior + failed) of the last step that opened a login URL on purpose."""
        found = None
        for i, s in enumerate([*self.prior, self.step]):
            if as_text(s.get("action")) != Action.NAVIGATE:
                continue
            target = as_text(s.get("value")) or as_text(s.get("selector"))
            if login_path(urlsplit(target).path if "://" in target else target.split("?")[0]):
                found = i
        return found

    @property
    def signed_in_url(self) -> str | None:
        """After opening the login page on purpose, the last app page the test reached."""
        opened = self.login_opened_at
        if opened is None:
            return None
        urls = [as_text(s.get("url")) for s in self.prior[opened + 1 :]]
        left = [u for u in urls if u.startswith("http") and not is_login_url(u)]
        return left[-1] if left else None

    @property
    def submitted_on_login(self) -> bool:
        """A click/press passed on the login page (and the test is still there)."""
        return any(
            s.get("status") == TestStatus.PASSED
            and as_text(s.get("action")) in SUBMITTING
            and (
                is_login_url(as_text(s.get("url")))
                or (isinstance(s.get("context"), Mapping) and bool(s["context"].get("login_page")))
            )
            for s in self.prior
        )

    @property
    def auth_message(self) -> str:
        return as_text(self.ctx.get("auth_message"))

    @property
    def access_message(self) -> str:
        return as_text(self.ctx.get("access_message"))


def read_facts(ev: Evidence) -> Facts:
    step = ev.step or {}
    f = Facts(ev)
    f.kind = ev.error_type or ""
    f.action = as_text(step.get("action"))
    f.selector = step.get("selector") or step.get("resolved_selector") or None
    f.words = as_text(step.get("description")) or as_text(step.get("name"))
    ctx = step.get("context")
    f.ctx = ctx if isinstance(ctx, Mapping) else {}
    f.url = as_text(f.ctx.get("url")) or as_text(step.get("url")) or ev.final_url or None
    status = f.ctx.get("document_status")
    f.doc_status = status if isinstance(status, int) else None
    if f.kind == StepErrorType.NAVIGATION_ERROR:
        match = _HTTP_STATUS.search(ev.error)
        if match:
            f.doc_status = int(match.group(1))
    net = _NET_ERR.search(ev.error)
    f.net_error = net.group(0) if net else None
    raw = step.get("heal_candidates")
    if isinstance(raw, list):
        stored = [c for c in raw if isinstance(c, Mapping) and c.get("selector")]
        # In public syntax (results stored by older versions may hold internal forms).
        f.candidates = [{**c, "selector": shown_selector(as_text(c["selector"]))} for c in stored]
        f.decision = _decision(step.get("heal_decision"), stored, f.action)
    for req in ev.failed_requests:
        _sort_request(f, req)
    f.js_errors = [as_text(e) for e in ev.page_errors if as_text(e)]
    for msg in ev.console_errors:
        text = as_text(msg.get("text"))
        if not text or _RESOURCE_CONSOLE.search(text):
            continue
        (f.js_console if _EXCEPTION_CONSOLE.search(text) else f.console_noise).append(text)
    steps = list(ev.steps)
    f.prior = steps[: steps.index(step)] if step in steps else steps
    return f


def _same(selector: str) -> str:
    return " ".join(shown_selector(selector).split())


def _decision(
    stored: Any, candidates: Sequence[Mapping[str, Any]], action: str
) -> tuple[bool, str] | None:
    """The run's own heal decision; for results stored before runs kept it, the same
    rule applied to the stored candidates."""
    if not candidates:
        return None
    if isinstance(stored, Mapping) and isinstance(stored.get("ok"), bool):
        return stored["ok"], as_text(stored.get("reason"))
    return decision_from_records(candidates, action)


def _sort_request(f: Facts, req: Mapping[str, Any]) -> None:
    rtype, status, failure = req.get("resource_type"), req.get("status"), req.get("failure")
    if rtype == "document":
        if f.doc_status is None and same_page(as_text(req.get("url")), f.url):
            f.doc_status = status if isinstance(status, int) else f.doc_status
    elif status in (401, 403):
        f.auth_requests.append(req)
    elif rtype not in _APP_REQUESTS:
        return
    elif _NOISE_URL.search(as_text(req.get("url"))):
        f.ignored_requests.append(req)
    elif (isinstance(status, int) and status >= 500) or (
        status is None and failure and "ERR_ABORTED" not in as_text(failure)
    ):
        f.app_failed.append(req)
    else:
        f.app_weak.append(req)
